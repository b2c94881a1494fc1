"""What API001 and API002 share: the target version and the lifecycle entry of an object."""

from __future__ import annotations

from kubevet.rules._base import Option, kube_version

KUBE_VERSION = Option(
    "kube-version",
    "",
    "Kubernetes version the manifests are for (1.16 to the newest kubevet knows); set for "
    "every rule by --kube-version or the config's kube_version. Empty: the newest.",
    kube_version,
)


def entry(obj, ctx):
    """(target version, lifecycle entry or None) for an object."""
    from kubevet.schema import lifecycle, versions

    return versions.parse(ctx.option("kube-version")), lifecycle.lookup(obj.api_version, obj.kind)


def move_to(life) -> str:
    if life.replacement:
        how = f"use {life.replacement}"
    else:
        how = "it has no replacement API"
    note = f" ({life.note})" if life.note else ""
    return how + note


def version(v) -> str:
    from kubevet.schema.versions import text

    return text(v)
