"""Shared by the identity rules: which ServiceAccount a pod runs as."""

from __future__ import annotations

from kubevet.k8s.workloads import PodTemplate


def service_account(template: PodTemplate) -> tuple[str, tuple | None]:
    """The ServiceAccount the pod runs as and the path of the field that names it.

    ``serviceAccountName`` wins; the deprecated ``serviceAccount`` is used when it is
    unset, as the API server does. Neither set: ``default``, and no path.
    """
    for field in ("serviceAccountName", "serviceAccount"):
        value = template.spec.get(field)
        if isinstance(value, str) and value:
            return value, (*template.spec_path, field)
    return "default", None
