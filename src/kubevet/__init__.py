"""kubevet: lint Kubernetes manifests, Helm charts and kustomizations before they reach a cluster."""

__version__ = "0.1.0"
