"""kubevet: lint Kubernetes manifests, Helm charts and kustomizations before they reach a cluster."""

__version__ = "0.1.0"

# where bugs are reported (pyproject.toml's [project.urls] Issues; tests/cli check they agree)
ISSUES_URL = "https://github.com/kubevet/kubevet/issues"
