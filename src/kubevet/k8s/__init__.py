"""Kubernetes semantics that rules share: pod templates, selectors, quantities."""
