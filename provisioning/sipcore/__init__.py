"""The service's side of the bundled SIP core (pbx/): Kamailio's settings from the
configuration, subscribers and domains kept in step, registration status, re-sync."""
