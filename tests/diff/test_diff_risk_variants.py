"""The variants inside each risk check that the one pair per check (test_diff_risks.py) does
not reach: every kind of data-removed (and "replaced by a new name"), every selector kind,
a NetworkPolicy removed, RBAC widened by verbs only / by a wildcard, a Service exposed
through externalIPs or NodePort, a Helm keep annotation. Each variant is a pair of
real-looking manifests written here, judged through `kubevet diff -f json`."""

import textwrap

import diffkit
import pytest

kubevet, diff_json, write = diffkit.kubevet, diffkit.diff_json, diffkit.write  # fixtures


def _y(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


NAMESPACE = _y("""
    apiVersion: v1
    kind: Namespace
    metadata:
      name: shop
      labels: {team: shop}
""")
PV = _y("""
    apiVersion: v1
    kind: PersistentVolume
    metadata:
      name: nfs-uploads
    spec:
      capacity: {storage: 500Gi}
      accessModes: [ReadWriteMany]
      persistentVolumeReclaimPolicy: Retain
      nfs: {server: 10.0.4.12, path: /exports/uploads}
""")
CRD = _y("""
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata:
      name: backups.ops.example.com
    spec:
      group: ops.example.com
      scope: Namespaced
      names: {plural: backups, singular: backup, kind: Backup}
      versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              x-kubernetes-preserve-unknown-fields: true
""")
PVC = _y("""
    apiVersion: v1
    kind: PersistentVolumeClaim
    metadata:
      name: uploads
      namespace: shop
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: fast-ssd
      resources:
        requests: {storage: 100Gi}
""")
CONFIGMAP = _y("""
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: web-config
      namespace: shop
    data:
      LOG_LEVEL: info
""")


def _risks(report, check):
    return [r for r in report["risks"] if r["check"] == check]


@pytest.mark.parametrize("kept, label", [
    (NAMESPACE, "Namespace shop"),
    (PV, "PersistentVolume nfs-uploads"),
    (CRD, "CustomResourceDefinition.apiextensions.k8s.io backups.ops.example.com"),
    (PVC, "PersistentVolumeClaim shop/uploads"),
], ids=["namespace", "pv", "crd", "pvc"])
def test_every_data_kind_removed_is_data_loss(diff_json, write, tmp_path, kept, label):
    old = write(tmp_path / "old.yaml", kept + "---\n" + CONFIGMAP)
    new = write(tmp_path / "new.yaml", CONFIGMAP)
    code, report = diff_json(old, new, "--no-findings")
    [risk] = _risks(report, "data-removed")
    assert code == 1 and risk["severity"] == "error" and risk["class"] == "data-loss"
    assert risk["object"] == label and risk["side"] == "old" and risk["line"] == 1
    assert "is removed" in risk["message"]
    # a ConfigMap going away is no data loss
    code, report = diff_json(write(tmp_path / "cm.yaml", kept + "---\n" + CONFIGMAP), write(tmp_path / "k.yaml", kept),
                             "--no-findings")
    assert code == 0 and _risks(report, "data-removed") == []


def test_a_claim_replaced_by_a_new_name_starts_empty(diff_json, write, tmp_path):
    old = write(tmp_path / "old.yaml", PVC)
    new = write(tmp_path / "new.yaml", PVC.replace("name: uploads", "name: uploads-v2"))
    code, report = diff_json(old, new, "--no-findings")
    [risk] = _risks(report, "data-removed")
    assert code == 1 and "replaced by PersistentVolumeClaim shop/uploads-v2, which starts empty" in risk["message"]
    assert risk["evidence"] == {"old": "uploads", "new": "uploads-v2"}


def test_helm_keep_annotation_is_not_data_loss(diff_json, write, tmp_path):
    kept = PVC.replace("  namespace: shop\n", "  namespace: shop\n  annotations: {helm.sh/resource-policy: keep}\n")
    code, report = diff_json(write(tmp_path / "old.yaml", kept), write(tmp_path / "new.yaml", CONFIGMAP),
                             "--no-findings")
    assert _risks(report, "data-removed") == [] and code == 0


WORKLOADS = {
    "StatefulSet": _y("""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
          namespace: shop
        spec:
          serviceName: db
          replicas: 3
          selector:
            matchLabels: {app: db}
          template:
            metadata:
              labels: {app: db}
            spec:
              containers:
                - name: postgres
                  image: postgres:16.4
    """),
    "DaemonSet": _y("""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: node-agent
          namespace: shop
        spec:
          selector:
            matchLabels: {app: db}
          template:
            metadata:
              labels: {app: db}
            spec:
              containers:
                - name: agent
                  image: registry.example.com/agent:2.3.1
    """),
    "Job": _y("""
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: migrate
          namespace: shop
        spec:
          manualSelector: true
          selector:
            matchLabels: {app: db}
          template:
            metadata:
              labels: {app: db}
            spec:
              restartPolicy: Never
              containers:
                - name: migrate
                  image: registry.example.com/migrate:1.0.0
    """),
}


@pytest.mark.parametrize("kind", sorted(WORKLOADS))
def test_selector_change_of_every_workload_kind_is_rejected(diff_json, write, tmp_path, kind):
    old = WORKLOADS[kind]
    new = old.replace("matchLabels: {app: db}", "matchLabels: {app: db, tier: data}")
    code, report = diff_json(write(tmp_path / "old.yaml", old), write(tmp_path / "new.yaml", new), "--no-findings")
    [risk] = _risks(report, "selector-changed")
    assert code == 1 and risk["severity"] == "error" and risk["class"] == "rejected"
    assert risk["line"] == new.splitlines().index("  selector:") + 1
    assert risk["evidence"]["old"] == {"matchLabels": {"app": "db"}}


def test_a_job_selector_left_to_the_api_server_is_not_a_change(diff_json, write, tmp_path):
    old = WORKLOADS["Job"]
    new = old.replace("  manualSelector: true\n  selector:\n    matchLabels: {app: db}\n", "")
    code, report = diff_json(write(tmp_path / "old.yaml", old), write(tmp_path / "new.yaml", new), "--no-findings")
    assert _risks(report, "selector-changed") == []


POLICY = _y("""
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
      name: db-from-web
      namespace: shop
    spec:
      podSelector:
        matchLabels: {app: db}
      policyTypes: [Ingress]
      ingress:
        - from:
            - podSelector:
                matchLabels: {app: web}
          ports:
            - {port: 5432, protocol: TCP}
""")


def test_network_policy_removed(diff_json, write, tmp_path):
    code, report = diff_json(write(tmp_path / "old.yaml", POLICY + "---\n" + CONFIGMAP),
                             write(tmp_path / "new.yaml", CONFIGMAP), "--no-findings", "--fail-on", "warning")
    [risk] = _risks(report, "network-policy-opened")
    assert code == 1 and risk["severity"] == "warning" and risk["side"] == "old"
    assert "is removed" in risk["message"]


@pytest.mark.parametrize("opened", [
    "        - {}\n",  # an ingress rule without from
    "        - from:\n            - ipBlock: {cidr: 0.0.0.0/0}\n",
    "        - from:\n            - namespaceSelector: {}\n",
], ids=["no-from", "any-ip", "every-namespace"])
def test_network_policy_opened_every_way(diff_json, write, tmp_path, opened):
    new = POLICY.split("  ingress:\n")[0] + "  ingress:\n" + opened
    code, report = diff_json(write(tmp_path / "old.yaml", POLICY), write(tmp_path / "new.yaml", new), "--no-findings")
    [risk] = _risks(report, "network-policy-opened")
    assert "admits traffic from every namespace" in risk["message"] and code == 0


ACCOUNT = _y("""
    apiVersion: v1
    kind: ServiceAccount
    metadata:
      name: reporter
      namespace: shop
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata:
      name: reporter
      namespace: shop
    rules:
      - apiGroups: [""]
        resources: [pods]
        verbs: [get, list]
    ---
    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata:
      name: reporter
      namespace: shop
    subjects:
      - kind: ServiceAccount
        name: reporter
        namespace: shop
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: Role
      name: reporter
""")


def test_rbac_new_verbs_only_is_a_warning(diff_json, write, tmp_path):
    new = ACCOUNT.replace("resources: [pods]", "resources: [pods, services]")
    code, report = diff_json(write(tmp_path / "old.yaml", ACCOUNT), write(tmp_path / "new.yaml", new), "--no-findings")
    [risk] = _risks(report, "rbac-widened")
    assert risk["severity"] == "warning" and code == 0
    assert risk["object"] == "ServiceAccount shop/reporter"
    assert "get services in shop" in risk["message"] and "list services in shop" in risk["message"]
    assert "pods" not in risk["message"]  # what it could already do is not news


def test_rbac_wildcard_is_an_error(diff_json, write, tmp_path):
    new = ACCOUNT.replace("verbs: [get, list]", 'verbs: ["*"]')
    code, report = diff_json(write(tmp_path / "old.yaml", ACCOUNT), write(tmp_path / "new.yaml", new), "--no-findings")
    [risk] = _risks(report, "rbac-widened")
    assert risk["severity"] == "error" and code == 1
    assert risk["message"] == "ServiceAccount shop/reporter may now do more: * pods in shop"
    assert risk["file"].endswith("new.yaml") and risk["line"] == new.splitlines().index("rules:") + 1  # the Role's rules


def test_rbac_unchanged_is_quiet(diff_json, write, tmp_path):
    code, report = diff_json(write(tmp_path / "old.yaml", ACCOUNT),
                             write(tmp_path / "new.yaml", ACCOUNT.replace("name: reporter\n  namespace: shop\nrules",
                                                                          "name: reporter\n  namespace: shop\n"
                                                                          "  labels: {a: b}\nrules")), "--no-findings")
    assert _risks(report, "rbac-widened") == [] and code == 0


SERVICE = _y("""
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: shop
    spec:
      selector: {app: web}
      ports:
        - {name: http, port: 80, targetPort: http}
""")


def test_service_exposed_by_node_port_external_ips_and_a_new_load_balancer(diff_json, write, tmp_path):
    node_port = SERVICE.replace("spec:\n", "spec:\n  type: NodePort\n")
    code, report = diff_json(write(tmp_path / "old.yaml", SERVICE), write(tmp_path / "new.yaml", node_port), "--no-findings")
    [risk] = _risks(report, "service-exposed")
    assert risk["evidence"] == {"old": "ClusterIP", "new": "NodePort"} and risk["line"] == 7
    external = SERVICE + "  externalIPs: [203.0.113.10]\n"
    _, report = diff_json(write(tmp_path / "old.yaml", SERVICE), write(tmp_path / "new.yaml", external), "--no-findings")
    [risk] = _risks(report, "service-exposed")
    assert "externalIPs" in risk["message"] and risk["evidence"]["new"] == ["203.0.113.10"]
    added = CONFIGMAP + "---\n" + SERVICE.replace("name: web\n", "name: edge\n").replace("spec:\n", "spec:\n  type: LoadBalancer\n")
    _, report = diff_json(write(tmp_path / "old.yaml", CONFIGMAP), write(tmp_path / "new.yaml", added), "--no-findings")
    [risk] = _risks(report, "service-exposed")
    assert risk["object"] == "Service shop/edge" and "LoadBalancer" in risk["message"]
    # LoadBalancer -> NodePort is narrower, not wider
    lb = SERVICE.replace("spec:\n", "spec:\n  type: LoadBalancer\n")
    _, report = diff_json(write(tmp_path / "old.yaml", lb), write(tmp_path / "new.yaml", node_port), "--no-findings")
    assert _risks(report, "service-exposed") == []


def test_pvc_size_may_grow_but_never_shrink(diff_json, write, tmp_path):
    grown = PVC.replace("storage: 100Gi", "storage: 200Gi")
    code, report = diff_json(write(tmp_path / "old.yaml", PVC), write(tmp_path / "new.yaml", grown), "--no-findings")
    assert _risks(report, "pvc-immutable-field") == [] and code == 0
    shrunk = PVC.replace("storage: 100Gi", "storage: 50000Mi")
    code, report = diff_json(write(tmp_path / "old.yaml", PVC), write(tmp_path / "new.yaml", shrunk), "--no-findings")
    [risk] = _risks(report, "pvc-immutable-field")
    assert code == 1 and risk["evidence"] == {"old": "100Gi", "new": "50000Mi"} and "goes down" in risk["message"]


LOCKED = _y("""
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: api
      namespace: shop
    spec:
      replicas: 2
      selector:
        matchLabels: {app: api}
      template:
        metadata:
          labels: {app: api}
        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
            seccompProfile: {type: RuntimeDefault}
          containers:
            - name: api
              image: registry.example.com/shop/api:2.1.0
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities:
                  drop: [ALL]
            - name: proxy
              image: envoyproxy/envoy:v1.31.0
              securityContext:
                allowPrivilegeEscalation: false
""")


@pytest.mark.parametrize("old_text, new_text, message", [
    ("          securityContext:\n            allowPrivilegeEscalation: false\n            readOnly",
     "          securityContext:\n            privileged: true\n            allowPrivilegeEscalation: false\n"
     "            readOnly", "container 'api' of Deployment.apps shop/api now runs privileged"),
    ("            readOnlyRootFilesystem: true\n", "",
     "container 'api' of Deployment.apps shop/api no longer sets readOnlyRootFilesystem: true"),
    ("              drop: [ALL]\n", "              drop: [ALL]\n              add: [NET_ADMIN]\n",
     "container 'api' of Deployment.apps shop/api gains capabilities NET_ADMIN"),
    ("              drop: [ALL]\n", "              drop: [NET_RAW]\n",
     "container 'api' of Deployment.apps shop/api no longer drops ALL capabilities"),
    ("        runAsNonRoot: true\n", "",
     "the pods of Deployment.apps shop/api no longer set runAsNonRoot: true (pod securityContext; containers 'api', "
     "'proxy')"),
    ("        runAsUser: 10001\n", "        runAsUser: 0\n",
     "the pods of Deployment.apps shop/api now run as root (runAsUser: 0) (pod securityContext; containers 'api', "
     "'proxy')"),
    ("        seccompProfile: {type: RuntimeDefault}\n", "        seccompProfile: {type: Unconfined}\n",
     "the pods of Deployment.apps shop/api: seccomp RuntimeDefault -> Unconfined (pod securityContext; containers "
     "'api', 'proxy')"),
    # a container's own setting weaker than the pod's it used to inherit
    ("              drop: [ALL]\n", "              drop: [ALL]\n            seccompProfile: {type: Unconfined}\n",
     "container 'api' of Deployment.apps shop/api: seccomp RuntimeDefault -> Unconfined"),
    ("              drop: [ALL]\n", "              drop: [ALL]\n            runAsUser: 0\n",
     "container 'api' of Deployment.apps shop/api now runs as root (runAsUser: 0)"),
], ids=["privileged", "read-only-root-dropped", "capability-added", "drop-all-removed", "pod-run-as-non-root-dropped",
        "pod-root-user", "pod-seccomp-unconfined", "container-seccomp-unconfined", "container-root-user"])
def test_security_context_weakened_every_way(diff_json, write, tmp_path, old_text, new_text, message):
    assert old_text in LOCKED
    new = LOCKED.replace(old_text, new_text, 1)
    code, report = diff_json(write(tmp_path / "old.yaml", LOCKED), write(tmp_path / "new.yaml", new), "--no-findings")
    [risk] = _risks(report, "security-context-weakened")
    assert code == 1 and risk["severity"] == "error" and risk["message"] == message
    changed = next(i for i, (a, b) in enumerate(zip(LOCKED.splitlines(), new.splitlines()), 1) if a != b)
    assert abs(risk["line"] - changed) <= 2, (risk["line"], changed)  # at the field (or its securityContext)


def test_a_containers_own_setting_overrides_the_pods(diff_json, write, tmp_path):
    """runAsNonRoot dropped from the pod while a container sets it itself: only the other
    container is weakened; a container that gives up its own setting to the pod's, which
    says the same, loses nothing."""
    own = LOCKED.replace("""        - name: proxy
          image: envoyproxy/envoy:v1.31.0
          securityContext:
""", """        - name: proxy
          image: envoyproxy/envoy:v1.31.0
          securityContext:
            runAsNonRoot: true
""")
    dropped = own.replace("        runAsNonRoot: true\n", "", 1)
    inherited = LOCKED.replace("            readOnlyRootFilesystem: true\n", "            readOnlyRootFilesystem: true\n"
                               "            runAsNonRoot: true\n")

    def messages(old_text, new_text):
        _, report = diff_json(write(tmp_path / "old.yaml", old_text), write(tmp_path / "new.yaml", new_text),
                              "--no-findings")
        return [r["message"] for r in _risks(report, "security-context-weakened")]

    assert messages(own, dropped) == ["the pods of Deployment.apps shop/api no longer set runAsNonRoot: true "
                                      "(pod securityContext; container 'api')"]
    assert messages(inherited, LOCKED) == []
