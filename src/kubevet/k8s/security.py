"""How a pod's containers run, security-wise: what the security and host-access rules share.

``kubevet.k8s.workloads.security_setting`` resolves the securityContext fields a container
inherits from its pod; this module adds what those rules need besides: the kind of node a
pod runs on, Windows options (merged field by field), capability names as the container
runtime reads them, and the wording for findings about one or several containers.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from kubevet.k8s.workloads import Container, PodTemplate


def is_windows(template: PodTemplate) -> bool:
    """Whether the pod runs on Windows nodes, where Linux-only settings do not apply.

    ``spec.os.name: windows`` says so (the API server then rejects the Linux-only fields),
    and so does a node selector for ``kubernetes.io/os: windows``.
    """
    os_ = template.spec.get("os")
    if isinstance(os_, dict) and os_.get("name") == "windows":
        return True
    selector = template.spec.get("nodeSelector")
    return isinstance(selector, dict) and selector.get("kubernetes.io/os") == "windows"


def in_user_namespace(template: PodTemplate) -> bool:
    """Whether the pod runs in its own user namespace (``hostUsers: false``).

    Its user and group IDs, root included, then map to unprivileged IDs on the node.
    """
    return template.spec.get("hostUsers") is False


def windows_option(template: PodTemplate, container: Container, key: str) -> tuple[Any, tuple | None]:
    """A ``windowsOptions`` field as the container runs with it, and its path.

    Kubernetes merges windowsOptions field by field: a container's own field wins, and
    the pod's fills in the fields the container does not set.
    """
    levels = ((container.data, container.path), (template.spec, template.spec_path))
    for data, path in levels:
        sc = data.get("securityContext")
        options = sc.get("windowsOptions") if isinstance(sc, dict) else None
        if isinstance(options, dict) and options.get(key) is not None:
            return options[key], (*path, "securityContext", "windowsOptions", key)
    return None, None


def capability_name(name: str) -> str:
    """A capability as the runtime reads it: case-insensitive, ``CAP_`` prefix optional."""
    upper = name.strip().upper()
    return upper[4:] if upper.startswith("CAP_") else upper


def capabilities(container: Container, which: str) -> list[tuple[str, tuple]]:
    """The names in ``securityContext.capabilities.<which>`` ("add" or "drop"), with paths."""
    sc = container.get("securityContext")
    caps = sc.get("capabilities") if isinstance(sc, dict) else None
    names = caps.get(which) if isinstance(caps, dict) else None
    if not isinstance(names, list):
        return []
    base = (*container.path, "securityContext", "capabilities", which)
    return [(capability_name(n), (*base, i)) for i, n in enumerate(names) if isinstance(n, str)]


def is_privileged(container: Container) -> bool:
    """Whether the container sets ``privileged: true`` (a field the pod cannot set)."""
    sc = container.get("securityContext")
    return isinstance(sc, dict) and sc.get("privileged") is True


def deepest(path: tuple, node: Any, keys: Iterable[str]) -> tuple:
    """The path of the deepest of ``keys`` (nested maps under ``node``) that is set.

    Findings about a missing field point there: at the field's closest written parent.
    """
    for key in keys:
        if not isinstance(node, dict) or node.get(key) is None:
            break
        node = node[key]
        path = (*path, key)
    return path


def describe(container: Container) -> str:
    """``container 'web'``, ``init container 'migrate'``, ``sidecar container 'proxy'`` ..."""
    if container.is_sidecar:
        kind = "sidecar container"
    elif container.is_init:
        kind = "init container"
    elif container.section == "ephemeralContainers":
        kind = "ephemeral container"
    else:
        kind = "container"
    return f"{kind} {container.name!r}"


def describe_all(group: list[Container]) -> str:
    """One container as ``describe`` does, several as ``containers 'a', 'b' and 'c'``."""
    if len(group) == 1:
        return describe(group[0])
    names = [repr(c.name) for c in group]
    return f"containers {', '.join(names[:-1])} and {names[-1]}"


def grouped(affected: Iterable[tuple[Container, Hashable]]) -> list[tuple[Any, list[Container]]]:
    """Containers grouped by what affects them (a field's path, or path and value), in order.

    A pod-level setting that several containers inherit makes one finding, not one each.
    """
    groups: dict[Hashable, list[Container]] = {}
    for container, key in affected:
        groups.setdefault(key, []).append(container)
    return list(groups.items())
