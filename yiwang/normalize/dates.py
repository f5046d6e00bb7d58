"""Messy dates and local times (日期时间).

`parse_date` / `parse_datetime` read dates and datetime objects, YYYYMMDD, epoch seconds and
milliseconds, Excel serials (1900 and 1904 systems), Y-M-D with any separator or 年月日 (also in
Chinese numerals) and D/M/Y; times without a zone are the city's (Asia/Shanghai) and `utc` is
derived with zoneinfo. They never raise. Reason codes: `empty`, `unrecognised_format`,
`bad_date`, `nonexistent_date`, `out_of_range`, `ambiguous`. The accepted forms in order:
docs/normalize.md ("Dates and times", "Design notes").
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import pyarrow as pa

from yiwang.normalize._vector import ArrayLike, map_unique
from yiwang.normalize.numerals import replace_numerals_before
from yiwang.normalize.text import as_text, is_missing, normalize_text

LOCAL_ZONE = "Asia/Shanghai"
UTC = datetime.UTC
MIN_YEAR, MAX_YEAR = 1880, 2200

REASONS = {
    "empty": "no value",
    "unrecognised_format": "no known date layout",
    "bad_date": "not a calendar date",
    "nonexistent_date": "Excel serial 60, the 1900-02-29 that never was",
    "out_of_range": "year outside the accepted range",
    "ambiguous": "day and month (or year and serial) cannot be told apart",
}

_YMD = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:\s*[T\s]\s*(?P<time>.+))?$"
)
_DMY = re.compile(r"^(?P<a>\d{1,2})\s*[-/.]\s*(?P<b>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})(?:\s+(?P<time>.+))?$")
_TIME = re.compile(
    r"^(?P<h>\d{1,2})\s*[:时點点]\s*(?P<mi>\d{1,2})(?:\s*[:分]\s*(?P<s>\d{1,2})(?:\.(?P<f>\d{1,6})\d*)?"
    r"\s*秒?)?\s*分?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")


@dataclass(frozen=True, slots=True)
class DateTimeResult:
    date: datetime.date | None
    local: datetime.datetime | None  # naive local wall-clock time (None for date-only input)
    utc: datetime.datetime | None  # naive UTC (timestamp columns are UTC by convention)
    is_valid: bool
    reason: str | None
    source_format: str | None


def _fail(reason: str, fmt: str | None = None) -> DateTimeResult:
    return DateTimeResult(None, None, None, False, reason, fmt)


def excel_serial_to_datetime(serial: float, date_system: int = 1900) -> datetime.datetime | None:
    """Excel serial → naive datetime; None for 0, negatives and the phantom 1900-02-29."""
    if (serial < 1 and date_system == 1900) or serial < 0:
        return None
    days = int(serial)
    fraction = serial - days
    if date_system == 1904:
        base = datetime.datetime(1904, 1, 1)
    elif days < 60:
        base = datetime.datetime(1899, 12, 31)
    elif days == 60:
        return None
    else:
        base = datetime.datetime(1899, 12, 30)
    moment = base + datetime.timedelta(days=days, microseconds=round(fraction * 86_400_000_000))
    return moment.replace(microsecond=round(moment.microsecond, -3) % 1_000_000)


def local_to_utc(moment: datetime.datetime, zone: str = LOCAL_ZONE) -> datetime.datetime:
    """A naive local wall-clock time (or an aware one) → naive UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    return moment.astimezone(UTC).replace(tzinfo=None)


def _finish(
    moment: datetime.datetime | datetime.date,
    fmt: str,
    zone: str,
    has_time: bool,
    min_year: int,
    max_year: int,
) -> DateTimeResult:
    if not min_year <= moment.year <= max_year:
        return _fail("out_of_range", fmt)
    if isinstance(moment, datetime.datetime):
        if moment.tzinfo is not None:
            utc = moment.astimezone(UTC).replace(tzinfo=None)
            local = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
            return DateTimeResult(local.date(), local, utc, True, None, fmt)
        if has_time:
            return DateTimeResult(moment.date(), moment, local_to_utc(moment, zone), True, None, fmt)
        return DateTimeResult(moment.date(), None, None, True, None, fmt)
    return DateTimeResult(moment, None, None, True, None, fmt)


def _parse_time(text: str) -> tuple[datetime.time, datetime.tzinfo | None] | None:
    match = _TIME.match(text.strip())
    if not match:
        return None
    micro = int((match.group("f") or "0").ljust(6, "0"))
    try:
        clock = datetime.time(int(match.group("h")), int(match.group("mi")), int(match.group("s") or 0), micro)
    except ValueError:
        return None
    zone = match.group("tz")
    if not zone:
        return clock, None
    if zone.upper() == "Z":
        return clock, UTC
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return clock, datetime.timezone(sign * offset)


