"""Zero-touch discovery: phones on a LAN find the service by themselves.

Three roads, each off until an admin or operator switches it on:

* **Multicast SIP PnP** (``responder``, ``runner``): snom and Yealink phones ask 224.0.1.75:5060
  with ``SUBSCRIBE``/``Event: ua-profile``; the answer is a ``NOTIFY`` with the tenant's
  provisioning URL. Per network (``pnp_enabled``), only for MACs the tenant knows or inside the
  network's adoption window, rate-limited per source and journaled.
* **DHCP** (``dhcp``): ready snippets per network and vendor for ISC dhcpd, Kea and dnsmasq
  (options 66/67, 43, 160; classes by option 60 or OUI), from the API and the CLI.
* **mDNS** (``mdns``): each instance announces itself (``_provisioning._tcp.local.``, version
  and provisioning base URL in TXT) for tools and other instances; phones do not use it.

**Who answers PnP: the service, not the bundled Kamailio.** Deciding needs the tenants'
networks, the MACs each tenant knows and the adoption windows: the service's own data (the
render store's devices and tenant records, the networks), which Kamailio does not have and
would have to query per packet. The service's ``provisioning discovery run`` process (supervised
beside TFTP) keeps that data in an in-memory view refreshed every couple of seconds and never
touches a database in the packet path. Kamailio keeps port 5060 for unicast SIP on the same
host: the responder's socket shares the port (SO_REUSEADDR/SO_REUSEPORT) bound to the group
address, so it receives only datagrams sent to 224.0.1.75, and sends its answers from an
ephemeral unicast port. (Kamailio must listen on a unicast address, as SIP_LISTEN_HOST has it;
bound to 0.0.0.0:5060 it would see the group's datagrams too.)

**Several instances on one LAN:** exactly one answers PnP per network, the holder of that
network's lease in the shared database (``lease``); another takes over within
PNP_LEASE_SECONDS when the holder goes away. mDNS only announces; it does not elect.
"""
