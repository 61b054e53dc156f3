"""IANA time zones reduced to what desk phones understand: a standard offset and one DST rule.

Phones do not know IANA names. Yealink wants an offset plus a daylight-saving rule as
month/week/weekday/hour; snom wants a named entry of its own table (see vendors/snom.py). Both are
derived here from the system's zoneinfo for ONE given year, so the same zone and year always give
the same answer (golden files do not change with the calendar; the caller picks the year).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["DstChange", "ZoneRules", "UnknownTimeZone", "zone_rules"]


class UnknownTimeZone(ValueError):
    pass


@dataclass(frozen=True)
class DstChange:
    """One switch, as wall-clock time before the switch: "last Sunday of March, 02:00"."""

    month: int  # 1..12
    week: int  # 1..4, or 5 meaning "the last one of the month" (POSIX TZ convention)
    weekday: int  # 1 = Monday .. 7 = Sunday (Yealink's numbering, Wazo's week_start_on_monday)
    hour: int  # 0..23, local wall clock before the switch
    day: int  # day of month in the computed year, for fixed-date forms and for humans


@dataclass(frozen=True)
class ZoneRules:
    zone: str
    year: int
    standard_offset_minutes: int  # east of UTC is positive
    dst_start: DstChange | None
    dst_end: DstChange | None
    dst_saving_minutes: int  # 0 without DST

    @property
    def has_dst(self) -> bool:
        return self.dst_start is not None


def _minutes(delta: dt.timedelta | None) -> int:
    return int((delta or dt.timedelta()).total_seconds() // 60)


def _transitions(tz: ZoneInfo, year: int) -> list[dt.datetime]:
    """UTC instants in ``year`` where the zone's offset changes (found per hour, then minute)."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)
    found: list[dt.datetime] = []
    step = dt.timedelta(hours=1)
    moment = start
    previous = moment.astimezone(tz).utcoffset()
    while moment < end:
        nxt = moment + step
        offset = nxt.astimezone(tz).utcoffset()
        if offset != previous:
            # narrow down to the minute inside this hour
            probe = moment
            while probe.astimezone(tz).utcoffset() == previous:
                probe += dt.timedelta(minutes=1)
            found.append(probe)
            previous = offset
        moment = nxt
    return found


def _change(local_before: dt.datetime) -> DstChange:
    days_in_month = calendar.monthrange(local_before.year, local_before.month)[1]
    day = local_before.day
    # A switch in the last seven days is "the last <weekday>": true every year, unlike "4th".
    week = 5 if day + 7 > days_in_month else (day - 1) // 7 + 1
    return DstChange(local_before.month, week, local_before.isoweekday(), local_before.hour, day)


@lru_cache(maxsize=512)
def zone_rules(zone: str, year: int) -> ZoneRules:
    """Standard offset and the DST rule of ``zone`` in ``year``; raises UnknownTimeZone."""
    if not isinstance(zone, str) or not zone or ".." in zone or zone.startswith("/"):
        raise UnknownTimeZone(f"unknown time zone: {zone!r}")
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UnknownTimeZone(f"unknown time zone: {zone!r}") from exc

    changes = _transitions(tz, year)
    if len(changes) != 2:
        # No DST, or a one-off change of standard time this year: report the year-end offset.
        end_of_year = dt.datetime(year, 12, 31, 12, tzinfo=dt.UTC).astimezone(tz)
        std = _minutes(end_of_year.utcoffset()) - _minutes(end_of_year.dst())
        return ZoneRules(zone, year, std, None, None, 0)

    first, second = changes
    before_first = first - dt.timedelta(minutes=1)
    off_before_first = _minutes(before_first.astimezone(tz).utcoffset())
    off_after_first = _minutes(first.astimezone(tz).utcoffset())
    if off_after_first > off_before_first:  # northern hemisphere: DST starts first in the year
        start_utc, end_utc, std = first, second, off_before_first
    else:  # southern hemisphere: DST ends first in the year
        start_utc, end_utc, std = second, first, off_after_first
    saving = abs(off_after_first - off_before_first)
    start_local = (start_utc - dt.timedelta(minutes=1)).astimezone(tz) + dt.timedelta(minutes=1)
    end_local = (end_utc - dt.timedelta(minutes=1)).astimezone(tz) + dt.timedelta(minutes=1)
    return ZoneRules(
        zone,
        year,
        std,
        _change(start_local.replace(tzinfo=None)),
        _change(end_local.replace(tzinfo=None)),
        saving,
    )
