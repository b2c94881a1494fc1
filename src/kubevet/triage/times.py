"""Times as kubectl, the kubelet and the kernel print them, made absolute.

kubectl prints ages (``12s``, ``5m2s``, ``3h``, ``2d5h``, ``<unknown>``), relative to when
it ran: they become times against the reference time (``--at``). Event series read
``3m (x14 over 10m)``: last seen 3 minutes ago, 14 times, first seen 10 minutes ago.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache

_AGE = re.compile(r"(?:(\d+)y)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\Z")
AGE = r"(?:\d+[ydhms])+|<unknown>|<invalid>"
SERIES = re.compile(rf"(?P<last>{AGE})(?:\s*\(x(?P<count>\d+) over (?P<first>{AGE})\))?\Z")
_UNITS = (365 * 86400, 86400, 3600, 60, 1)


@lru_cache(maxsize=4096)
def age_seconds(text: str) -> int | None:
    """``5m2s`` -> 302; ``<unknown>`` or not an age -> None."""
    text = text.strip()
    if not text or text[0] == "<":
        return None
    m = _AGE.match(text)
    if not m or not any(m.groups()):
        return None
    return sum(int(g) * unit for g, unit in zip(m.groups(), _UNITS) if g)


def is_age(text: str) -> bool:
    return text in ("<unknown>", "<invalid>") or age_seconds(text) is not None


def ago(text: str, at: datetime) -> datetime | None:
    seconds = age_seconds(text)
    return None if seconds is None else at - timedelta(seconds=seconds)


def series(text: str, at: datetime) -> tuple[datetime | None, datetime | None, int] | None:
    """``3m (x14 over 10m)`` -> (first, last, 14); a bare age -> (last, last, 1); else None."""
    parsed = _series(text)
    if parsed is None:
        return None
    first, last, count = parsed
    return (None if first is None else at - timedelta(seconds=first),
            None if last is None else at - timedelta(seconds=last), count)


@lru_cache(maxsize=8192)
def _series(text: str) -> tuple[int | None, int | None, int] | None:
    m = SERIES.match(" ".join(text.split()))
    if not m:
        return None
    last = age_seconds(m.group("last"))
    if m.group("count"):
        return age_seconds(m.group("first")), last, int(m.group("count"))
    return last, last, 1


_RFC1123 = "%a, %d %b %Y %H:%M:%S %z"


def parse_time(text: str, at: datetime | None = None) -> datetime | None:
    """An absolute time in any of the forms the inputs use; None when it is none of them.

    RFC 3339 (``2026-12-03T04:02:11Z``, with fractions), RFC 1123 with a zone as kubectl
    describe prints it (``Thu, 03 Dec 2026 04:01:12 +0000``), syslog (``Dec  3 04:02:11``,
    year from ``at``), ``dmesg -T`` (``Thu Dec  3 04:02:11 2026``). Times without a zone
    are UTC.
    """
    text = text.strip()
    if not text or text in ("<unknown>", "<none>", "null"):
        return None
    iso = text.replace("Z", "+00:00") if text.endswith("Z") else text
    if re.match(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d", iso):
        iso = re.sub(r"(\.\d{6})\d+", r"\1", iso)  # Go prints nanoseconds
        iso = re.sub(r"([+-]\d\d)(\d\d)\Z", r"\1:\2", iso)
        try:
            return _utc(datetime.fromisoformat(iso))
        except ValueError:
            return None
    for fmt in (_RFC1123, "%a %b %d %H:%M:%S %Y"):
        try:
            return _utc(datetime.strptime(" ".join(text.split()), fmt))
        except ValueError:
            pass
    m = re.match(r"([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d)(\.\d+)?\Z", text)
    if m:
        year = (at or datetime.now(timezone.utc)).year
        try:
            t = datetime.strptime(f"{year} {m.group(1)} {m.group(2)} {m.group(3)}", "%Y %b %d %H:%M:%S")
        except ValueError:
            return None
        t = t.replace(tzinfo=timezone.utc)
        if at is not None and t > at + timedelta(days=1):  # a December log read in January
            t = t.replace(year=year - 1)
        return t
    return None


def _utc(t: datetime) -> datetime:
    return t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t.astimezone(timezone.utc)


def parse_at(text: str) -> datetime:
    """The --at option: an absolute time (any form above) or ``now``; ValueError otherwise."""
    if text == "now":
        return datetime.now(timezone.utc)
    t = parse_time(text)
    if t is None:
        raise ValueError(f"--at {text!r} is not a time (use e.g. 2026-12-03T04:10:00Z)")
    return t


def fmt(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") if t else "time unknown"
