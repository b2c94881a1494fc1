"""Evaluate exported policies on an object as the API server would, with a real CEL engine
(the Rust ``cel`` crate through common-expression-language, as kubevet.schema.cel uses).

``admit(policy, obj)`` follows the order of Kubernetes' ValidatingAdmissionPolicy:
matchConstraints (the kind's resource and the operation), then every matchCondition (one
false: the policy does not apply), then the variables in order, then each validation;
a validation that is false fails the object with its messageExpression (or message).
An expression that cannot be evaluated raises ``CelError``: with ``failurePolicy: Fail``
the API server would refuse the object, so an equivalence test must never meet one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from kubevet.policy.catalog import RESOURCES


class CelError(Exception):
    pass


@dataclass
class Outcome:
    matched: bool  # the policy applies to the object
    allowed: bool
    messages: list[str] = field(default_factory=list)


@lru_cache(maxsize=2048)
def _program(text: str):
    from kubevet.schema.cel import engine

    found = engine()
    if found is None:
        raise CelError("the CEL engine (common-expression-language) is not installed")
    cel, _, _ = found
    try:
        return cel.compile(text)
    except Exception as exc:  # noqa: BLE001 - the crate raises several types
        raise CelError(f"cannot compile {text!r}: {exc}") from None


def _run(text: str, activation: dict):
    import cel as cel_module  # noqa: F401 - engine() imported it

    from kubevet.schema.cel import engine

    _, context, _ = engine()
    for name, value in activation.items():
        context.add_variable(name, value)
    try:
        return _program(text).execute(context)
    except Exception as exc:  # noqa: BLE001
        raise CelError(f"evaluating {text[:120]!r}... failed: {type(exc).__name__}: {exc}") from None


def _matches_constraints(policy: dict, obj: dict, operation: str) -> bool:
    found = RESOURCES.get(obj.get("kind"))
    if found is None:
        return False
    group, version, resource = found
    api_version = obj.get("apiVersion", "")
    obj_group, _, obj_version = api_version.rpartition("/")
    if (obj_group, obj_version) != (group, version):
        return False
    for rule in policy["spec"]["matchConstraints"]["resourceRules"]:
        if (group in rule["apiGroups"] or "*" in rule["apiGroups"]) and \
           (version in rule["apiVersions"] or "*" in rule["apiVersions"]) and \
           (resource in rule["resources"] or "*" in rule["resources"]) and \
           (operation in rule["operations"] or "*" in rule["operations"]):
            return True
    return False


def as_admitted(value):
    """The object as the API server hands it to CEL: a null field of a manifest is decoded
    as unset and never reaches admission (the Python rules read null as unset too)."""
    if isinstance(value, dict):
        return {k: as_admitted(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [as_admitted(v) if v is not None else {} for v in value]
    return value


def admit(policy: dict, obj: dict, operation: str = "CREATE", namespace: str | None = None) -> Outcome:
    obj = as_admitted(obj)
    if not _matches_constraints(policy, obj, operation):
        return Outcome(False, True)
    meta = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    request = {
        "operation": operation,
        "namespace": namespace if namespace is not None else (meta.get("namespace") or ""),
        "name": meta.get("name") or "",
        "kind": {"group": RESOURCES[obj["kind"]][0], "version": RESOURCES[obj["kind"]][1], "kind": obj["kind"]},
    }
    activation = {"object": obj, "oldObject": None, "request": request, "params": None}
    spec = policy["spec"]
    for condition in spec.get("matchConditions") or []:
        result = _run(condition["expression"], {**activation, "variables": {}})
        if not isinstance(result, bool):
            raise CelError(f"matchCondition {condition['name']} gave {result!r}, not a boolean")
        if not result:
            return Outcome(False, True)
    variables: dict = {}
    for variable in spec.get("variables") or []:
        variables[variable["name"]] = _run(variable["expression"], {**activation, "variables": variables})
    activation["variables"] = variables
    messages = []
    for validation in spec["validations"]:
        result = _run(validation["expression"], activation)
        if not isinstance(result, bool):
            raise CelError(f"validation gave {result!r}, not a boolean")
        if result:
            continue
        message = validation.get("message", "")
        if validation.get("messageExpression"):
            text = _run(validation["messageExpression"], activation)
            if isinstance(text, str) and text.strip():
                message = text
        messages.append(message)
    return Outcome(True, not messages, messages)
