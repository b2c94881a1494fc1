"""Change freeze windows with --now: DST, midnight and weekend crossings, dates, holidays, presets."""

import json

import diffkit
import pytest

from kubevet.errors import ConfigError
from kubevet.freeze.settings import parse
from kubevet.freeze.windows import parse_now, status

kubevet = diffkit.kubevet  # fixture

BERLIN = {"timezone": "Europe/Berlin", "windows": [
    {"from": "fri 12:00", "to": "mon 08:00", "reason": "never on a Friday"},
    {"from": "2026-12-20", "to": "2027-01-04", "reason": "year end"}], "holidays": ["DE"]}


def at(config, when, **scope):
    freeze = parse(config)
    return status(freeze, parse_now(when, freeze.tz), **scope)


@pytest.mark.parametrize("when, frozen", [
    ("2026-03-27T11:59:59+01:00", False),  # Friday, a second before noon in Berlin
    ("2026-03-27T12:00:00+01:00", True),
    ("2026-03-27T16:45:00+01:00", True),  # the incident: 4:45 PM on a Friday
    ("2026-03-28T23:59:00+01:00", True),  # Saturday night, across midnight
    ("2026-03-30T05:59:00Z", True),  # Monday 07:59 CEST: the clocks went forward on Sunday
    ("2026-03-30T06:00:00Z", False),  # Monday 08:00 CEST = 06:00 UTC (07:00 UTC before the change)
    ("2026-03-30T06:30:00Z", False),  # a fixed +01:00 offset would still call this frozen
    ("2026-10-23T09:59:00Z", False),  # Friday 11:59 CEST (summer time until Sunday, October 25)
    ("2026-10-23T10:00:00Z", True),  # Friday 12:00 CEST
    ("2026-10-26T06:30:00Z", True),  # Monday 07:30 CET: the clocks went back on Sunday
    ("2026-10-26T07:00:00Z", False),  # Monday 08:00 CET = 07:00 UTC
    ("2026-03-25T10:00:00Z", False),  # a Wednesday
])
def test_weekend_window_across_dst(when, frozen):
    assert at(BERLIN, when).frozen is frozen


def test_window_length_follows_the_wall_clock():
    spring = at(BERLIN, "2026-03-27T13:00:00+01:00")  # Fri 12:00 CET -> Mon 08:00 CEST: 67 h
    (window,) = spring.active
    assert (window.end - window.start).total_seconds() == 67 * 3600
    autumn = at(BERLIN, "2026-10-23T13:00:00+02:00")  # Fri 12:00 CEST -> Mon 08:00 CET: 69 h
    assert (autumn.active[0].end - autumn.active[0].start).total_seconds() == 69 * 3600
    assert spring.to_json()["endsAt"] == "2026-03-30T06:00:00Z"
    assert autumn.to_json()["endsAt"] == "2026-10-26T07:00:00Z"


def test_daily_window_across_midnight_and_time_zone_of_the_window():
    config = {"timezone": "UTC", "windows": [{"from": "22:00", "to": "06:00", "reason": "nights", "timezone": "America/New_York"}]}
    assert at(config, "2026-07-01T02:30:00Z").frozen  # 22:30 EDT
    assert at(config, "2026-07-01T09:59:00Z").frozen  # 05:59 EDT
    assert not at(config, "2026-07-01T10:00:00Z").frozen
    s = at(config, "2026-07-01T12:00:00Z")
    assert s.next.start.isoformat() == "2026-07-02T02:00:00+00:00"


def test_dated_window_includes_its_last_day_and_naive_now_is_local():
    year_end = {"timezone": "Europe/Berlin", "windows": [BERLIN["windows"][1]]}
    assert at(year_end, "2026-12-19T23:59:00").frozen is False  # naive: Berlin time
    assert at(year_end, "2026-12-20T00:00:00").frozen is True
    assert at(year_end, "2026-12-19T23:30:00Z").frozen is True  # 00:30 in Berlin
    s = at(year_end, "2027-01-04T23:00:00")
    assert s.frozen and s.reason_text() == "year end"
    assert s.to_json()["endsAt"] == "2027-01-04T23:00:00Z"  # the end of Jan 4 in Berlin
    assert not at(year_end, "2027-01-05T00:00:00").frozen


