"""Options and per-finding severities of the security (SEC) and host-access (HST) rules.

The fixtures run every rule with its defaults; these cases cover the other settings.
"""

from __future__ import annotations

from conftest import lint

from kubevet.config import Config
from kubevet.engine import lint_text
from kubevet.findings import Severity

SYSCTLS = """\
apiVersion: v1
kind: Pod
metadata: {name: tuned}
spec:
  securityContext:
    sysctls:
      - {name: net.ipv4.ip_local_reserved_ports, value: "30000-30100"}
      - {name: net.ipv4.tcp_keepalive_time, value: "600"}
      - {name: net.core.somaxconn, value: "1024"}
      - {name: vm.max_map_count, value: "262144"}
  containers:
    - {name: web, image: nginx:1.27}
"""


def messages(findings):
    return sorted(f.message for f in findings)


def test_unsafe_sysctl_follows_the_targeted_version():
    found = lint(SYSCTLS, "unsafe-sysctl", options={"unsafe-sysctl": {"kubernetes-version": "v1.28"}})
    names = [f.message.split()[1] for f in found]
    # ip_local_reserved_ports is safe since 1.27, tcp_keepalive_time only since 1.29
    assert names == ["net.ipv4.tcp_keepalive_time", "net.core.somaxconn", "vm.max_map_count"]
    assert "(safe since 1.29)" in found[0].message


def test_unsafe_sysctl_accepts_what_the_nodes_allow_but_never_a_node_wide_sysctl():
    options = {"unsafe-sysctl": {"allowed-unsafe": ["net.core.*", "vm.max_map_count"]}}
    found = lint(SYSCTLS, "unsafe-sysctl", options=options)
    assert messages(found) == [
        "sysctl vm.max_map_count is not namespaced: it belongs to the node, and no pod may set it"
    ]


CAPABILITIES = """\
apiVersion: v1
kind: Pod
metadata: {name: caps}
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        capabilities:
          drop: [NET_RAW, CHOWN]
          add: [SYS_NICE]
"""


def test_capabilities_not_dropped_with_a_longer_must_drop_list():
    assert not lint(CAPABILITIES, "capabilities-not-dropped")
    options = {"capabilities-not-dropped": {"must-drop": ["net_raw", "CAP_CHOWN", "KILL", "AUDIT_WRITE"]}}
    found = lint(CAPABILITIES, "capabilities-not-dropped", options=options)
    assert messages(found) == ["container 'web' drops neither ALL capabilities nor KILL, AUDIT_WRITE"]


def test_dangerous_capability_list_is_an_option():
    assert not lint(CAPABILITIES, "dangerous-capability-added")
    options = {"dangerous-capability-added": {"capabilities": ["sys_nice"]}}
    found = lint(CAPABILITIES, "dangerous-capability-added", options=options)
    assert messages(found) == ["container 'web' adds capability SYS_NICE"]


IDS = """\
apiVersion: v1
kind: Pod
metadata: {name: ids}
spec:
  securityContext: {runAsUser: 1000, runAsGroup: 0}
  containers:
    - {name: web, image: nginx:1.27}
"""


def test_low_user_id_threshold():
    assert len(lint(IDS, "low-user-id")) == 2
    found = lint(IDS, "low-user-id", options={"low-user-id": {"min-id": 1}})
    assert messages(found) == ["runAsGroup 0 of container 'web' is below 1"]


HOST_PATHS = """\
apiVersion: v1
kind: Pod
metadata: {name: paths}
spec:
  containers:
    - name: app
      image: example/app:1.0.0
      volumeMounts:
        - {name: logs, mountPath: /var/log, readOnly: true}
        - {name: data, mountPath: /data}
  volumes:
    - {name: logs, hostPath: {path: /var/log}}
    - {name: data, hostPath: {path: /srv/data}}
    - {name: socket, hostPath: {path: /opt/runtime/podman.sock}}
"""


def _host_path(config: Config):
    return {(f.line, f.severity) for f in lint_text(HOST_PATHS, config).findings}


def test_host_path_mount_rates_each_finding():
    found = _host_path(Config(select=["host-path-mount"]))
    assert found == {(10, Severity.ERROR), (12, Severity.WARNING), (14, Severity.WARNING)}


def test_host_path_mount_options():
    options = {"host-path-mount": {"sensitive-paths": ["/var/log/pods"], "runtime-sockets": ["podman.sock"]}}
    found = _host_path(Config(select=["host-path-mount"], options=options))
    # /var/log holds /var/log/pods; podman.sock is a runtime socket now
    assert found == {(10, Severity.ERROR), (12, Severity.ERROR), (14, Severity.ERROR)}


def test_a_configured_severity_applies_to_every_finding_of_the_rule():
    config = Config(select=["host-path-mount"], severity={"host-path-mount": Severity.INFO})
    assert {severity for _, severity in _host_path(config)} == {Severity.INFO}
