"""Shared by the image rules: the images a workload runs, and image references taken apart."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kubevet.k8s.workloads import Container, containers
from kubevet.model import K8sObject
from kubevet.rules._base import RuleContext

# characters an image reference may contain; ${IMAGE}, <your-image> and ko://... are
# placeholders that a build or templating step replaces, not references
_REFERENCE = re.compile(r"[A-Za-z0-9._/:@+-]+")


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image reference as the container runtime reads it: ``[host[:port]/]path[:tag][@digest]``."""

    name: str  # registry host and repository path, without tag or digest
    tag: str | None
    digest: str | None


def parse_image(image: str) -> ImageRef:
    """Split an image reference into repository, tag and digest.

    A tag is the part after the last ``:`` of the last path component, so the port of a
    registry host (``localhost:5000/app``) is not mistaken for one.
    """
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    else:
        tag = None
    return ImageRef(name, tag or None, digest or None)


def images(obj: K8sObject, ctx: RuleContext) -> Iterator[tuple[Container, str]]:
    """Every container of the object's pod with the image reference it runs.

    Left out: a missing or blank image (OpenShift DeploymentConfigs leave it for an image
    trigger to fill in), and placeholders that are no image reference yet
    (``${IMAGE}``, ``<your-image>``, ``ko://example.com/cmd/app``).
    """
    template = ctx.pod_template(obj)
    if template is None:
        return
    for c in containers(template):
        image = c.get("image")
        if isinstance(image, str) and _REFERENCE.fullmatch(image) and "://" not in image:
            yield c, image
