#!/usr/bin/env bash
# Builds the control plane the API-server tests run against: kube-apiserver from
# k8s.io/kubernetes and etcd from go.etcd.io/etcd/server/v3, at the releases pinned by the
# Go module in controlplane/ (go.mod + go.sum; every k8s.io staging module pinned by a
# replace directive). The binaries go to a cache directory keyed by the release and a hash
# of go.mod/go.sum, and are reused when present, so only the first run pays for the build.
#
#   scripts/control-plane.sh build   build what is missing, print the binary directory
#   scripts/control-plane.sh dir     print the binary directory (built or not)
#   scripts/control-plane.sh check   exit 0 if both binaries are present, 1 otherwise
#
# KUBEVET_CONTROL_PLANE_DIR overrides the cache directory. Needs Go (go.mod's version) and
# the Go module proxy; a first build takes about 5 minutes on 2 cores (docs/control-plane.md).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
module="$here/controlplane"
release="$(awk '$1 == "k8s.io/kubernetes" {print $2; exit}' "$module/go.mod")"
minor="${release#v1.}"; minor="${minor%%.*}"
# the version the binary reports (/version, kubectl version): what `make` would stamp
version_pkg=k8s.io/component-base/version
ldflags="-s -w -X $version_pkg.gitVersion=$release -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor -X $version_pkg.gitTreeState=clean"
key="$( (cat "$module/go.mod" "$module/go.sum"; echo "$ldflags") | sha256sum | cut -c1-12)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/kubevet/control-plane"
bindir="${KUBEVET_CONTROL_PLANE_DIR:-$cache/$release-$key}"

present() { [ -x "$bindir/kube-apiserver" ] && [ -x "$bindir/etcd" ]; }

build_one() {  # build_one NAME PACKAGE
    local name="$1" package="$2" start end
    [ -x "$bindir/$name" ] && return 0
    command -v go >/dev/null 2>&1 || { echo "control-plane: go is not installed" >&2; exit 2; }
    echo "control-plane: building $name ($package, $release) into $bindir" >&2
    start=$(date +%s)
    # -trimpath and stripped symbols (-s -w): smaller binaries, and the same build cache
    # entries whatever the checkout's path; no cgo, as Kubernetes' own release builds
    (cd "$module" && CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" \
        -o "$bindir/$name.tmp" "$package")
    mv "$bindir/$name.tmp" "$bindir/$name"
    end=$(date +%s)
    echo "control-plane: built $name in $((end - start)) s, $(du -h "$bindir/$name" | cut -f1)" >&2
}

case "${1:-build}" in
    build)
        mkdir -p "$bindir"
        # one build at a time per cache directory (test runs and install-test-tools.sh may
        # start together on one machine): the others wait, then find the binaries built
        exec 9>"$bindir/.lock"
        if ! flock -n 9; then
            echo "control-plane: another build into $bindir is running; waiting for it" >&2
            flock 9
        fi
        build_one etcd go.etcd.io/etcd/server/v3
        build_one kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
        echo "$bindir"
        ;;
    dir) echo "$bindir" ;;
    check) present ;;
    *) echo "usage: $0 [build|dir|check]" >&2; exit 2 ;;
esac
