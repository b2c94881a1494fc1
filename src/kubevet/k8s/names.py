"""The syntax of Kubernetes names (k8s.io/apimachinery/pkg/util/validation): DNS-1123 and
DNS-1035 labels, DNS-1123 subdomains. Each check returns what the value must be, or None."""

from __future__ import annotations

import re

_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?\Z")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")


def label_problem(value: str, max_len: int = 63, dns1035: bool = False) -> str | None:
    """Why ``value`` is not a DNS-1123 label (a DNS-1035 one with ``dns1035``), or None."""
    if len(value) > max_len:
        return f"at most {max_len} characters (it has {len(value)})"
    if dns1035 and not _DNS1035.match(value):
        return "a DNS-1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"
    if not dns1035 and not _LABEL.match(value):
        return "a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit"
    return None


def subdomain_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 subdomain (what most objects' names must be), or None."""
    if len(value) > 253:
        return f"at most 253 characters (it has {len(value)})"
    if not _SUBDOMAIN.match(value):
        return "a DNS-1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit"
    return None
