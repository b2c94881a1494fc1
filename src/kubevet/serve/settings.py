"""The ``serve:`` section of ``.kubevet.yaml``: how the webhook turns findings into verdicts.

```yaml
serve:
  mode: enforce                  # default mode: enforce | warn | off
  mode-label: kubevet.io/mode    # a Namespace (in --context) labelled with a mode uses it
  namespaces:                    # mode per namespace (glob patterns), over the default
    legacy-*: warn
    sandbox: off
  existing-findings: warn        # UPDATE: findings the old object had already: warn | deny
  on-rule-error: allow           # a rule crashed: allow (fail-open) | deny (fail-closed)
  deletion-guard:
    kinds: [PersistentVolumeClaim, Namespace, CustomResourceDefinition, Secret]
    namespaces: ["*"]            # glob patterns; a Namespace is matched by its own name
    allow-annotation: kubevet.io/allow-delete   # "true" on the object lets it go
    users: []                    # request.userInfo.username allowed to delete anyway
    groups: []                   # or any of these groups
```

Every key is checked: an unknown key or value is a configuration error (exit 2), as for
the rest of the file. The section is read only by ``kubevet serve``.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from kubevet.errors import ConfigError

MODES = ("enforce", "warn", "off")
DEFAULT_GUARDED = ("PersistentVolumeClaim", "Namespace", "CustomResourceDefinition", "Secret")
KEYS = ("mode", "mode-label", "namespaces", "existing-findings", "on-rule-error", "deletion-guard")
GUARD_KEYS = ("kinds", "namespaces", "allow-annotation", "users", "groups")


@dataclass(frozen=True)
class DeletionGuard:
    """Which deletes are refused, and who or what may delete anyway."""

    kinds: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ("*",)
    allow_annotation: str = "kubevet.io/allow-delete"
    users: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()

    def guards(self, kind: str, namespace: str | None, name: str | None) -> bool:
        """Whether a DELETE of this object is guarded (before allow-lists and annotations)."""
        if kind not in self.kinds:
            return False
        where = name if kind == "Namespace" else namespace
        if where is None:  # another cluster-scoped kind (CustomResourceDefinition): always
            return True
        return any(fnmatch.fnmatchcase(where, p) for p in self.namespaces)


@dataclass(frozen=True)
class ServeSettings:
    mode: str = "enforce"
    mode_label: str = "kubevet.io/mode"
    namespaces: tuple[tuple[str, str], ...] = ()  # (glob, mode), most specific first
    existing_findings: str = "warn"
    on_rule_error: str = "allow"
    guard: DeletionGuard = field(default_factory=DeletionGuard)

    def mode_for(self, namespace: str | None, labels: dict | None) -> tuple[str, str]:
        """(mode, where it came from) for a namespace: its label, then the config, then the default."""
        if labels:
            value = labels.get(self.mode_label)
            if value in MODES:
                return value, "label"
        if namespace is not None:
            for pattern, mode in self.namespaces:
                if fnmatch.fnmatchcase(namespace, pattern):
                    return mode, "config"
        return self.mode, "default"


def parse(raw: Any, where: str = "serve") -> ServeSettings:
    """The settings a ``serve:`` mapping describes (None: the defaults)."""
    if raw is None:
        return ServeSettings()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a map of settings")
    _known(raw, KEYS, where)
    mode = _choice(raw, "mode", MODES, "enforce", where)
    label = raw.get("mode-label", "kubevet.io/mode")
    if not isinstance(label, str) or not label:
        raise ConfigError(f"{where}.mode-label must be a label key")
    namespaces = raw.get("namespaces") or {}
    if not isinstance(namespaces, dict):
        raise ConfigError(f"{where}.namespaces maps namespace patterns to a mode")
    pairs = []
    for pattern, value in namespaces.items():
        if value not in MODES:
            raise ConfigError(f"{where}.namespaces.{pattern}: mode {value!r} is not one of {', '.join(MODES)}")
        pairs.append((str(pattern), value))
    # exact names before patterns, longer patterns before shorter ones
    pairs.sort(key=lambda p: (any(c in p[0] for c in "*?["), -len(p[0])))
    return ServeSettings(
        mode=mode,
        mode_label=label,
        namespaces=tuple(pairs),
        existing_findings=_choice(raw, "existing-findings", ("warn", "deny"), "warn", where),
        on_rule_error=_choice(raw, "on-rule-error", ("allow", "deny"), "allow", where),
        guard=_guard(raw.get("deletion-guard"), f"{where}.deletion-guard"),
    )


def _guard(raw: Any, where: str) -> DeletionGuard:
    if raw is None:
        return DeletionGuard()
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a map")
    _known(raw, GUARD_KEYS, where)
    annotation = raw.get("allow-annotation", "kubevet.io/allow-delete")
    if not isinstance(annotation, str) or not annotation:
        raise ConfigError(f"{where}.allow-annotation must be an annotation key")
    return DeletionGuard(
        kinds=_strings(raw, "kinds", where, DEFAULT_GUARDED),
        namespaces=_strings(raw, "namespaces", where, ("*",)),
        allow_annotation=annotation,
        users=_strings(raw, "users", where, ()),
        groups=_strings(raw, "groups", where, ()),
    )


def _known(raw: dict, keys: tuple[str, ...], where: str) -> None:
    unknown = sorted(str(k) for k in raw if k not in keys)
    if unknown:
        raise ConfigError(f"{where}: unknown setting{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} (known: {', '.join(keys)})")


def _choice(raw: dict, key: str, choices: tuple[str, ...], default: str, where: str) -> str:
    value = raw.get(key, default)
    if value not in choices:
        raise ConfigError(f"{where}.{key}: {value!r} is not one of {', '.join(choices)}")
    return value


def _strings(raw: dict, key: str, where: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None:
        return default
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}.{key} must be a list of strings")
    return tuple(value)

