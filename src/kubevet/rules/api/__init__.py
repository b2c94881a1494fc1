"""API lifecycle rules: API versions deprecated or removed in the target Kubernetes release."""
