"""Shared by the probe rules: which containers run long, their probes, handlers and timings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubevet.k8s.workloads import Container, PodTemplate, containers, named_port

PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
PORT_HANDLERS = ("httpGet", "tcpSocket", "grpc")
HANDLERS = (*PORT_HANDLERS, "exec")
TIMING_DEFAULTS = {"initialDelaySeconds": 0, "periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3}
PROBE_LABEL = {"livenessProbe": "liveness", "readinessProbe": "readiness", "startupProbe": "startup"}


def runs_to_completion(template: PodTemplate) -> bool:
    """A batch pod: a Job's or CronJob's, or one whose containers are not restarted."""
    obj = template.obj
    if obj.group == "batch" and obj.kind in ("Job", "CronJob"):
        return True
    return template.spec.get("restartPolicy") in ("Never", "OnFailure")


def probed_containers(template: PodTemplate) -> Iterator[Container]:
    """Containers that may have probes: regular and sidecar ones (init and ephemeral may not)."""
    for c in containers(template, init=True, ephemeral=False):
        if c.long_running:
            yield c


def long_running_containers(template: PodTemplate) -> Iterator[Container]:
    """Containers that run as long as the pod, in pods that are not batch pods."""
    if not runs_to_completion(template):
        yield from probed_containers(template)


def probe_of(c: Container, kind: str) -> dict | None:
    """The container's ``livenessProbe``, ``readinessProbe`` or ``startupProbe``, or None."""
    value = c.get(kind)
    return value if isinstance(value, dict) else None


def handler(probe: dict) -> tuple[str, dict] | None:
    """The probe's action as (``httpGet``/``tcpSocket``/``grpc``/``exec``, its fields)."""
    for kind in HANDLERS:
        action = probe.get(kind)
        if isinstance(action, dict):
            return kind, action
    return None


def timing(probe: dict, field: str) -> int | None:
    """A probe timing as the kubelet applies it, or None when it is not a number.

    The API server replaces a missing or zero value with the Kubernetes default.
    """
    value = probe.get(field)
    if value is None:
        return TIMING_DEFAULTS[field]
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value or TIMING_DEFAULTS[field]


def resolved_port(c: Container, port: Any) -> Any:
    """A probe port as the number it reaches: a name the container declares becomes its number."""
    if isinstance(port, str):
        declared = named_port(c, port)
        if declared is not None and isinstance(declared.get("containerPort"), int):
            return declared["containerPort"]
    return port


def protocol(port: dict) -> str:
    """The protocol of a declared container port (TCP unless it says otherwise)."""
    value = port.get("protocol")
    return value if isinstance(value, str) and value else "TCP"


def action_identity(c: Container, kind: str, action: dict) -> tuple | None:
    """What a probe action checks, normalised so that equivalent actions compare equal.

    Kubernetes defaults are filled in (scheme HTTP, path "/", the pod IP as host, the
    default gRPC service) and named ports are resolved to their numbers. None for an
    action too incomplete to compare.
    """
    if kind == "exec":
        command = action.get("command")
        if not isinstance(command, list) or not command:
            return None
        return (kind, tuple(str(part) for part in command))
    port = resolved_port(c, action.get("port"))
    if port is None:
        return None
    if kind == "grpc":
        return (kind, port, action.get("service") or "")
    host = action.get("host") or ""
    if kind == "tcpSocket":
        return (kind, host, port)
    scheme = str(action.get("scheme") or "HTTP").upper()
    headers = action.get("httpHeaders")
    header_pairs = sorted(
        (str(h.get("name", "")).lower(), str(h.get("value", "")))
        for h in (headers if isinstance(headers, list) else [])
        if isinstance(h, dict)
    )
    return (kind, scheme, host, port, action.get("path") or "/", tuple(header_pairs))


def describe(identity: tuple) -> str:
    """A probe action in words, from its ``action_identity``."""
    kind = identity[0]
    if kind == "exec":
        return f"the command `{' '.join(identity[1])}`"
    if kind == "grpc":
        service = f" (service {identity[2]!r})" if identity[2] else ""
        return f"gRPC on port {identity[1]}{service}"
    if kind == "tcpSocket":
        return f"a TCP connection to port {identity[2]}"
    _, scheme, host, port, path, headers = identity
    where = f" of host {host}" if host else ""
    extra = " with the same headers" if headers else ""
    return f"{scheme} GET {path} on port {port}{where}{extra}"
