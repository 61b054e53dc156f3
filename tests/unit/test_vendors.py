"""The vendor registry, the model tables, and time zones in each vendor's own words."""

from __future__ import annotations

import re

import pytest

from provisioning.render import DeviceConfig, describe_file
from provisioning.timezones import UnknownTimeZone, zone_rules
from provisioning.vendors import snom, yealink
from provisioning.vendors.base import FileRequest
from provisioning.vendors.registry import DuplicateVendor, VendorRegistry, registry


def test_registry_lists_snom_and_yealink_and_cannot_change():
    assert list(registry()) == ["snom", "yealink"]
    assert registry() is registry()
    with pytest.raises(TypeError):
        registry()._table["fanvil"] = registry()["snom"]  # type: ignore[index]


def test_registry_refuses_a_vendor_registered_twice():
    with pytest.raises(DuplicateVendor):
        VendorRegistry([snom.Snom(), yealink.Yealink(), snom.Snom()])


def test_an_unknown_vendor_is_a_lookup_error():
    with pytest.raises(LookupError):
        registry().get("polycom")


def test_every_file_kind_has_a_content_type_and_says_whether_it_carries_credentials():
    for vendor in registry().values():
        carriers = [kind for kind, spec in vendor.files.items() if spec.carries_credentials]
        assert len(carriers) == 1
        assert all(spec.content_type.endswith("charset=utf-8") for spec in vendor.files.values())


def test_describe_file_tells_the_http_layer_what_a_name_is():
    request, spec = describe_file("yealink", "805ec0d57d72.cfg")
    assert (request.kind, request.mac, spec.carries_credentials) == ("device", "805ec0d57d72", True)
    assert spec.content_type == "text/plain; charset=utf-8"
    assert describe_file("snom", "805ec0d57d72.cfg") is None


def test_yealink_model_table_gives_common_file_names_from_the_reference():
    vendor = registry()["yealink"]
    assert vendor.common_filename("T46U") == "y000000000108.cfg"
    assert vendor.common_filename("T54W") == "y000000000096.cfg"
    assert vendor.common_filename("T33G") == "y000000000124.cfg"
    assert vendor.common_filename("T46G") == "y000000000028.cfg"
    assert vendor.common_filename("X99") is None
    assert all(len(m.common_file_id or "000") == 3 for m in vendor.models.values())


def test_model_rows_name_their_source():
    for vendor in registry().values():
        assert all(model.source for model in vendor.models.values())


@pytest.mark.parametrize(("zone", "time_zone", "summer", "start", "end"), [
    ("Europe/Berlin", "+1", 1, "3/5/7/2", "10/5/7/3"),
    ("Europe/London", "+0", 1, "3/5/7/1", "10/5/7/2"),
    ("America/New_York", "-5", 1, "3/2/7/2", "11/1/7/2"),
    ("Asia/Tokyo", "+9", 0, None, None),
    ("UTC", "+0", 0, None, None),
    ("Asia/Kolkata", "+5:30", 0, None, None),
    ("Australia/Sydney", "+10", 1, "10/1/7/2", "4/1/7/3"),
])
def test_yealink_time_zone_and_daylight_saving(zone, time_zone, summer, start, end):
    values = yealink.format_time_zone(zone_rules(zone, 2025))
    assert values["time_zone"] == time_zone and values["summer_time"] == summer
    assert values.get("start_time") == start and values.get("end_time") == end
    if summer:
        assert values["dst_time_type"] == 1 and values["offset_time"] == 60


def test_last_sunday_rules_do_not_change_from_year_to_year():
    years = {yealink.format_time_zone(zone_rules("Europe/Berlin", y))["end_time"]
             for y in range(2024, 2031)}
    assert years == {"10/5/7/3"}


@pytest.mark.parametrize(("zone", "value", "tone"), [
    ("Europe/Berlin", "GER+1", "GER"),
    ("Europe/London", "GBR-0", None),
    ("America/New_York", "USA-5", "USA"),
    ("Asia/Tokyo", "JPN+9", None),
    ("UTC", None, None),
])
def test_snom_time_zone_and_tone_scheme(zone, value, tone):
    config = DeviceConfig(vendor="snom", model="D785", mac=None, year=2025, timezone=zone,
                          provisioning_url="https://prov.example.net/")
    context = registry()["snom"].context(config, FileRequest("snom", "model_settings"))
    assert (context["timezone"], context["tone_scheme"]) == (value, tone)


def test_snom_time_zone_table_agrees_with_each_zones_standard_offset():
    for zone, value in snom.TIMEZONES.items():
        hours = float(re.search(r"[+-][\d.]+$", value).group())
        assert hours * 60 == zone_rules(zone, 2025).standard_offset_minutes, zone


def test_an_unknown_time_zone_is_refused():
    for zone in ("Mars/Olympus", "../../etc/passwd", ""):
        with pytest.raises(UnknownTimeZone):
            zone_rules(zone, 2025)


def test_languages_map_to_each_vendors_own_names():
    assert snom.LANGUAGES["de"] == "Deutsch" and snom.LANGUAGES["en"] == "English"
    assert yealink.LANGUAGES["de"] == "German" and yealink.LANGUAGES["en"] == "English"
