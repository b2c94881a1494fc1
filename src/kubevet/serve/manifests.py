"""``kubevet serve --manifests``: everything a cluster needs to run the webhook.

Namespace (with its quota, limit range and default-deny network policy, as kubevet asks of
any namespace), ServiceAccount without a token, Deployment (2+ replicas spread over nodes,
distinct readiness and liveness probes, requests and limits, a restricted
securityContext), PodDisruptionBudget, NetworkPolicy letting the API server in on 8443,
Service, and the ValidatingWebhookConfiguration. The manifests scan clean with kubevet
itself and validate against the Kubernetes schemas (tests/serve/test_manifests.py).

The TLS pair comes from the Secret ``kubevet-webhook-tls`` (cert-manager, or made by hand:
docs/admission.md), and the webhook's caBundle is injected by cert-manager's CA injector
from the Certificate named in the annotation, or patched in by hand.
"""

from __future__ import annotations

import yaml

from kubevet import __version__

NAME = "kubevet-webhook"
PORT = 8443
IMAGE = f"ghcr.io/kubevet/kubevet:{__version__}-serve"  # the Dockerfile built with KUBEVET_EXTRAS=serve

# what the webhook is sent: the kinds kubevet has rules for (CREATE, UPDATE) and the kinds
# the deletion guard protects by default (DELETE); never sub-resources
JUDGED_GROUPS = ["apps", "batch", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "autoscaling"]
JUDGED_CORE = [
    "pods", "services", "configmaps", "secrets", "serviceaccounts", "namespaces", "persistentvolumeclaims",
    "resourcequotas", "limitranges", "replicationcontrollers",
]
GUARDED_CORE = ["persistentvolumeclaims", "namespaces", "secrets"]


