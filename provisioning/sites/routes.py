from __future__ import annotations

from provisioning.accounts.auth import ADMINS, require, roles
from provisioning.common.api import Blueprint, check_if_match, paginate, with_etag
from provisioning.sites import networks, service
from provisioning.sites.schemas import (
    NetworkListArgs,
    NetworkPage,
    NetworkPatchSchema,
    NetworkSchema,
    SiteListArgs,
    SitePage,
    SitePatchSchema,
    SiteSchema,
)

# Sites and networks share a blueprint (one routes module per feature); hence no url_prefix.
blp = Blueprint("sites", __name__,
                description="Sites of a tenant and the networks its phones are seen from")


@blp.route("/sites", methods=["GET"])
@blp.arguments(SiteListArgs, location="query")
@blp.response(200, SitePage)
def list_sites(args):
    return paginate(service.list_sites(args), args)


@blp.route("/sites", methods=["POST"])
@roles(*ADMINS)
@blp.arguments(SiteSchema)
@blp.response(201, SiteSchema)
def create_site(data):
    return with_etag(service.create_site(data), 201)


@blp.route("/sites/<int:site_id>", methods=["GET"])
@blp.response(200, SiteSchema)
def get_site(site_id):
    return with_etag(service.get_site(site_id))


@blp.route("/sites/<int:site_id>", methods=["PATCH"])
@blp.arguments(SitePatchSchema(partial=True))
@blp.response(200, SiteSchema)
def update_site(data, site_id):
    site = service.get_site(site_id)
    require(*ADMINS)
    check_if_match(site)
    return with_etag(service.update_site(site, data))


@blp.route("/sites/<int:site_id>", methods=["DELETE"])
@blp.response(204)
def delete_site(site_id):
    site = service.get_site(site_id)
    require(*ADMINS)
    check_if_match(site)
    service.delete_site(site)


@blp.route("/networks", methods=["GET"])
@roles(*ADMINS)
@blp.arguments(NetworkListArgs, location="query")
@blp.response(200, NetworkPage)
def list_networks(args):
    return paginate(networks.list_networks(args), args)


@blp.route("/networks", methods=["POST"])
@roles(*ADMINS)
@blp.arguments(NetworkSchema)
@blp.response(201, NetworkSchema)
def create_network(data):
    return with_etag(networks.create_network(data), 201)


@blp.route("/networks/<int:network_id>", methods=["GET"])
@blp.response(200, NetworkSchema)
def get_network(network_id):
    network = networks.get_network(network_id)
    require(*ADMINS)
    return with_etag(network)


@blp.route("/networks/<int:network_id>", methods=["PATCH"])
@blp.arguments(NetworkPatchSchema(partial=True))
@blp.response(200, NetworkSchema)
def update_network(data, network_id):
    network = networks.get_network(network_id)
    require(*ADMINS)
    check_if_match(network)
    return with_etag(networks.update_network(network, data))


@blp.route("/networks/<int:network_id>", methods=["DELETE"])
@blp.response(204)
def delete_network(network_id):
    network = networks.get_network(network_id)
    require(*ADMINS)
    check_if_match(network)
    networks.delete_network(network)
