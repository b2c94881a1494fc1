"""Quantities and int-or-percent values, resolved as Kubernetes resolves them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kubevet.k8s.quantity import parse_quantity, percentage, scaled_value


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1", Decimal(1)),
        ("0", Decimal(0)),
        ("+2", Decimal(2)),
        ("-2", Decimal(-2)),
        ("0.5", Decimal("0.5")),
        ("500m", Decimal("0.5")),
        ("250u", Decimal("0.00025")),
        ("100n", Decimal("0.0000001")),
        ("1k", Decimal(1000)),
        ("1M", Decimal(10**6)),  # mega, not milli
        ("2G", Decimal(2 * 10**9)),
        ("1E", Decimal(10**18)),  # exa, not an exponent
        ("1Ki", Decimal(1024)),
        ("1.5Gi", Decimal(3 * 2**29)),
        ("128Mi", Decimal(128 * 2**20)),
        ("1Ei", Decimal(2**60)),
        ("1e3", Decimal(1000)),
        ("1E3", Decimal(1000)),
        ("12e-3", Decimal("0.012")),
    ],
)
def test_parse_quantity(text, amount):
    assert parse_quantity(text) == amount


def test_parse_quantity_of_yaml_numbers():
    assert parse_quantity(2) == Decimal(2)
    assert parse_quantity(0.5) == Decimal("0.5")


@pytest.mark.parametrize(
    "value",
    ["", "Gi", "1ki", "1KI", "1Gb", "1mi", "1e", "1.5.5", "1 Gi", "one", True, None, float("inf"), [1]],
)
def test_not_a_quantity(value):
    assert parse_quantity(value) is None


@pytest.mark.parametrize(
    ("value", "number"),
    [("25%", 25), ("0%", 0), ("100%", 100), ("150%", 150), ("+5%", 5), ("-5%", -5)],
)
def test_percentage(value, number):
    assert percentage(value) == number


@pytest.mark.parametrize("value", ["25", "5.5%", " 5%", "5 %", "1_0%", "%", "0x10%", 25, None])
def test_not_a_percentage(value):
    assert percentage(value) is None


@pytest.mark.parametrize(
    ("value", "total", "up", "down"),
    [
        ("25%", 10, 3, 2),  # 2.5
        ("50%", 7, 4, 3),  # 3.5: the rounding example of the PDB docs (4 pods must stay)
        ("67%", 3, 3, 2),  # 2.01: a minAvailable that blocks every eviction of 3 pods
        ("66%", 3, 2, 1),  # 1.98
        ("90%", 5, 5, 4),  # 4.5
        ("90%", 10, 9, 9),  # exact: no rounding either way
        ("1%", 1, 1, 0),  # any positive percentage of a pod rounds up to one
        ("0%", 100, 0, 0),
        ("100%", 3, 3, 3),
        ("150%", 10, 15, 15),
        ("50%", 0, 0, 0),
    ],
)
def test_scaled_value_rounds_like_intstr(value, total, up, down):
    assert scaled_value(value, total, round_up=True) == up
    assert scaled_value(value, total, round_up=False) == down


def test_scaled_value_of_an_integer_is_the_integer():
    assert scaled_value(3, 10, round_up=True) == 3
    assert scaled_value(0, 10, round_up=False) == 0


@pytest.mark.parametrize("value", [True, False, "3", "3.5%", None, 2.5])
def test_scaled_value_of_something_else(value):
    assert scaled_value(value, 10, round_up=True) is None
