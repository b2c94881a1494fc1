"""Fixtures of the tests judged by a real kube-apiserver (marker ``apiserver``; imported by tests/conftest.py).

One control plane per test run (``control_plane``, session scope), started on first use;
tests create their own namespaces (``namespace``). When the binaries are missing and cannot
be built (no Go), the tests are skipped with that reason in the summary; under CI (``CI``
set) that is a failure instead, because CI must run them.
"""

from __future__ import annotations

import itertools
import os

import pytest
from apiserver import controlplane


@pytest.fixture(scope="session")
def control_plane(tmp_path_factory):
    try:
        bindir = controlplane.binaries()
    except controlplane.ControlPlaneUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"the API-server tests must run in CI: {exc}")
        pytest.skip(f"no kube-apiserver: {exc}")
    plane = controlplane.start(tmp_path_factory.mktemp("control-plane"), bindir)
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def kube(control_plane):
    """The official Kubernetes Python client, logged in as the admin of the control plane."""
    from kubernetes import config, dynamic

    api = config.new_client_from_config(config_file=str(control_plane.kubeconfig), context=control_plane.context)
    yield dynamic.DynamicClient(api)
    api.close()


_serial = itertools.count(1)


@pytest.fixture
def new_namespace(kube, request):
    """Create namespaces for one test: ``new_namespace("shop")`` -> a fresh name like ``shop-3``.

    With no kube-controller-manager in the control plane, the ``default`` ServiceAccount
    a namespace normally gets is created here, so that Pods pass the ServiceAccount
    admission plugin as in a real cluster.
    """

    def create(prefix: str = "t", name: str | None = None, labels: dict | None = None) -> str:
        name = name or f"{prefix}-{next(_serial)}"
        ns = kube.resources.get(api_version="v1", kind="Namespace")
        ns.create(body={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}})
        sa = kube.resources.get(api_version="v1", kind="ServiceAccount")
        sa.create(body={"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}, namespace=name)
        return name

    return create
