"""The PnP lease on both databases: one holder per network, renewed by it, taken over only once
it has lapsed, given back at a clean stop."""

import datetime as dt

from provisioning.common.models import utcnow
from provisioning.discovery import lease
from provisioning.discovery.models import PnpLease
from provisioning.extensions import db

TOTAL = 30  # PNP_LEASE_SECONDS: a claim lasts 20 s


def test_the_first_instance_holds_the_lease_and_the_second_waits(app):
    now = utcnow()
    assert lease.claim(db.session, ["network:1"], "a", TOTAL, now) == {"network:1"}
    assert lease.claim(db.session, ["network:1"], "b", TOTAL, now) == set()
    assert db.session.get(PnpLease, "network:1").holder == "a"


def test_the_holder_renews_and_keeps_it(app):
    start = utcnow()
    lease.claim(db.session, ["network:1"], "a", TOTAL, start)
    later = start + dt.timedelta(seconds=15)
    assert lease.claim(db.session, ["network:1"], "a", TOTAL, later) == {"network:1"}
    assert lease.claim(db.session, ["network:1"], "b", TOTAL,
                       later + dt.timedelta(seconds=10)) == set()


def test_a_lapsed_lease_is_taken_over_within_the_bound(app):
    start = utcnow()
    lease.claim(db.session, ["network:1"], "a", TOTAL, start)
    # a vanished at start; b claims every TOTAL/3 seconds and has it by start + TOTAL
    lapsed = start + dt.timedelta(seconds=lease.lease_seconds(TOTAL) + 0.001)
    assert lapsed - start < dt.timedelta(seconds=TOTAL)
    assert lease.claim(db.session, ["network:1"], "b", TOTAL, lapsed) == {"network:1"}
    assert lease.claim(db.session, ["network:1"], "a", TOTAL, lapsed) == set()


def test_a_clean_stop_gives_the_leases_back_at_once(app):
    now = utcnow()
    lease.claim(db.session, ["network:1", "network:2"], "a", TOTAL, now)
    lease.release(db.session, "a")
    assert lease.claim(db.session, ["network:1", "network:2"], "b", TOTAL, now) == {
        "network:1", "network:2"}


def test_a_network_no_longer_served_is_given_back(app):
    now = utcnow()
    lease.claim(db.session, ["network:1", "network:2"], "a", TOTAL, now)
    assert lease.claim(db.session, ["network:2"], "a", TOTAL, now) == {"network:2"}
    assert lease.claim(db.session, ["network:1"], "b", TOTAL, now) == {"network:1"}
