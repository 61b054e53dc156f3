"""Multicast SIP PnP on a LAN of network namespaces (SQLite and PostgreSQL): phones get their
tenant's URL, unknown phones only inside an adoption window, floods are cut, and of two
instances that both announce themselves over mDNS exactly one answers, the second taking over
within PNP_LEASE_SECONDS when the first goes away."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from provisioning.discovery.mdns import version
from provisioning.extensions import db
from provisioning.journal.models import JournalEntry
from provisioning.phones.models import UnrecognisedDevice
from tests.factories_ops import committed_app, fresh_database
from tests.integration.discovery_world import (
    FLOOD_ADDR,
    HOSTS,
    INSTANCE_A,
    INSTANCE_B,
    LEASE_SECONDS,
    OFF_ADDR,
    OTHER_MAC,
    OTHER_TENANT_ADDR,
    PAIR_ADDR,
    RATE_LIMIT,
    SNOM_ADDR,
    SNOM_MAC,
    TAKEOVER_ADDRS,
    UNKNOWN_ADDR,
    UNKNOWN_MAC,
    YEALINK_ADDR,
    YEALINK_MAC,
    DiscoveryProcess,
    build_world,
)
from tests.integration.netlab import Lab, PgUnixProxy, inside
from tests.integration.pnp_phone import Phone, snom_subscribe, yealink_subscribe

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"pnp-{request.param}")
    with fresh_database(request.param, tmp) as url, committed_app(tmp, url) as app, \
            Lab(HOSTS) as lab:
        proxy = PgUnixProxy() if request.param == "postgresql" else None
        try:
            data = build_world(app)
            # Processes inside a namespace cannot reach the host's 127.0.0.1: PostgreSQL
            # through a Unix socket (a file), SQLite as it is.
            inner_url = proxy.url_for(url) if proxy else url
            first = DiscoveryProcess(lab.ns["a"], INSTANCE_A, tmp / "instance", inner_url)
            second = DiscoveryProcess(lab.ns["b"], INSTANCE_B, tmp / "instance", inner_url)
            first.start()
            yield {**data, "app": app, "lab": lab, "first": first, "second": second}
        finally:
            for name in ("first", "second"):
                process = locals().get(name)
                if process is not None:
                    process.stop()
            if proxy is not None:
                proxy.close()


def phone(world, addr: str) -> Phone:
    return Phone(world["lab"].ns["phone"], addr)


def ask(world, addr: str, payload_for, mac: str, **kw):
    handset = phone(world, addr)
    try:
        return handset.ask(payload_for(mac, addr), **kw)
    finally:
        handset.close()


def journal(app, action: str) -> list[JournalEntry]:
    with app.app_context():
        try:
            return list(db.session.execute(
                select(JournalEntry).where(JournalEntry.action == action)).scalars())
        finally:
            db.session.remove()


def eventually(check, timeout: float = 8.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


def test_a_snom_phone_gets_200_and_a_notify_with_its_tenants_url(world):
    seen = ask(world, SNOM_ADDR, snom_subscribe, SNOM_MAC)
    assert seen.ok, seen
    assert seen.url == world["url"]
    assert seen.header("Content-Type") == "application/url"
    assert seen.header("Event").startswith("ua-profile")
    assert seen.header("Subscription-State").startswith("terminated")
    assert {source for source, _ in seen.notifies} == {INSTANCE_A}


def test_a_yealink_phone_gets_200_and_a_notify_with_its_tenants_url(world):
    seen = ask(world, YEALINK_ADDR, yealink_subscribe, YEALINK_MAC)
    assert seen.ok and seen.url == world["url"]
    ok = seen.responses[0][1].decode()
    assert "Expires: 0" in ok and ";tag=" in ok.split("To:", 1)[1].split("\r\n", 1)[0]


def test_a_phone_of_another_tenants_network_gets_that_tenants_url(world):
    seen = ask(world, OTHER_TENANT_ADDR, snom_subscribe, OTHER_MAC)
    assert seen.url == world["other_url"] != world["url"]


def test_a_known_mac_from_the_wrong_tenants_network_gets_nothing(world):
    seen = ask(world, OTHER_TENANT_ADDR, snom_subscribe, SNOM_MAC, wait=1.5)
    assert not seen.ok and seen.url is None


def test_a_network_with_pnp_off_gets_no_answer(world):
    seen = ask(world, OFF_ADDR, snom_subscribe, SNOM_MAC, wait=1.5)
    assert not seen.responses and seen.url is None


def test_an_unknown_mac_gets_a_url_only_inside_an_adoption_window_and_is_listed(world):
    app = world["app"]
    assert ask(world, UNKNOWN_ADDR, snom_subscribe, UNKNOWN_MAC, wait=1.5).url is None
    answer = app.test_client().post(
        f"/api/v1/networks/{world['network_id']}/adoption-window", json={"minutes": 10},
        headers=world["headers"])
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["adoption_window_open"] is True
    seen = eventually(lambda: ask(world, UNKNOWN_ADDR, snom_subscribe, UNKNOWN_MAC,
                                  wait=1.0).url)
    assert seen == world["url"]

    def listed():
        with app.app_context():
            try:
                return db.session.execute(select(UnrecognisedDevice).where(
                    UnrecognisedDevice.mac == UNKNOWN_MAC)).scalar_one_or_none()
            finally:
                db.session.remove()

    row = eventually(listed)
    assert row is not None and row.tenant_id == world["tenant_id"]
    assert (row.vendor, row.model, row.addr) == ("snom", "D785", UNKNOWN_ADDR)
    adoption = eventually(lambda: journal(app, "pnp_adoption"))
    assert adoption and adoption[0].changes["mac"] == UNKNOWN_MAC
    closed = app.test_client().post(
        f"/api/v1/networks/{world['network_id']}/adoption-window", json={"minutes": 0},
        headers=world["headers"])
    assert closed.get_json()["adoption_window_open"] is False


def test_a_flood_from_one_address_is_rate_limited(world):
    handset = phone(world, FLOOD_ADDR)
    try:
        for _ in range(30):
            handset.send(snom_subscribe(SNOM_MAC, FLOOD_ADDR))
        seen = handset.collect(wait=3.0)
    finally:
        handset.close()
    answered = {data.split(b"Call-ID: ")[1].split(b"\r\n")[0] for _, data in seen.notifies}
    assert 0 < len(answered) <= RATE_LIMIT
    limited = eventually(lambda: journal(world["app"], "pnp_rate_limited"))
    assert limited and limited[0].changes["addr"] == FLOOD_ADDR


def test_answers_are_journaled_as_pnp_with_the_device(world):
    entries = eventually(lambda: journal(world["app"], "pnp_answered"))
    by_mac = {e.changes["mac"]: e for e in entries}
    assert {SNOM_MAC, YEALINK_MAC} <= set(by_mac)
    assert by_mac[SNOM_MAC].via == "phone" and by_mac[SNOM_MAC].object_type == "devices"
    assert by_mac[YEALINK_MAC].changes["model"] == "T54W"


def browse(ns: str, addr: str, wanted: int, timeout: float = 10.0) -> dict[str, dict]:
    """The instances announced on the LAN, as a tool in namespace ``ns`` finds them."""
    from zeroconf import IPVersion, ServiceBrowser, Zeroconf

    found: dict[str, dict] = {}
    with inside(ns):
        zc = Zeroconf(interfaces=[addr], ip_version=IPVersion.V4Only)
    try:
        names: set[str] = set()

        class Listener:
            def add_service(self, zc, type_, name):
                names.add(name)

            update_service = add_service

            def remove_service(self, zc, type_, name):
                names.discard(name)

        browser = ServiceBrowser(zc, "_provisioning._tcp.local.", Listener())
        deadline = time.monotonic() + timeout
        while len(found) < wanted and time.monotonic() < deadline:
            for name in list(names - set(found)):
                info = zc.get_service_info("_provisioning._tcp.local.", name, timeout=2000)
                if info is not None:
                    found[name] = {k.decode(): (v or b"").decode()
                                   for k, v in info.properties.items()}
                    found[name]["addresses"] = ",".join(info.parsed_addresses())
            time.sleep(0.2)
        browser.cancel()
    finally:
        zc.close()
    return found


def test_two_instances_both_announce_one_answers_and_the_other_takes_over(world):
    first, second = world["first"], world["second"]
    second.start(marker="discovery: PnP on")
    announced = browse(world["lab"].ns["phone"], PAIR_ADDR, wanted=2)
    assert {a["addresses"] for a in announced.values()} == {INSTANCE_A, INSTANCE_B}
    for txt in announced.values():
        assert txt["version"] == version()
        assert txt["url"].startswith("http") and ".local" not in txt["url"]
        assert "/p/" not in txt["url"]  # the base URL, never a tenant's secret
    for _ in range(3):
        seen = ask(world, PAIR_ADDR, snom_subscribe, SNOM_MAC, settle=1.0)
        assert [source for source, _ in seen.notifies] == [INSTANCE_A]
        assert [source for source, _ in seen.responses] == [INSTANCE_A]

    first.kill()
    gone = time.monotonic()
    answered_by, attempt = None, 0
    while answered_by is None and time.monotonic() - gone < LEASE_SECONDS + 3:
        addr = TAKEOVER_ADDRS[attempt % len(TAKEOVER_ADDRS)]
        attempt += 1
        seen = ask(world, addr, snom_subscribe, SNOM_MAC, wait=0.5)
        if seen.notifies:
            answered_by = seen.notifies[0][0]
    took = time.monotonic() - gone
    assert answered_by == INSTANCE_B
    assert took <= LEASE_SECONDS + 0.5, f"took over after {took:.1f}s"