def objects(namespace: str = "kubevet", image: str | None = None, replicas: int = 2, failure_policy: str = "Fail") -> list[dict]:
    image = image or IMAGE
    labels = {"app.kubernetes.io/name": NAME, "app.kubernetes.io/part-of": "kubevet"}
    meta = {"name": NAME, "namespace": namespace, "labels": labels}
    args = [
        "serve", "--port", str(PORT), "--workers", "2",
        "--tls-cert", "/tls/tls.crt", "--tls-key", "/tls/tls.key",
        "--config", "/config/kubevet.yaml", "--context", "/context",
    ]
    container = {
        "name": "webhook",
        "image": image,
        "imagePullPolicy": "IfNotPresent",
        "args": args,
        "ports": [{"name": "https", "containerPort": PORT, "protocol": "TCP"}],
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "https", "scheme": "HTTPS"},
            "periodSeconds": 5, "timeoutSeconds": 2, "failureThreshold": 2,
        },
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "https", "scheme": "HTTPS"},
            "initialDelaySeconds": 10, "periodSeconds": 20, "timeoutSeconds": 5, "failureThreshold": 3,
        },
        "startupProbe": {
            "httpGet": {"path": "/healthz", "port": "https", "scheme": "HTTPS"},
            "periodSeconds": 2, "timeoutSeconds": 2, "failureThreshold": 30,
        },
        "resources": {
            "requests": {"cpu": "250m", "memory": "256Mi", "ephemeral-storage": "64Mi"},
            "limits": {"cpu": "1", "memory": "512Mi", "ephemeral-storage": "128Mi"},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "volumeMounts": [
            {"name": "tls", "mountPath": "/tls", "readOnly": True},
            {"name": "config", "mountPath": "/config", "readOnly": True},
            {"name": "context", "mountPath": "/context", "readOnly": True},
            {"name": "tmp", "mountPath": "/tmp"},
        ],
    }
    select = {"matchLabels": dict(labels)}
    ns_selector = {
        "matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": ["kube-system", namespace]},
            {"key": "kubevet.io/mode", "operator": "NotIn", "values": ["off"]},
        ]
    }
    webhook_rules = [
        {"apiGroups": JUDGED_GROUPS, "apiVersions": ["*"], "resources": ["*"], "operations": ["CREATE", "UPDATE"], "scope": "*"},
        {"apiGroups": [""], "apiVersions": ["v1"], "resources": JUDGED_CORE, "operations": ["CREATE", "UPDATE"], "scope": "*"},
        {"apiGroups": [""], "apiVersions": ["v1"], "resources": GUARDED_CORE, "operations": ["DELETE"], "scope": "*"},
        {"apiGroups": ["apiextensions.k8s.io"], "apiVersions": ["v1"], "resources": ["customresourcedefinitions"], "operations": ["DELETE"], "scope": "Cluster"},
    ]
    config = "serve:\n  mode: enforce\n  deletion-guard:\n    kinds: [PersistentVolumeClaim, Namespace, CustomResourceDefinition, Secret]\n"
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": {**labels, "kubevet.io/mode": "off"}}},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {**meta, "name": "kubevet-quota"},
         "spec": {"hard": {"requests.cpu": "2", "requests.memory": "2Gi", "limits.cpu": "4", "limits.memory": "4Gi", "pods": "10"}}},
        {"apiVersion": "v1", "kind": "LimitRange", "metadata": {**meta, "name": "kubevet-limits"},
         "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"},
                              "default": {"cpu": "500m", "memory": "256Mi"}, "max": {"cpu": "2", "memory": "1Gi"}}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {**meta, "name": "default-deny"},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {**meta, "name": f"{NAME}-from-apiserver"},
         "spec": {"podSelector": select, "policyTypes": ["Ingress"],
                  # the API server is not a pod: its address differs per cluster, so the
                  # webhook port is open to any source, and nothing else is
                  "ingress": [{"ports": [{"port": PORT, "protocol": "TCP"}]}]}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta, "automountServiceAccountToken": False},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {**meta, "name": f"{NAME}-config"}, "data": {"kubevet.yaml": config}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {**meta, "name": f"{NAME}-context"},
         "data": {"README": "Put the cluster's guardrail manifests (Namespaces, quotas, policies, roles) here as *.yaml keys.\n"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": {
            "replicas": replicas,
            "selector": select,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": dict(labels)},
                "spec": {
                    "serviceAccountName": NAME,
                    "automountServiceAccountToken": False,
                    "priorityClassName": "system-cluster-critical",
                    "terminationGracePeriodSeconds": 30,
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
                                                   "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": select}],
                    "containers": [container],
                    "volumes": [
                        {"name": "tls", "secret": {"secretName": f"{NAME}-tls"}},
                        {"name": "config", "configMap": {"name": f"{NAME}-config"}},
                        {"name": "context", "configMap": {"name": f"{NAME}-context"}},
                        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                    ],
                },
            },
        }},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta,
         "spec": {"maxUnavailable": 1, "selector": select, "unhealthyPodEvictionPolicy": "AlwaysAllow"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": meta,
         "spec": {"selector": dict(labels), "ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}]}},
        {"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
         "metadata": {"name": NAME, "labels": labels, "annotations": {"cert-manager.io/inject-ca-from": f"{namespace}/{NAME}"}},
         "webhooks": [{
             "name": "validate.kubevet.io",
             "clientConfig": {"service": {"namespace": namespace, "name": NAME, "path": "/validate", "port": 443}},
             "rules": webhook_rules,
             "namespaceSelector": ns_selector,
             "sideEffects": "None",
             "admissionReviewVersions": ["v1"],
             "timeoutSeconds": 5,
             # Fail: nothing is admitted unjudged while the webhook is down (2 replicas and
             # a PDB keep it up); Ignore: availability over enforcement
             "failurePolicy": failure_policy,
             "matchPolicy": "Equivalent",
         }]},
    ]


def render(namespace: str = "kubevet", image: str | None = None, replicas: int = 2, failure_policy: str = "Fail") -> str:
    docs = objects(namespace, image, replicas, failure_policy)
    head = (
        "# kubevet admission webhook (kubevet serve --manifests); see docs/admission.md.\n"
        f"# Needs the Secret {NAME}-tls in namespace {namespace} (cert-manager or kubectl create secret tls)\n"
        "# and the webhook's caBundle (injected by cert-manager, or patched in).\n"
    )
    return head + yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
