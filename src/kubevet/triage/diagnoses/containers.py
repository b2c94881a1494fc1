"""Containers that cannot start: images that do not pull, volumes that do not mount."""

from __future__ import annotations

import re
from collections import defaultdict

from kubevet.triage.diagnoses import Found, Index, diagnosis, objects


@diagnosis(name="image-pull-failed", rules=("IMG001", "IMG002"), fix_field="image")
def image_pull(ix: Index):
    """An image cannot be pulled (ErrImagePull, ImagePullBackOff).

    The tag does not exist (a mutable tag moved or was deleted), the registry refuses the
    node's credentials, or it is unreachable or rate-limiting. The kubelet retries with a
    growing back-off; pods stay in ContainerCreating.

    Fix: Pin the image by an existing immutable tag or digest, check imagePullSecrets and
    the registry's reachability from the nodes.
    """
    evidence = ix.events("Failed", "BackOff", "ErrImagePull", "ImagePullBackOff", "InspectFailed",
                         message=r"pull(?:ing)? image|ErrImagePull|ImagePullBackOff|InvalidImageName")
    evidence += [s for s in ix.of("container")
                 if s.fields["state_reason"] in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName")]
    by_image = defaultdict(list)
    for s in evidence:
        m = re.search(r'image "([^"]+)"', s.message)
        by_image[m.group(1) if m else ""].append(s)
    for image, ev in by_image.items():
        why = next((m.group(0) for e in ev for m in [re.search(r"not found|unauthorized|denied|toomanyrequests|"
                                                               r"i/o timeout|no such host|manifest unknown", e.message,
                                                               re.I)] if m), "")
        yield Found(ev, objects(ev), "high", detail=(image or "image") + (f": {why}" if why else ""),
                    container=next((e.fields.get("container", "") for e in ev if e.fields.get("container")), ""))


@diagnosis(name="volume-mount-failed", rules=("HYG010",), fix_field="volumes")
def mount(ix: Index):
    """A volume cannot be mounted or attached (FailedMount, FailedAttachVolume).

    A ConfigMap, Secret or claim the pod mounts does not exist (deleted, or never
    created in that namespace), a volume is still attached to another node (Multi-Attach),
    or the storage driver fails. The pod stays in ContainerCreating.

    Fix: Create the missing object (mark optional ones `optional: true`), or wait for the
    volume to detach from the old node; check the CSI driver's logs otherwise.
    """
    evidence = ix.events("FailedMount", "FailedAttachVolume", "FailedMapVolume")
    evidence += ix.events("Failed", message=r"(?:configmap|secret) \"[^\"]+\" not found")
    if not evidence:
        return
    missing = sorted({m.group(0) for e in evidence
                      for m in re.finditer(r"(?:configmap|secret|persistentvolumeclaim) \"[^\"]+\" not found",
                                           e.message)})
    other = "Multi-Attach error" if any("Multi-Attach" in e.message for e in evidence) else ""
    yield Found(evidence, objects(evidence), "high", detail=", ".join(missing + ([other] if other else [])))
