"""Kubernetes versions: the ones kubevet ships schemas for, and the one a scan targets."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"
SCHEMAS = DATA / "schemas"
OLDEST_TARGET = (1, 16)
"""The oldest --kube-version accepted: the API lifecycle table starts with 1.16's removals."""

_VERSION = re.compile(r"v?([0-9]+)\.([0-9]+)(?:\.[0-9]+)?(?:[-+].*)?\Z")

Version = tuple[int, int]


@lru_cache(maxsize=1)
def shipped() -> tuple[Version, ...]:
    """The minor versions whose schemas are shipped, oldest first."""
    found = []
    for path in SCHEMAS.glob("v*.json.gz"):
        m = re.match(r"v([0-9]+)\.([0-9]+)\.json\.gz\Z", path.name)
        if m:
            found.append((int(m.group(1)), int(m.group(2))))
    return tuple(sorted(found))


def newest() -> Version:
    return shipped()[-1]


def text(version: Version) -> str:
    return f"{version[0]}.{version[1]}"


def parse(value: str | None) -> Version:
    """A --kube-version value ("1.30", "v1.30", "1.30.2"; empty: the newest shipped).

    Raises ValueError, with the accepted range, for anything else.
    """
    if value is None or not str(value).strip():
        return newest()
    m = _VERSION.match(str(value).strip())
    low, high = text(OLDEST_TARGET), text(newest())
    if not m:
        raise ValueError(f"kube-version {value!r} is not a Kubernetes version such as {high}")
    version = (int(m.group(1)), int(m.group(2)))
    if not OLDEST_TARGET <= version <= newest():
        raise ValueError(f"kube-version {value!r} is outside the versions kubevet knows ({low} to {high})")
    return version


def schema_version(target: Version) -> Version:
    """The shipped schemas that stand for ``target``: its own, or the oldest shipped."""
    candidates = [v for v in shipped() if v <= target]
    return candidates[-1] if candidates else shipped()[0]


def older_than_schemas(target: Version) -> str | None:
    """A note when ``target`` is older than every shipped schema, else None."""
    oldest = shipped()[0]
    if target >= oldest:
        return None
    return (
        f"kubevet ships Kubernetes schemas from {text(oldest)} on; objects are validated "
        f"for {text(target)} with the {text(oldest)} schemas, so fields added after "
        f"{text(target)} are not reported"
    )
