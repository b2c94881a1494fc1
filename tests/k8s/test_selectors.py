"""Label selectors evaluated exactly as Kubernetes evaluates them (metav1.LabelSelectorAsSelector)."""

from __future__ import annotations

import pytest

from kubevet.k8s.selectors import is_empty, label_text, matches, matches_map

POD = {"app": "web", "tier": "frontend", "track": "stable"}


def expr(key, operator, *values):
    e = {"key": key, "operator": operator}
    if values:
        e["values"] = list(values)
    return e


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ({"app": "web"}, True),
        ({"app": "web", "tier": "frontend"}, True),
        ({}, True),  # a Service-style map with no key asks for nothing
        ({"app": "api"}, False),
        ({"app": "web", "release": "1"}, False),  # every key must be present
    ],
)
def test_matches_map(selector, expected):
    assert matches_map(selector, POD) is expected


def test_label_text_types_values_as_strings():
    assert label_text("web") == "web"
    assert label_text(True) == "true"
    assert label_text(3) == "3"
    assert label_text(None) == ""


class TestNullAndEmpty:
    def test_null_selects_nothing(self):
        assert not matches(None, POD)
        assert not matches(None, {})

    def test_empty_selects_everything(self):
        assert matches({}, POD)
        assert matches({}, {})
        assert matches({"matchLabels": {}, "matchExpressions": []}, POD)

    def test_empty_selects_nothing_where_the_api_says_so(self):
        # policy/v1beta1 PodDisruptionBudgets
        assert not matches({}, POD, empty_matches_all=False)
        assert not matches({"matchLabels": {}}, POD, empty_matches_all=False)

    def test_non_empty_is_unaffected_by_empty_matches_all(self):
        assert matches({"matchLabels": {"app": "web"}}, POD, empty_matches_all=False)

    def test_is_empty(self):
        assert is_empty({})
        assert is_empty({"matchLabels": {}, "matchExpressions": []})
        assert not is_empty({"matchLabels": {"app": "web"}})
        assert not is_empty({"matchExpressions": [expr("app", "Exists")]})
        assert not is_empty(None)


class TestMatchLabels:
    def test_subset_of_the_labels(self):
        assert matches({"matchLabels": {"app": "web"}}, POD)

    def test_every_pair_must_hold(self):
        assert not matches({"matchLabels": {"app": "web", "tier": "backend"}}, POD)
        assert not matches({"matchLabels": {"app": "web", "release": "v1"}}, POD)

    def test_values_compare_as_strings(self):
        assert matches({"matchLabels": {"enabled": "true"}}, {"enabled": True})


class TestMatchExpressions:
    @pytest.mark.parametrize(
        ("requirement", "expected"),
        [
            (expr("app", "In", "web", "api"), True),
            (expr("app", "In", "api"), False),
            (expr("release", "In", "v1"), False),  # In needs the label
            (expr("app", "NotIn", "api"), True),
            (expr("app", "NotIn", "web", "api"), False),
            (expr("release", "NotIn", "v1"), True),  # an absent label is not in any set
            (expr("app", "Exists"), True),
            (expr("release", "Exists"), False),
            (expr("release", "DoesNotExist"), True),
            (expr("app", "DoesNotExist"), False),
        ],
    )
    def test_operators(self, requirement, expected):
        assert matches({"matchExpressions": [requirement]}, POD) is expected

    def test_expressions_are_anded(self):
        both = [expr("app", "In", "web"), expr("track", "NotIn", "canary")]
        assert matches({"matchExpressions": both}, POD)
        one_fails = [expr("app", "In", "web"), expr("track", "In", "canary")]
        assert not matches({"matchExpressions": one_fails}, POD)

    def test_match_labels_and_expressions_are_anded(self):
        selector = {"matchLabels": {"app": "web"}, "matchExpressions": [expr("tier", "In", "frontend")]}
        assert matches(selector, POD)
        selector["matchExpressions"] = [expr("tier", "In", "backend")]
        assert not matches(selector, POD)
        selector = {"matchLabels": {"app": "api"}, "matchExpressions": [expr("tier", "In", "frontend")]}
        assert not matches(selector, POD)


class TestInvalidSelectorsMatchNothing:
    """Kubernetes fails to convert an invalid selector; every caller then matches no pod."""

    @pytest.mark.parametrize(
        "requirement",
        [
            expr("release", "In"),  # In and NotIn need values
            expr("release", "NotIn"),
            {"key": "release", "operator": "NotIn", "values": []},
            expr("app", "Exists", "web"),  # Exists and DoesNotExist take none
            expr("release", "DoesNotExist", "v1"),
            expr("app", "in", "web"),  # operators are case-sensitive
            expr("app", "Equals", "web"),  # not a LabelSelector operator
            "app in (web)",  # not a requirement at all
        ],
    )
    def test_invalid_requirement(self, requirement):
        assert not matches({"matchExpressions": [requirement]}, POD)

    def test_one_invalid_requirement_spoils_the_selector(self):
        selector = {"matchLabels": {"app": "web"}, "matchExpressions": [expr("track", "NotIn")]}
        assert not matches(selector, POD)

    def test_not_a_mapping(self):
        assert not matches("app=web", POD)
        assert not matches(["app"], POD)
