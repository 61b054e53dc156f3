"""Where TLS ends for the phones: nginx in front of the web server, wired to our certificates.

Phones open a new TLS connection for every file. nginx does that handshake 2,400-3,600 times a
second on two cores where Python servers manage 190-1,300 (README: "HTTPS for phones"), and with
``ssl_verify_client optional_no_ca`` phones with and without a factory certificate both connect
while nginx hands the certificate to the application. So nginx terminates TLS on the phones'
port and passes ``/p/`` (nothing else) to the web server on loopback, from its own source
address, setting these headers and removing any a client sent:

    X-Forwarded-For      the phone's address (set, never appended)
    X-Forwarded-Proto    https (or http on the optional plain listener)
    X-SSL-Client-Cert    the client certificate, URL-escaped PEM ($ssl_client_escaped_cert)
    X-SSL-Client-Verify  nginx's verdict (NONE without a certificate); the application re-checks

The application trusts them only from TRUSTED_PROXIES, which start-up sets to nginx's source
address alone (PHONE_PROXY_SOURCE_ADDRESS, 127.0.0.2 by default), so that no other local client
passes as the proxy.

    tls.certificates  the server certificate (ours or the operator's chain), the vendor CA bundle
    tls.nginx         render and check its configuration, the supervisor's process, reload
    tls.front         everything ``serve`` and ``demo-run`` do before starting nginx
    tls.jobs          the daily "tls-renewal" job
"""
