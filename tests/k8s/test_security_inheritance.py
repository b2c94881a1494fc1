"""security_setting(): the pod securityContext reaches containers exactly where Kubernetes says."""

from __future__ import annotations

import yaml

from kubevet.k8s.workloads import Workloads, containers, security_setting
from kubevet.model import Document, K8sObject, Source

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext:
    runAsUser: 1000
    runAsNonRoot: true
    seccompProfile: {type: RuntimeDefault}
    seLinuxOptions: {level: "s0:c1"}
    windowsOptions: {runAsUserName: "pod-user", gmsaCredentialSpecName: "gmsa"}
    fsGroup: 2000
  containers:
    - name: inherits
      image: x:1
    - name: overrides
      image: x:1
      securityContext:
        runAsUser: 0
        seLinuxOptions: {user: "system_u"}
        windowsOptions: {runAsUserName: "container-user"}
        privileged: false
"""


def _pod():
    obj = K8sObject(yaml.safe_load(POD), Document(Source(None, "t", b""), 0, 0, 0, 0))
    template = Workloads().pod_template(obj)
    inherits, overrides = containers(template)
    return template, inherits, overrides


def test_inherited_fields_fall_back_to_the_pod():
    template, inherits, _ = _pod()
    assert security_setting(template, inherits, "runAsUser") == (1000, ("spec", "securityContext", "runAsUser"))
    assert security_setting(template, inherits, "seccompProfile")[0] == {"type": "RuntimeDefault"}


def test_pod_only_and_container_only_fields_do_not_cross():
    template, inherits, overrides = _pod()
    assert security_setting(template, inherits, "fsGroup") == (None, None)  # pod-only
    assert security_setting(template, inherits, "privileged") == (None, None)
    assert security_setting(template, overrides, "privileged")[0] is False


def test_container_wins_and_struct_fields_replace_whole():
    template, _, overrides = _pod()
    value, path = security_setting(template, overrides, "runAsUser")
    assert (value, path) == (0, ("spec", "containers", 1, "securityContext", "runAsUser"))
    # seLinuxOptions is replaced as a whole (the pod's level is not merged in)
    assert security_setting(template, overrides, "seLinuxOptions")[0] == {"user": "system_u"}


def test_windows_options_merge_field_by_field():
    template, inherits, overrides = _pod()
    assert security_setting(template, inherits, "windowsOptions")[0] == {
        "runAsUserName": "pod-user",
        "gmsaCredentialSpecName": "gmsa",
    }
    value, path = security_setting(template, overrides, "windowsOptions")
    assert value == {"runAsUserName": "container-user", "gmsaCredentialSpecName": "gmsa"}
    assert path == ("spec", "containers", 1, "securityContext", "windowsOptions")