def test_holidays_come_from_the_holidays_library_and_merge_with_windows():
    s = at(BERLIN, "2026-04-03T09:00:00+02:00")  # Good Friday morning
    assert s.frozen and "Good Friday" in s.reason_text()
    # Good Friday, the weekend window, Easter Monday: one freeze until Tuesday 00:00
    assert s.to_json()["endsAt"] == "2026-04-06T22:00:00Z"
    assert at(BERLIN, "2026-10-03T10:00:00+02:00").frozen  # German Unity Day, a Saturday anyway
    assert "German Unity Day" in at(BERLIN, "2026-10-03T10:00:00+02:00").reason_text()
    assert not at({"holidays": ["US"]}, "2026-10-03T10:00:00Z").frozen
    assert at({"holidays": ["US"]}, "2026-07-03T10:00:00Z").frozen  # observed Independence Day
    assert at({"holidays": [{"country": "DE", "subdiv": "BY"}]}, "2026-01-06T10:00:00Z").frozen  # Epiphany in Bavaria
    assert not at({"holidays": ["DE-BE"]}, "2026-01-06T10:00:00Z").frozen


def test_preset_never_on_friday_and_weekend():
    config = {"timezone": "Europe/London", "presets": ["never-on-friday"]}
    assert at(config, "2026-06-05T12:30:00+01:00").frozen
    assert not at(config, "2026-06-05T11:30:00+01:00").frozen
    assert at({"windows": [{"preset": "weekend"}]}, "2026-06-06T12:00:00Z").frozen
    assert not at({"windows": [{"preset": "weekend"}]}, "2026-06-05T23:59:00Z").frozen


def test_scoped_windows():
    config = {"windows": [{"from": "mon 00:00", "to": "mon 00:00", "reason": "prod week", "environments": ["production"],
                           "namespaces": ["shop-*"]}]}
    when = "2026-06-03T12:00:00Z"
    assert at(config, when).frozen  # nothing known about the change: the freeze applies
    assert at(config, when, namespaces=["shop-web"], environment="production").frozen
    assert not at(config, when, namespaces=["billing"], environment="production").frozen
    assert not at(config, when, namespaces=["shop-web"], environment="staging").frozen


@pytest.mark.parametrize("bad, message", [
    ({"windows": [{"from": "fri 12:00", "to": "mon 08:00"}]}, "needs a reason"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"windows": [{"from": "fri 25:00", "to": "mon 08:00", "reason": "x"}]}, "no time of day"),
    ({"windows": [{"from": "fri 12:00", "to": "2026-12-01", "reason": "x"}]}, "one form"),
    ({"windows": [{"from": "2026-12-20", "to": "2026-12-01", "reason": "x"}]}, "not after"),
    ({"holidays": ["XX"]}, "no country"),
    ({"presets": ["never-on-monday"]}, "unknown preset"),
    ({"window": []}, "unknown key"),
])
def test_bad_freeze_settings(bad, message):
    with pytest.raises(ConfigError, match=message):
        parse(bad)


def test_freeze_status_command(kubevet, tmp_path, monkeypatch):
    (tmp_path / ".kubevet.yaml").write_text("""\
freeze:
  timezone: Europe/Berlin
  windows:
    - {from: "fri 12:00", to: "mon 08:00", reason: "never on a Friday"}
    - {from: 2026-12-20, to: 2027-01-04, reason: "year end"}
    - {from: 18:00, to: 19:00, reason: "unquoted times read as YAML 1.1 numbers still work"}
  holidays: [DE]
""")
    monkeypatch.chdir(tmp_path)
    code, out, _ = kubevet("freeze", "status", "--now", "2026-03-27T16:45:00+01:00")
    assert code == 1
    assert "FROZEN: never on a Friday" in out and "ends: Mon 2026-03-30 08:00 CEST (in 2d 14h 15m)" in out
    code, out, _ = kubevet("freeze", "status", "--now", "2026-03-25T10:00:00+01:00", "--format", "json")
    assert code == 0
    state = json.loads(out)
    assert state["frozen"] is False and state["next"]["from"] == "2026-03-25T17:00:00Z"
    code, _, err = kubevet("freeze", "status", "--now", "next friday")
    assert code == 2 and "no ISO 8601 time" in err
    (tmp_path / ".kubevet.yaml").write_text("freeze: {windows: [{from: 'fri 12:00', to: 'mon 08:00'}]}\n")
    code, _, err = kubevet("freeze", "status")
    assert code == 2 and "needs a reason" in err


