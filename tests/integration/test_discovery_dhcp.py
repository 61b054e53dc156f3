"""The DHCP snippets the API and the CLI give pass each real server's own configuration check
(ISC dhcpd -t, kea-dhcp4 -t, dnsmasq --test, from Debian's packages) in a file that includes
the snippets of two tenants' networks, every vendor; a broken snippet does not (the check is
real). Nothing is started: each server only parses."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from provisioning.cli import main
from provisioning.discovery.dhcp import merge_kea
from tests.factories import headers_for, make_account, make_tenant
from tests.factories_fleet import make_network
from tests.factories_ops import committed_app, fresh_database

pytestmark = pytest.mark.slow

CHECKS = {"isc": "dhcpd", "kea": "kea-dhcp4", "dnsmasq": "dnsmasq"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    missing = [tool for tool in CHECKS.values() if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run tools/setup-system test (make test does)")
    tmp = tmp_path_factory.mktemp(f"dhcp-{request.param}")
    with fresh_database(request.param, tmp) as url, committed_app(tmp, url) as app:
        with app.app_context():
            first, second = make_tenant(), make_tenant()
            networks = [make_network(first, "10.80.1.0/24", pnp_enabled=True).id,
                        make_network(second, "10.80.2.0/24").id]
            headers = headers_for(make_account("admin", first))
            operator = headers_for(make_account("operator"))
        yield {"app": app, "url": url, "tmp": tmp, "networks": networks,
               "headers": headers, "operator": operator}


def api_snippet(world, network_id: int, server: str, vendor: str | None = None) -> str:
    query = f"server={server}" + (f"&vendor={vendor}" if vendor else "")
    answer = world["app"].test_client().get(f"/api/v1/networks/{network_id}/dhcp?{query}",
                                            headers=world["operator"])
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["snippet"]


def cli_snippet(world, network_ref: str, server: str, monkeypatch) -> str:
    monkeypatch.setenv("PROVISIONING_ENV", "development")
    monkeypatch.setenv("PROVISIONING_INSTANCE", str(world["tmp"] / "instance"))
    monkeypatch.setenv("DATABASE_URL", world["url"])
    monkeypatch.setenv("PROVISIONING_LOG_LEVEL", "WARNING")
    result = CliRunner().invoke(main, ["discovery", "dhcp", "--network", network_ref,
                                       "--server", server])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def check(server: str, snippets: list[str], folder: Path) -> subprocess.CompletedProcess:
    """Write the snippets beside a minimal configuration that includes them; run the check."""
    folder.mkdir(parents=True, exist_ok=True)
    if server == "isc":
        names = []
        for n, text in enumerate(snippets):
            (folder / f"phones-{n}.conf").write_text(text)
            names.append(f'include "{folder / f"phones-{n}.conf"}";')
        main_file = folder / "dhcpd.conf"
        main_file.write_text("authoritative;\n"
                             "subnet 10.80.1.0 netmask 255.255.255.0 { range 10.80.1.100 "
                             "10.80.1.200; }\n" + "\n".join(names) + "\n")
        argv = ["dhcpd", "-t", "-4", "-cf", str(main_file)]
    elif server == "kea":
        # As an admin merges them: the classes, the option definitions once, and each
        # network's required classes into the subnet of that range.
        merged = merge_kea([json.loads(text) for text in snippets])
        subnets = [{"subnet": entry["subnet"], "id": n,
                    "require-client-classes": entry["require-client-classes"]}
                   for n, entry in enumerate(merged.pop("subnet4"), 1)]
        dhcp4: dict = {"interfaces-config": {"interfaces": []},
                       "lease-database": {"type": "memfile", "persist": False},
                       "subnet4": subnets, **merged}
        main_file = folder / "kea-dhcp4.conf"
        main_file.write_text(json.dumps({"Dhcp4": dhcp4}, indent=2))
        argv = ["kea-dhcp4", "-t", str(main_file)]
    else:
        names = []
        for n, text in enumerate(snippets):
            (folder / f"phones-{n}.conf").write_text(text)
            names.append(f"conf-file={folder / f'phones-{n}.conf'}")
        main_file = folder / "dnsmasq.conf"
        main_file.write_text("port=0\ndhcp-range=10.80.1.100,10.80.1.200,12h\n"
                             + "\n".join(names) + "\n")
        argv = ["dnsmasq", "--test", f"--conf-file={main_file}"]
    return subprocess.run(argv, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("server", ["isc", "kea", "dnsmasq"])
def test_the_snippets_of_two_networks_pass_the_servers_own_check(world, server, tmp_path):
    snippets = [api_snippet(world, network_id, server) for network_id in world["networks"]]
    result = check(server, snippets, tmp_path / server)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]


@pytest.mark.parametrize("server", ["isc", "kea", "dnsmasq"])
def test_each_vendors_snippet_alone_passes_too(world, server, tmp_path):
    for vendor in ("snom", "yealink", "other"):
        text = api_snippet(world, world["networks"][0], server, vendor)
        result = check(server, [text], tmp_path / f"{server}-{vendor}")
        assert result.returncode == 0, (vendor, result.stderr[-2000:])


@pytest.mark.parametrize("server", ["isc", "kea", "dnsmasq"])
def test_the_cli_prints_the_same_snippet_as_the_api_by_cidr(world, server, monkeypatch):
    by_cli = cli_snippet(world, "10.80.1.0/24", server, monkeypatch)
    assert by_cli == api_snippet(world, world["networks"][0], server)


@pytest.mark.parametrize("server,breakage", [
    ("isc", lambda t: t.replace("tftp-server-name", "tftp-server-nam", 1)),
    ("kea", lambda t: t.replace('"test": "', '"test": "substring(', 1)),
    ("dnsmasq", lambda t: t.replace("dhcp-vendorclass=", "dhcp-vendor-class=", 1)),
])
def test_a_broken_snippet_fails_the_check(world, server, breakage, tmp_path):
    text = breakage(api_snippet(world, world["networks"][0], server, "snom"))
    assert check(server, [text], tmp_path / server).returncode != 0


def test_the_snippets_carry_the_tenants_url_in_the_vendors_options(world):
    network_id = world["networks"][0]
    view = world["app"].test_client().get(f"/api/v1/networks/{network_id}/discovery",
                                          headers=world["headers"]).get_json()
    url = view["provisioning_url"]
    isc = api_snippet(world, network_id, "isc")
    assert f'option tftp-server-name "{url}";' in isc
    assert f'option vendor-encapsulated-options "{url}";' in isc  # Yealink's option 43
    model_line = (f'subclass "prov{network_id}-snom-model" "snomD785" '
                  '{ option bootfile-name "snomD785.htm"; }')
    assert model_line in isc
    assert "substring(hardware, 1, 3) = 00:15:65" in isc
    dnsmasq = api_snippet(world, network_id, "dnsmasq")
    assert f'dhcp-option-force=160,"{url}"' in dnsmasq
    assert f"dhcp-vendorclass=set:prov{network_id}-snom,snom" in dnsmasq
