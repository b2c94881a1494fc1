"""Is a moment frozen? Which windows say so, when does it end, when does the next begin?

Every window becomes concrete intervals of real time: a weekly or daily window once per
week or day, a dated window once, a public holiday as its whole local day. Local wall-clock
times are turned into instants in the window's IANA time zone one occurrence at a time, so
"Monday 08:00 Europe/Berlin" is 07:00 UTC in winter and 06:00 UTC in summer, and a window
across the night of a daylight-saving change is an hour shorter or longer, as the clock on
the wall says. A wall-clock time that does not exist (02:30 on the last Sunday of March in
Berlin) is the moment the clock jumps past it (03:00 CEST); one that exists twice (02:30 on
the last Sunday of October) is its first occurrence as a start and its second as an end:
a window covers every moment the clock shows a time inside it (see ``_wall``).

Intervals that overlap or touch are one freeze: a weekend freeze followed by a Monday
holiday ends on Tuesday. The search looks ``HORIZON`` days ahead.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from kubevet.freeze.settings import Dated, Freeze, Holidays, Recurring, Window

UTC = dt.timezone.utc
HORIZON = 400  # days searched for the end of a freeze and the next window


@dataclass(frozen=True)
class Interval:
    start: dt.datetime  # aware, UTC
    end: dt.datetime
    reason: str
    source: str  # "fri 12:00 -> mon 08:00 (Europe/Berlin)", "holiday DE", ...


@dataclass
class Status:
    """The answer for one moment (and one scope)."""

    now: dt.datetime  # aware
    tz: Any  # the freeze's time zone, for display
    frozen: bool
    active: list[Interval] = field(default_factory=list)
    ends: dt.datetime | None = None  # when the current freeze (merged) ends; None: not within HORIZON
    next: Interval | None = None  # the next window to begin, when not frozen
    configured: bool = True

    def local(self, moment: dt.datetime) -> str:
        return moment.astimezone(self.tz).strftime("%a %Y-%m-%d %H:%M %Z")

    def reason_text(self) -> str:
        return "; ".join(dict.fromkeys(i.reason for i in self.active)) if self.active else ""

    def describe(self) -> list[str]:
        if not self.configured:
            return ["no freeze is configured (freeze: in .kubevet.yaml)"]
        lines = [f"now: {self.local(self.now)}"]
        if self.frozen:
            lines.append(f"FROZEN: {self.reason_text()}")
            for i in self.active:
                lines.append(f"  {i.source}: {self.local(i.start)} to {self.local(i.end)}")
            lines.append(f"ends: {self.local(self.ends)} (in {_span(self.ends - self.now)})" if self.ends
                         else f"ends: not within {HORIZON} days")
        else:
            lines.append("not frozen")
            if self.next is not None:
                lines.append(f"next: {self.next.reason} from {self.local(self.next.start)} to {self.local(self.next.end)} "
                             f"(in {_span(self.next.start - self.now)})")
        return lines

    def to_json(self) -> dict[str, Any]:
        def iso(m: dt.datetime | None) -> str | None:
            return m.astimezone(UTC).isoformat().replace("+00:00", "Z") if m else None

        return {
            "configured": self.configured,
            "now": iso(self.now),
            "timezone": str(self.tz),
            "frozen": self.frozen,
            "active": [{"reason": i.reason, "window": i.source, "from": iso(i.start), "to": iso(i.end)} for i in self.active],
            "endsAt": iso(self.ends) if self.frozen else None,
            "next": None if self.next is None else
            {"reason": self.next.reason, "window": self.next.source, "from": iso(self.next.start), "to": iso(self.next.end)},
        }


def _span(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}d"] if days else []
    if hours or days:
        parts.append(f"{hours}h")
    parts.append(f"{mins}m")
    return " ".join(parts)


def parse_now(text: str | None, tz) -> dt.datetime:
    """``--now``: an ISO 8601 time; without an offset it is in the freeze's time zone."""
    if text is None:
        return dt.datetime.now(UTC)
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise ValueError(f"--now: {text!r} is no ISO 8601 time (e.g. 2026-03-27T16:45:00+01:00)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment


def _instant(day: dt.date, time: dt.time, tz, end: bool = False) -> dt.datetime:
    return _wall(dt.datetime.combine(day, time), tz, end)


def _wall(local: dt.datetime, tz, end: bool = False) -> dt.datetime:
    """The instant (UTC) a window's wall-clock bound stands for, so that the window covers
    every moment the clock on the wall shows a time inside it (a freeze fails safe).

    A time that does not exist (02:30 on the last Sunday of March in Berlin: the clock jumps
    from 02:00 to 03:00) is the moment the clock jumps past it (03:00 CEST), as a start and
    as an end. A time that exists twice (02:30 on the last Sunday of October) is its first
    occurrence as a start and its second as an end.
    """
    local = local.replace(tzinfo=None)
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return first
    early, late = min(first, second), max(first, second)
    if early.astimezone(tz).replace(tzinfo=None) == local:  # it exists twice
        return late if end else early
    # it does not exist: between the two readings lies the jump; find it to the second
    lo, hi = int(early.timestamp()), int(late.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if dt.datetime.fromtimestamp(mid, UTC).astimezone(tz).replace(tzinfo=None) >= local:
            hi = mid
        else:
            lo = mid
    return dt.datetime.fromtimestamp(hi, UTC)


def _in_scope(patterns: tuple[str, ...], values: Iterable[str] | None) -> bool:
    if not patterns or values is None:
        return True  # unscoped, or nothing known about the change: the freeze applies (fail safe)
    values = list(values)
    if not values:
        return True
    return any(fnmatch.fnmatchcase(v, p) for v in values for p in patterns)


def intervals(freeze: Freeze, start: dt.datetime, stop: dt.datetime, namespaces=None, environment=None) -> list[Interval]:
    """Every interval of the freeze that overlaps [start, stop), in the scope given."""
    out: list[Interval] = []
    envs = None if environment is None else [environment]
    for w in freeze.windows:
        if _in_scope(w.namespaces, namespaces) and _in_scope(w.environments, envs):
            out.extend(i for i in _window_intervals(w, start, stop) if i.end > start and i.start < stop)
    for h in freeze.holidays:
        if _in_scope(h.namespaces, namespaces) and _in_scope(h.environments, envs):
            out.extend(i for i in _holiday_intervals(h, start, stop) if i.end > start and i.start < stop)
    out.sort(key=lambda i: (i.start, i.end))
    return out


def _window_intervals(w: Window, start: dt.datetime, stop: dt.datetime) -> Iterator[Interval]:
    where = f"{w.text} ({w.tz})"
    when = w.when
    if isinstance(when, Dated):
        yield Interval(_wall(when.start, w.tz), _wall(when.end, w.tz, end=True), w.reason, where)
        return
    assert isinstance(when, Recurring)
    first = start.astimezone(w.tz).date() - dt.timedelta(days=8)
    last = stop.astimezone(w.tz).date() + dt.timedelta(days=1)
    day = first
    while day <= last:
        if when.from_day is None or day.weekday() == when.from_day:
            if when.from_day is None:
                span = 0 if when.to_time > when.from_time else 1
            else:
                span = (when.to_day - when.from_day) % 7
                if span == 0 and when.to_time <= when.from_time:
                    span = 7
            yield Interval(_instant(day, when.from_time, w.tz),
                           _instant(day + dt.timedelta(days=span), when.to_time, w.tz, end=True), w.reason, where)
        day += dt.timedelta(days=1)


def _holiday_intervals(h: Holidays, start: dt.datetime, stop: dt.datetime) -> Iterator[Interval]:
    import holidays as lib

    years = list(range(start.astimezone(h.tz).year, stop.astimezone(h.tz).year + 1))
    calendar = lib.country_holidays(h.country, subdiv=h.subdiv, years=years)
    label = f"{h.country}-{h.subdiv}" if h.subdiv else h.country
    for day, name in sorted(calendar.items()):
        yield Interval(_instant(day, dt.time(0), h.tz), _instant(day + dt.timedelta(days=1), dt.time(0), h.tz, end=True),
                       f"public holiday in {label}: {name}", f"holiday {label} ({h.tz})")


def status(freeze: Freeze | None, now: dt.datetime, namespaces=None, environment=None) -> Status:
    """Whether ``now`` is frozen for a change in ``namespaces`` (None: any) and ``environment``."""
    if freeze is None or freeze.empty:
        tz = freeze.tz if freeze else UTC
        return Status(now, tz, False, configured=False)
    now_utc = now.astimezone(UTC)
    horizon = now_utc + dt.timedelta(days=HORIZON)
    found = intervals(freeze, now_utc - dt.timedelta(days=1), horizon, namespaces, environment)
    active = [i for i in found if i.start <= now_utc < i.end]
    result = Status(now, freeze.tz, bool(active), active)
    if active:
        end = max(i.end for i in active)
        for i in found:  # sorted by start: extend through what overlaps or touches
            if i.start <= end and i.end > end:
                end = i.end
        result.ends = end if end < horizon else None
    else:
        upcoming = [i for i in found if i.start > now_utc]
        result.next = upcoming[0] if upcoming else None
    return result
