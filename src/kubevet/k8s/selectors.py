"""Label selectors evaluated as Kubernetes evaluates them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def label_text(value: Any) -> str:
    """A label value as a string (YAML may have typed an unquoted one)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def matches_map(selector: Mapping[str, Any], labels: Mapping[str, Any]) -> bool:
    """A Service-style selector: every key=value must be among the labels."""
    if not isinstance(selector, dict) or not isinstance(labels, dict):
        return False
    for key, value in selector.items():
        if key not in labels or label_text(labels[key]) != label_text(value):
            return False
    return True


def matches(selector: Any, labels: Mapping[str, Any], empty_matches_all: bool = True) -> bool:
    """Evaluate a metav1.LabelSelector (matchLabels AND matchExpressions).

    A null selector selects nothing, and so does an invalid one (an unknown operator, In or
    NotIn without values, Exists or DoesNotExist with values): Kubernetes fails to convert
    it and matches no pod. An empty one selects everything, except where the API gives it
    the opposite meaning (policy/v1beta1 PodDisruptionBudgets): pass
    ``empty_matches_all=False`` there.
    """
    if not isinstance(selector, dict):
        return False
    # a wrongly typed part is schema-invalid's finding; here it selects nothing, never crashes
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not isinstance(match_labels, dict) or not isinstance(expressions, list):
        return False
    if not match_labels and not expressions:
        return empty_matches_all
    if isinstance(match_labels, dict) and not matches_map(match_labels, labels):
        return False
    if isinstance(expressions, list):
        for expr in expressions:
            if not isinstance(expr, dict) or not _expression(expr, labels):
                return False
    return True


def _expression(expr: dict, labels: Mapping[str, Any]) -> bool:
    key = expr.get("key")
    op = expr.get("operator")
    values = expr.get("values") or []
    if not isinstance(values, list) or not isinstance(key, str):
        return False  # the API server cannot convert such a requirement: it selects nothing
    values = {label_text(v) for v in values}
    if (op in ("In", "NotIn") and not values) or (op in ("Exists", "DoesNotExist") and values):
        return False  # an invalid requirement: Kubernetes cannot convert the selector
    present = key in labels
    if op == "In":
        return present and label_text(labels[key]) in values
    if op == "NotIn":
        return not present or label_text(labels[key]) not in values
    if op == "Exists":
        return present
    if op == "DoesNotExist":
        return not present
    return False  # an unknown operator: the API server rejects the object


def is_empty(selector: Any) -> bool:
    return isinstance(selector, dict) and not selector.get("matchLabels") and not selector.get("matchExpressions")