@pytest.mark.parametrize("when, frozen", [
    # the clock jumps from 02:00 CET to 03:00 CEST (01:00 UTC): 02:30 never shows on the wall
    ("2026-03-29T00:59:59Z", False),  # 01:59:59 CET
    ("2026-03-29T01:00:00Z", True),  # 03:00 CEST: the wall clock is past 02:30 and before 04:00
    ("2026-03-29T01:20:00Z", True),  # 03:20 CEST (taken as 02:30+01:00 = 03:30 CEST, this was missed)
    ("2026-03-29T01:59:59Z", True),
    ("2026-03-29T02:00:00Z", False),  # 04:00 CEST
    # the clock falls back from 03:00 CEST to 02:00 CET (01:00 UTC): 02:30 shows twice
    ("2026-10-25T00:29:59Z", False),  # 02:29:59 CEST
    ("2026-10-25T00:30:00Z", True),  # the first 02:30 (CEST)
    ("2026-10-25T01:45:00Z", True),  # 02:45 CET, the second time round
    ("2026-10-25T03:00:00Z", False),  # 04:00 CET
])
def test_a_window_bound_the_dst_change_skips_or_repeats(when, frozen):
    config = {"timezone": "Europe/Berlin", "windows": [{"from": "sun 02:30", "to": "sun 04:00", "reason": "maintenance"}]}
    assert at(config, when).frozen is frozen


def test_an_end_that_shows_twice_ends_at_its_second_showing_and_one_that_never_shows_at_the_jump():
    repeated = {"timezone": "Europe/Berlin", "windows": [{"from": "sat 22:00", "to": "sun 02:30", "reason": "batch"}]}
    s = at(repeated, "2026-10-24T23:00:00Z")  # Sun 01:00 CEST
    assert s.to_json()["endsAt"] == "2026-10-25T01:30:00Z"  # 02:30 CET, not 02:30 CEST (00:30 UTC)
    assert at(repeated, "2026-10-25T01:10:00Z").frozen  # 02:10 CET: the wall clock is inside again
    skipped = {"timezone": "Europe/Berlin", "windows": [{"from": "sat 22:00", "to": "sun 02:30", "reason": "batch"}]}
    s = at(skipped, "2026-03-28T23:00:00Z")  # Sun 00:00 CET
    assert s.to_json()["endsAt"] == "2026-03-29T01:00:00Z"  # the jump to 03:00 CEST, not 03:30 CEST
    # the next occurrence of a window that starts in the gap is announced from the jump
    nightly = {"timezone": "Europe/Berlin", "windows": [{"from": "sun 02:30", "to": "sun 04:00", "reason": "m"}]}
    assert at(nightly, "2026-03-28T12:00:00Z").to_json()["next"]["from"] == "2026-03-29T01:00:00Z"


def test_a_holiday_where_midnight_itself_is_skipped():
    # Chile moves its clocks at 24:00 (America/Santiago): on 2026-09-06 the day begins at 01:00
    config = {"timezone": "America/Santiago", "windows": [{"from": "2026-09-06", "to": "2026-09-06", "reason": "d"}]}
    s = at(config, "2026-09-06T12:00:00-03:00")
    assert s.frozen and s.active[0].start.isoformat() == "2026-09-06T04:00:00+00:00"  # 00:00 -04 = the jump
    assert s.to_json()["endsAt"] == "2026-09-07T03:00:00Z"  # 00:00 -03 on the next day
