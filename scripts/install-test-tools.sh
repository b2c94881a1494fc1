#!/usr/bin/env bash
# System tools that some tests drive for real, installed from Debian's packages when they
# are missing (libyaml-dev too, to build the C fast path): kubectl (kustomize builds, YAML typing checked against kubectl, the kubectl
# plugin), shellcheck (the GitHub Action's scripts) and etcd 3.4 (etcd-server and
# etcd-client: the `kubevet etcd` tests run real clusters). Python packages come from pip.
# Then the control plane of tests/apiserver (scripts/control-plane.sh build; cached).
set -euo pipefail
missing=()
command -v kubectl >/dev/null 2>&1 || missing+=(kubectl)
command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
# libyaml's headers, for the C fast path of the YAML decoder (tests compare it with the pure path)
[ -e /usr/include/yaml.h ] || missing+=(libyaml-dev)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing ${missing[*]} from Debian's packages" >&2
    $sudo apt-get update -qq
    for tool in "${missing[@]}"; do
        if [ "$tool" = kubectl ]; then
            # the kubectl package where a Kubernetes repository is configured, Debian's otherwise
            $sudo apt-get install -y -qq kubectl >/dev/null 2>&1 || $sudo apt-get install -y -qq kubernetes-client
        else
            $sudo apt-get install -y -qq "$tool"
        fi
    done
fi
# the real kube-apiserver and etcd of tests/apiserver, built from Go modules once and cached
# (docs/control-plane.md); without Go those tests say they are skipped (and fail under CI)
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if command -v go >/dev/null 2>&1; then
    "$here/control-plane.sh" build >/dev/null
else
    echo "Go is not installed: the control plane of tests/apiserver cannot be built" >&2
fi
