from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require
from provisioning.common.api import Blueprint, check_if_match
from provisioning.discovery import service
from provisioning.discovery.schemas import (
    AdoptionWindowSchema,
    DhcpArgs,
    DhcpSnippetSchema,
    DiscoverySchema,
)

blp = Blueprint("discovery", __name__,
                description="Zero-touch discovery per network: multicast PnP, the adoption "
                            "window, DHCP snippets")


@blp.route("/networks/<int:network_id>/discovery", methods=["GET"])
@blp.response(200, DiscoverySchema)
def get_discovery(network_id):
    network = service.get_network(network_id)
    require(*ADMINS)
    return service.discovery(network)


@blp.route("/networks/<int:network_id>/adoption-window", methods=["POST"])
@blp.arguments(AdoptionWindowSchema)
@blp.response(200, DiscoverySchema)
def open_adoption_window(data, network_id):
    network = service.get_network(network_id)
    require(*ADMINS)
    check_if_match(network)
    return service.open_adoption_window(network, data["minutes"])


@blp.route("/networks/<int:network_id>/dhcp", methods=["GET"])
@blp.arguments(DhcpArgs, location="query")
@blp.response(200, DhcpSnippetSchema)
def get_dhcp_snippet(args, network_id):
    network = service.get_network(network_id)
    require(*ADMINS)
    return service.dhcp_snippet(network, args["server"], args["vendor"])
