"""Resource quantities ("500m", "1.5Gi", "1e3") and int-or-percent values, exactly."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

_SUFFIX = {
    "": Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
    "Ki": Decimal(1 << 10),
    "Mi": Decimal(1 << 20),
    "Gi": Decimal(1 << 30),
    "Ti": Decimal(1 << 40),
    "Pi": Decimal(1 << 50),
    "Ei": Decimal(1 << 60),
}
_PERCENT = re.compile(r"([+-]?[0-9]+)%\Z")
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:([eE][+-]?[0-9]+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)\Z")


def parse_quantity(value: Any) -> Decimal | None:
    """The amount a Kubernetes quantity stands for, or None when it is not a quantity."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    return _parse_text(value)


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> Decimal | None:
    # manifests repeat the same few quantities ("100m", "128Mi") thousands of times, and a
    # Decimal is immutable: parse each text once
    m = _QUANTITY.match(value.strip())
    if not m:
        return None
    number, exponent, suffix = m.groups()
    try:
        amount = Decimal(number)
        if exponent:
            return amount * Decimal(f"1{exponent}")
        return amount * _SUFFIX[suffix or ""]
    except InvalidOperation:
        return None


def percentage(value: Any) -> int | None:
    """The number of an int-or-percent string ("25%" -> 25), or None when it is not one.

    Like intstr, only a sign and digits may come before the "%".
    """
    if not isinstance(value, str):
        return None
    m = _PERCENT.match(value)
    return int(m.group(1)) if m else None


def scaled_value(value: Any, total: int, round_up: bool) -> int | None:
    """An IntOrString such as maxUnavailable, resolved against ``total`` like intstr does.

    "25%" of 10 is 3 rounded up and 2 rounded down; an integer is itself. None when the
    value is neither an integer nor a percentage.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    pct = percentage(value)
    if pct is None:
        return None
    scaled = pct * total
    return -(-scaled // 100) if round_up else scaled // 100
