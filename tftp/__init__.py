"""The TFTP server: phones that only know ``tftp://`` get the very files HTTPS serves.

* ``names``: the allow-list of request names (traversal of any kind is refused up front);
* ``server``: the event loop around tftpy's protocol (RRQ only, session caps, timeouts, stop);
* ``snapshot``: the render store mirrored in memory, so the loop never waits for a database;
* ``files``: name + client address -> the device's stored file in the variant
  ``provisioning.phones.serving.decide`` allows over TFTP, or the tenant's generic file;
* ``service``: wiring for ``provisioning tftp`` (its own process, supervised);
* ``process``: the supervisor's ProcessSpec for it.

Nothing here imports Flask routes; the process builds an app only for configuration, the
instance's keys and the fetch recorder's database writes.
"""
