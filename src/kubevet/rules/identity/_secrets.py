"""Shared by the secret rules (IDN004, IDN005): names and values that look like credentials.

Two heuristics, tuned to keep false positives rare:

* by name: a name whose words match a pattern (``DB_PASSWORD``, ``apiKey``) and whose
  value is a literal that could be a credential, not a file path, URL, number, boolean,
  placeholder (``<token>``, ``YOUR_API_KEY``) or a ``$(VAR)`` / ``${VAR}`` / ``{{ }}``
  reference; names that describe a credential instead of holding one (``TOKEN_FILE``,
  ``SECRET_NAME``, ``PASSWORD_TTL``, ``API_TOKEN_SECRET_KEY``) are left alone;
* by shape, whatever the name: private-key headers, well-known token formats and URLs
  with a password in them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

DEFAULT_NAME_PATTERNS = [
    "PASS",
    "[A-Z0-9]*PASS(WORD|WD|PHRASE)",
    "[A-Z0-9]*SECRET",
    "[A-Z0-9]*TOKEN",
    "BEARER",
    "CREDENTIALS?",
    "(API|ACCESS|PRIVATE|AUTH|ACCOUNT|ENCRYPTION|SIGNING|MASTER|SHARED|STORAGE|BATCH)_?KEY",
    "KEY_CONTENT",
]
"""Patterns for whole words of a name, written in capitals with words joined by ``_``."""

# a name ending in one of these words is about a credential, not the credential itself
DESCRIPTIVE_WORDS = frozenset(
    {
        "ADDRESS", "ALGORITHM", "AUDIENCE", "DIR", "DISABLE", "DISABLED", "ENABLE", "ENABLED",
        "ENDPOINT", "EXPIRATION", "EXPIRY", "FIELD", "FILE", "FILES", "HEADER", "HOST", "ID",
        "ISSUER", "KIND", "LENGTH", "LIFETIME", "LOCATION", "MODE", "MOUNT", "NAME", "NAMES",
        "NAMESPACE", "PATH", "POLICY", "PORT", "PREFIX", "REF", "REQUIRED", "TIMEOUT", "TTL",
        "TYPE", "URI", "URL", "USER", "USERNAME", "VERSION",
    }
)

_WORD = re.compile(r"[A-Z0-9]+(?![a-z])|[A-Z]?[a-z0-9]+")
# ..._TOKEN_SECRET_KEY, ..._PASSWORD_SECRET_NAME: where to find a credential, not one
_SECRET_REFERENCE = re.compile(r"_SECRETS?_(KEY|NAME|NAMESPACE|REF)$")
# <your-token>, YOUR_API_KEY, INSERT_CLUSTER_TOKEN: a placeholder to replace, not a value
_PLACEHOLDER = re.compile(r"<[^<>]*>|[A-Z][A-Z0-9]*(_[A-Z0-9]+)+")
_REFERENCE = re.compile(r"\$\(|\$\{|\{\{")
_NUMBER_OR_DURATION = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?(ms|s|m|h|d)?", re.I)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_SETTING_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null", "nil", "enabled", "disabled", "-"})

_SHAPES = (
    ("a private key", re.compile(r"-{3,}\s*BEGIN\s+(?:[A-Z0-9]+\s+)*PRIVATE\s+KEY(?:\s+BLOCK)?\s*-{3,}")),
    ("an AWS access key ID", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("a GitLab token", re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Slack webhook URL", re.compile(r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{16,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}")),
    ("a Stripe secret key", re.compile(r"\b[rs]k_live_[0-9A-Za-z]{20,}")),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
)
# scheme://[user]:password@ with a password that is not a reference or a mask
_URL_PASSWORD = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:([^\s/@]+)@")


def words(name: str) -> str:
    """A name as capitalised words joined by ``_``: ``dbPassword`` and ``db-password`` give ``DB_PASSWORD``."""
    return "_".join(w.upper() for w in _WORD.findall(name))


@lru_cache(maxsize=8)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(rf"(?:^|_)(?:{p})(?:_|$)", re.I) for p in patterns)


def sensitive_name(name: str, patterns: Sequence[str]) -> bool:
    """Whether a variable or key name says that it holds a credential."""
    return _sensitive(name, tuple(patterns))


@lru_cache(maxsize=4096)
def _sensitive(name: str, patterns: tuple[str, ...]) -> bool:
    # the same variable names (DB_PASSWORD, LOG_LEVEL) recur across every workload
    normalized = words(name)
    if not normalized or normalized.rsplit("_", 1)[-1] in DESCRIPTIVE_WORDS:
        return False
    compiled = _compiled(tuple(patterns))
    reference = _SECRET_REFERENCE.search(normalized)
    if reference and any(p.search(normalized[: reference.start()]) for p in compiled):
        return False
    return any(p.search(normalized) for p in compiled)


def literal_credential(value: object) -> bool:
    """Whether a value under a sensitive name could itself be the credential.

    Empty values, settings (booleans, numbers, durations), file paths, URLs, text with
    spaces or several lines, placeholders and values built from references are not.
    """
    if not isinstance(value, str):
        return False
    v = value.strip()
    if not v or any(ch.isspace() for ch in v) or _PLACEHOLDER.fullmatch(v):
        return False
    if v.lower() in _SETTING_WORDS or _NUMBER_OR_DURATION.fullmatch(v):
        return False
    if v.startswith(("/", "./", "~/")) or _URL.match(v):
        return False
    return not _REFERENCE.search(v)


# every shape in one pattern: one pass over a value instead of one per shape
_ANY_SHAPE = re.compile("|".join(f"(?P<s{i}>{pattern.pattern})" for i, (_, pattern) in enumerate(_SHAPES)))
# text that every match of some shape contains (each shape's pattern needs one of these,
# case and all): a value holding none of them has no shape, and str's substring search
# rules that out far faster than the regex engine trying every shape at every position
# (a Grafana dashboard ConfigMap is megabytes of JSON)
_SHAPE_LITERALS = (
    "PRIVATE", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-",
    "xox", "hooks.slack.com/services/", "AIza", "k_live_", "eyJ",
)


def secret_shape(value: object) -> str | None:
    """What a value looks like when it contains a well-known kind of secret, else None."""
    if not isinstance(value, str):
        return None
    return _shape(value)


@lru_cache(maxsize=4096)
def _shape(value: str) -> str | None:
    m = _ANY_SHAPE.search(value) if any(lit in value for lit in _SHAPE_LITERALS) else None
    if m is not None:
        return _SHAPES[int(m.lastgroup[1:])][0]
    if "@" in value and "://" in value:
        for m in _URL_PASSWORD.finditer(value):
            if not _placeholder(m.group(1)):
                return "a URL with a password"
    return None


def _placeholder(password: str) -> bool:
    """``$(DB_PASSWORD)``, ``${PASS}``, ``$PASS``, ``%s``, ``<password>``, ``****``: not a password."""
    return bool(_REFERENCE.search(password)) or password.startswith(("$", "%", "<")) or not password.strip("*")