def parse_datetime(
    value: Any,
    *,
    zone: str = LOCAL_ZONE,
    date_system: int = 1900,
    day_first: bool | None = None,
    min_year: int = MIN_YEAR,
    max_year: int = MAX_YEAR,
) -> DateTimeResult:
    """Parse one date or date-time cell. Never raises.

    >>> parse_datetime("2023年5月1日 08:30").utc
    datetime.datetime(2023, 5, 1, 0, 30)
    >>> parse_datetime(45047).date
    datetime.date(2023, 5, 1)
    """
    limits = {"min_year": min_year, "max_year": max_year}
    if is_missing(value):
        return _fail("empty")
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime.datetime):
        has_time = value.time() != datetime.time(0) or value.tzinfo is not None
        return _finish(value, "native", zone, has_time, **limits)
    if isinstance(value, datetime.date):
        return _finish(value, "native", zone, False, **limits)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = as_text(value) or ""
    else:
        text = normalize_text(value) or ""
    if not text:
        return _fail("empty")
    text = replace_numerals_before(text, "年|月|日|号")
    if _NUMBER.match(text):
        return _parse_number(text, zone, date_system, limits)
    match = _YMD.match(text)
    if match:
        year, month, day = int(match["y"]), int(match["m"]), int(match["d"])
        fmt = "ymd"
    else:
        match = _DMY.match(text)
        if not match:
            return _fail("unrecognised_format")
        a, b, year = int(match["a"]), int(match["b"]), int(match["y"])
        if day_first is None:
            if a > 12 >= b:
                day_first = True
            elif b > 12 >= a:
                day_first = False
            elif a != b:
                return _fail("ambiguous", "dmy_or_mdy")
            else:
                day_first = True
        day, month = (a, b) if day_first else (b, a)
        fmt = "dmy" if day_first else "mdy"
    try:
        moment = datetime.datetime(year, month, day)
    except ValueError:
        return _fail("bad_date", fmt)
    if match["time"]:
        parsed = _parse_time(match["time"])
        if parsed is None:
            return _fail("unrecognised_format", fmt)
        clock, tz = parsed
        moment = datetime.datetime.combine(moment.date(), clock, tzinfo=tz)
        return _finish(moment, fmt, zone, True, **limits)
    return _finish(moment, fmt, zone, False, **limits)


def _parse_number(text: str, zone: str, date_system: int, limits: dict[str, int]) -> DateTimeResult:
    whole = text.split(".")[0]
    if len(whole) == 8 and "." not in text:
        try:
            moment = datetime.datetime.strptime(text, "%Y%m%d")
        except ValueError:
            return _fail("bad_date", "yyyymmdd")
        return _finish(moment, "yyyymmdd", zone, False, **limits)
    if len(whole) == 14 and "." not in text:
        try:
            moment = datetime.datetime.strptime(text, "%Y%m%d%H%M%S")
        except ValueError:
            return _fail("bad_date", "yyyymmddhhmmss")
        return _finish(moment, "yyyymmddhhmmss", zone, True, **limits)
    if len(whole) in (10, 13):
        seconds = float(text) / (1000 if len(whole) == 13 else 1)
        fmt = "epoch_millis" if len(whole) == 13 else "epoch_seconds"
        moment = datetime.datetime.fromtimestamp(seconds, UTC)
        return _finish(moment, fmt, zone, True, **limits)
    if len(whole) <= 6:
        serial = float(text)
        if len(whole) == 4 and "." not in text and 1900 <= serial <= 2100:
            return _fail("ambiguous", "year_or_excel_serial")
        moment = excel_serial_to_datetime(serial, date_system)
        if moment is None:
            reason = "nonexistent_date" if int(serial) == 60 else "bad_date"
            return _fail(reason, "excel_serial")
        return _finish(moment, "excel_serial", zone, "." in text, **limits)
    return _fail("unrecognised_format")


def parse_date(value: Any, **options: Any) -> datetime.date | None:
    """The local calendar date of a cell, or None. Options as for `parse_datetime`."""
    return parse_datetime(value, **options).date


def day_month_swap_candidates(value: datetime.date) -> list[datetime.date]:
    """The date with day and month swapped, when that is a different real date.

    >>> day_month_swap_candidates(datetime.date(1990, 3, 5))
    [datetime.date(1990, 5, 3)]
    """
    if value.day == value.month or value.day > 12:
        return []
    try:
        return [value.replace(month=value.day, day=value.month)]
    except ValueError:
        return []


def parse_datetimes(values: ArrayLike, **options: Any) -> pa.Table:
    """Vectorised `parse_datetime` (each distinct value parsed once)."""
    return map_unique(values, lambda v: parse_datetime(v, **options), DateTimeResult)


def local_to_utc_series(values: pd.Series, zone: str = LOCAL_ZONE) -> pd.Series:
    """Naive local timestamps → naive UTC, vectorised; DST gaps and overlaps become NaT."""
    moments = pd.to_datetime(values, errors="coerce")
    localized = moments.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT")
    return localized.dt.tz_convert("UTC").dt.tz_localize(None)
