"""The ``freeze:`` section of ``.kubevet.yaml``::

    freeze:
      timezone: Europe/Berlin            # IANA name; the default for every window (default UTC)
      presets: [never-on-friday]         # ready-made windows (PRESETS)
      holidays: [DE, DE-BY, {country: US, subdiv: CA}]   # public holidays, whole local days
      namespaces: [shop-*]               # the freeze applies to changes in these only (globs)
      environments: [production]         # ... and to these --environment names only
      windows:
        - {from: "fri 12:00", to: "mon 08:00", reason: "never on a Friday"}   # weekly
        - {from: "18:00", to: "08:00", reason: "nights"}                       # daily
        - {from: "2026-12-20", to: "2027-01-04", reason: "year end"}           # dated
        - {preset: never-on-friday}

A weekly or daily window may cross midnight or the weekend (``to`` before ``from`` wraps
round). A dated ``to`` without a time includes that whole day; with a time
(``2026-12-20T18:00``) it ends then. Every window but a preset needs a ``reason``; each may
have its own ``timezone``, ``namespaces`` and ``environments``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kubevet.errors import ConfigError

WEEKDAYS = {name: i for i, names in enumerate(
    [("mon", "monday"), ("tue", "tuesday"), ("wed", "wednesday"), ("thu", "thursday"), ("fri", "friday"),
     ("sat", "saturday"), ("sun", "sunday")]) for name in names}

PRESETS: dict[str, dict[str, str]] = {
    "never-on-friday": {"from": "fri 12:00", "to": "mon 08:00",
                        "reason": "never on a Friday (preset never-on-friday: Friday 12:00 to Monday 08:00)"},
    "weekend": {"from": "sat 00:00", "to": "mon 00:00", "reason": "weekend (preset weekend)"},
}

WINDOW_KEYS = {"from", "to", "reason", "timezone", "namespaces", "environments", "preset"}
KEYS = {"timezone", "windows", "holidays", "presets", "namespaces", "environments"}

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Recurring:
    """Weekly (``weekday`` set) or daily (``weekday`` None) from a time to a time."""

    from_day: int | None
    from_time: dt.time
    to_day: int | None
    to_time: dt.time


@dataclass(frozen=True)
class Dated:
    start: dt.datetime  # naive, local wall clock
    end: dt.datetime


@dataclass(frozen=True)
class Window:
    when: Recurring | Dated
    reason: str
    tz: ZoneInfo
    namespaces: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()
    text: str = ""  # as written: "fri 12:00 -> mon 08:00"


@dataclass(frozen=True)
class Holidays:
    country: str
    subdiv: str | None
    tz: ZoneInfo
    namespaces: tuple[str, ...] = ()
    environments: tuple[str, ...] = ()


@dataclass
class Freeze:
    tz: ZoneInfo
    windows: list[Window] = field(default_factory=list)
    holidays: list[Holidays] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.windows and not self.holidays


def parse(raw: Any, where: str = "freeze") -> Freeze:
    """Check the ``freeze`` section and build it; ConfigError naming the bad key otherwise."""
    if raw is None:
        return Freeze(ZoneInfo("UTC"))
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: freeze is a map (timezone, windows, holidays, presets, namespaces, environments)")
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ConfigError(f"{where}: freeze: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (known: {', '.join(sorted(KEYS))})")
    tz = _zone(raw.get("timezone", "UTC"), f"{where}: freeze.timezone")
    scope = (_strings(raw, "namespaces", f"{where}: freeze"), _strings(raw, "environments", f"{where}: freeze"))
    out = Freeze(tz)
    for name in _strings(raw, "presets", f"{where}: freeze"):
        out.windows.append(_window({"preset": name}, tz, scope, f"{where}: freeze.presets"))
    windows = raw.get("windows") or []
    if not isinstance(windows, list):
        raise ConfigError(f"{where}: freeze.windows is a list of windows")
    for i, w in enumerate(windows):
        out.windows.append(_window(w, tz, scope, f"{where}: freeze.windows[{i}]"))
    holidays = raw.get("holidays") or []
    if not isinstance(holidays, list):
        raise ConfigError(f"{where}: freeze.holidays is a list of countries (DE, DE-BY, {{country: US, subdiv: CA}})")
    for i, h in enumerate(holidays):
        out.holidays.append(_holidays(h, tz, scope, f"{where}: freeze.holidays[{i}]"))
    return out


def _zone(name: Any, where: str) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where} must be an IANA time zone name such as Europe/Berlin")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: unknown time zone {name!r} (an IANA name such as Europe/Berlin)") from None


def _strings(raw: dict, key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key} must be a list of strings")
    return tuple(value)


def _window(w: Any, tz: ZoneInfo, scope: tuple, where: str) -> Window:
    if not isinstance(w, dict):
        raise ConfigError(f"{where} must be a map with from, to and reason")
    unknown = sorted(set(w) - WINDOW_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (known: {', '.join(sorted(WINDOW_KEYS))})")
    if "preset" in w:
        name = w["preset"]
        if name not in PRESETS:
            raise ConfigError(f"{where}: unknown preset {name!r} (known: {', '.join(sorted(PRESETS))})")
        if "from" in w or "to" in w:
            raise ConfigError(f"{where}: a preset has its own from and to")
        w = {**PRESETS[name], **{k: v for k, v in w.items() if k != "preset"}}
    reason = w.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{where}: every freeze window needs a reason")
    if "from" not in w or "to" not in w:
        raise ConfigError(f"{where}: a window needs from and to")
    zone = _zone(w["timezone"], f"{where}.timezone") if "timezone" in w else tz
    start, end = _moment(w["from"], f"{where}.from"), _moment(w["to"], f"{where}.to", end=True)
    if type(start) is not type(end) or (isinstance(start, tuple) and (start[0] is None) != (end[0] is None)):
        raise ConfigError(f"{where}: from and to must be of one form: both 'fri 12:00', both '18:00', or both dates")
    if isinstance(start, dt.datetime):
        if end <= start:
            raise ConfigError(f"{where}: to ({w['to']}) is not after from ({w['from']})")
        when: Recurring | Dated = Dated(start, end)
    else:
        when = Recurring(start[0], start[1], end[0], end[1])
    ns = _strings(w, "namespaces", where) or scope[0]
    envs = _strings(w, "environments", where) or scope[1]
    return Window(when, reason.strip(), zone, ns, envs, f"{w['from']} -> {w['to']}")


def _moment(value: Any, where: str, end: bool = False):
    """'fri 12:00' -> (4, 12:00); '18:00' -> (None, 18:00); a date or date-time -> datetime."""
    if isinstance(value, dt.datetime):  # YAML may have typed it already
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        day = dt.datetime(value.year, value.month, value.day)
        return day + dt.timedelta(days=1) if end else day
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return None, dt.time(value // 60, value % 60)  # YAML 1.1 reads an unquoted 18:00 as 1080
    if not isinstance(value, str):
        raise ConfigError(f"{where}: expected 'fri 12:00', '18:00' or a date (2026-12-20), got {value!r}")
    text = value.strip()
    parts = text.split()
    if len(parts) == 2 and parts[0].lower() in WEEKDAYS:
        return WEEKDAYS[parts[0].lower()], _clock(parts[1], where)
    if len(parts) == 1 and _TIME.match(text):
        return None, _clock(text, where)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            day = dt.datetime.fromisoformat(text)
            return day + dt.timedelta(days=1) if end else day
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{where}: cannot read {value!r} (expected 'fri 12:00', '18:00', 2026-12-20 or 2026-12-20T18:00)") from None
    if moment.tzinfo is not None:
        raise ConfigError(f"{where}: {value!r}: give the time in the window's timezone, without an offset")
    return moment


def _clock(text: str, where: str) -> dt.time:
    m = _TIME.match(text)
    if not m or int(m.group(1)) > 24 or int(m.group(2)) > 59 or (int(m.group(1)) == 24 and m.group(2) != "00"):
        raise ConfigError(f"{where}: {text!r} is no time of day (HH:MM)")
    if int(m.group(1)) == 24:
        return dt.time(23, 59, 59, 999999)
    return dt.time(int(m.group(1)), int(m.group(2)))


def _holidays(h: Any, tz: ZoneInfo, scope: tuple, where: str) -> Holidays:
    import holidays as lib

    if isinstance(h, str):
        country, _, subdiv = h.partition("-")
        entry: dict = {"country": country, "subdiv": subdiv or None}
    elif isinstance(h, dict):
        unknown = sorted(set(h) - {"country", "subdiv", "timezone", "namespaces", "environments"})
        if unknown:
            raise ConfigError(f"{where}: unknown key{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
        entry = dict(h)
    else:
        raise ConfigError(f"{where}: a country code (DE, DE-BY) or {{country: DE, subdiv: BY}}")
    country, subdiv = str(entry.get("country", "")).upper(), entry.get("subdiv")
    try:
        lib.country_holidays(country, subdiv=subdiv, years=2026)
    except NotImplementedError:
        raise ConfigError(f"{where}: the holidays library knows no country {country!r} (ISO 3166 codes such as DE, US, FR)") from None
    except Exception as exc:  # noqa: BLE001 - an unknown subdivision, say
        raise ConfigError(f"{where}: {exc}") from None
    zone = _zone(entry["timezone"], f"{where}.timezone") if "timezone" in entry else tz
    return Holidays(country, subdiv, zone, _strings(entry, "namespaces", where) or scope[0],
                    _strings(entry, "environments", where) or scope[1])


def schema() -> dict[str, Any]:
    """The JSON Schema of the section (docs/config.schema.json includes it)."""
    strings = {"type": "array", "items": {"type": "string"}}
    moment = {"type": "string", "description": "'fri 12:00' (weekly), '18:00' (daily), 2026-12-20 or 2026-12-20T18:00 (dated)"}
    window = {
        "type": "object", "additionalProperties": False,
        "properties": {"from": moment, "to": moment, "reason": {"type": "string", "minLength": 1},
                       "timezone": {"type": "string"}, "namespaces": strings, "environments": strings,
                       "preset": {"enum": sorted(PRESETS)}},
    }
    country = {"oneOf": [{"type": "string", "description": "ISO 3166 code, with a subdivision: DE, DE-BY"},
                         {"type": "object", "additionalProperties": False, "required": ["country"],
                          "properties": {"country": {"type": "string"}, "subdiv": {"type": "string"},
                                         "timezone": {"type": "string"}, "namespaces": strings, "environments": strings}}]}
    return {
        "type": "object", "additionalProperties": False,
        "properties": {"timezone": {"type": "string", "description": "IANA time zone of the windows (default UTC)."},
                       "windows": {"type": "array", "items": window},
                       "holidays": {"type": "array", "items": country, "description": "Public holidays (the holidays library)."},
                       "presets": {"type": "array", "items": {"enum": sorted(PRESETS)}},
                       "namespaces": strings, "environments": strings},
    }
