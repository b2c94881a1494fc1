from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kubevet.findings import Finding, Severity
from kubevet.k8s.workloads import PodTemplate, containers
from kubevet.rules._base import WORKLOADS, Option, RuleContext, namespace_of, rule

_DATA_FIELDS = {"ConfigMap": ("data", "binaryData"), "Secret": ("data", "stringData")}
HOOK = "helm.sh/hook"
_NAME_TOKEN = re.compile(r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?")


def _keep(obj, ctx) -> str | dict:
    """Of a ConfigMap or Secret only the names of its keys matter: keep those, not the
    values (they can be megabytes)."""
    fields = _DATA_FIELDS.get(obj.kind) if obj.group == "" else None
    if fields is None:
        return "full"
    return {
        field: dict.fromkeys(k for k in obj.data[field] if isinstance(k, str))
        for field in fields
        if isinstance(obj.data.get(field), dict)
    }


@rule(
    code="HYG010",
    name="config-reference-missing",
    severity="error",
    kinds=(WORKLOADS, "ConfigMap", "Secret"),
    scope="cluster",
    retain=_keep,
    options=[
        Option(
            "missing-objects",
            True,
            "Also report references to a ConfigMap or Secret the scan does not define, when "
            "the scan defines objects of that kind in the namespace. false: report only keys "
            "missing from objects the scan defines.",
        )
    ],
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    """A pod reads a ConfigMap or Secret, or a key of one, that does not exist.

    ## What it checks
    Every reference a pod template makes to a ConfigMap or Secret of its namespace:
    `env[].valueFrom.configMapKeyRef` and `secretKeyRef`, `envFrom[].configMapRef` and
    `secretRef` (in every container, init and ephemeral ones included), and `configMap`,
    `secret` and `projected` volumes with their `items`. References marked
    `optional: true` are left alone.

    - A key the referenced object does not have (`data` and `binaryData` of a ConfigMap,
      `data` and `stringData` of a Secret) is an error.
    - A ConfigMap or Secret the scan (with `--context`) does not define is a warning, and
      only when the scan defines other objects of that kind in that namespace: a namespace
      whose Secrets are managed elsewhere (an external secrets operator, a sealed-secrets
      controller, a platform repository) is not reported for every reference. Nor is
      one that a Helm hook Job of the same render names in its command, arguments or
      environment (`--secret-name=web-admission`, as certificate generators do): the
      hook creates it at install time, before the pods start.

    ## Why it matters
    The kubelet cannot start a container whose environment names a missing ConfigMap,
    Secret or key: the pod sits in `CreateContainerConfigError`, and a missing volume
    source keeps it in `ContainerCreating`. The rollout stalls with the old pods still
    running, or, for a new workload, nothing ever runs; a typo in a key name is enough.

    ## Example
    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: api-settings
    data:
      LOG_LEVEL: info
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: api
    spec:
      containers:
        - name: api
          image: example/api:1.4.2
          env:
            - name: LOG_LEVEL
              valueFrom:
                configMapKeyRef:
                  name: api-settings
                  key: log-level
    ```

    ## Fix
    Name a key (and an object) that exists, or mark the reference `optional: true` when
    the container copes without it.

    ```yaml
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: api-settings
    data:
      LOG_LEVEL: info
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: api
    spec:
      containers:
        - name: api
          image: example/api:1.4.2
          env:
            - name: LOG_LEVEL
              valueFrom:
                configMapKeyRef:
                  name: api-settings
                  key: LOG_LEVEL
    ```

    ## Options
    - `missing-objects` (bool, default `true`): set to `false` to report only missing keys
      of objects the scan defines.

    ## References
    - ConfigMaps as environment variables and volumes: https://kubernetes.io/docs/concepts/configuration/configmap/
    - Secrets, optional references: https://kubernetes.io/docs/concepts/configuration/secret/#restriction-secret-must-exist
    - Peers: kube-linter `env-value-from` (it does not look at volumes or envFrom, and
      reports references to objects outside the scan whatever the namespace holds).
    """
    known: dict[tuple[str, str, str], Any] = {}
    kinds_present: set[tuple[str, str]] = set()
    looked_up: set[str] = set()  # namespaces whose ConfigMaps and Secrets are in known
    report_missing = ctx.option("missing-objects")
    made_by_hooks = _named_by_hooks(ctx)
    for obj, template in ctx.judged_workloads():
        if obj.unjudged:
            continue
        ns = namespace_of(obj)
        if ns not in looked_up:  # only the namespaces of judged workloads are read
            looked_up.add(ns)
            for kind in _DATA_FIELDS:
                for target in ctx.objects(kind, ns):
                    if target.group == "" and target.name:
                        known[(kind, ns, target.name)] = target
                        kinds_present.add((kind, ns))
        for kind, name, keys, path in _references(template):
            target = known.get((kind, ns, name))
            if target is None:
                hooked = name in made_by_hooks.get((_render_of(obj), ns), ())
                if report_missing and (kind, ns) in kinds_present and not hooked:
                    f = ctx.finding(obj, f"{kind} {name!r} is not defined in namespace {ns!r}", path)
                    f.default_severity = Severity.WARNING
                    yield f
                continue
            have = _keys(target)
            for key, key_path in keys:
                if key not in have:
                    listed = ", ".join(sorted(have)) or "none"
                    yield ctx.finding(obj, f"{kind} {name!r} has no key {key!r} (its keys: {listed})", key_path)


def _named_by_hooks(ctx: RuleContext) -> dict[tuple[Any, str], set[str]]:
    """Names that the Helm hook Jobs of each render (None: plain manifests) and namespace mention in their
    containers' command, arguments and environment values: what they may create."""
    found: dict[tuple[Any, str], set[str]] = {}
    for obj in ctx.objects("Job"):
        template = ctx.pod_template(obj)
        if template is None or not isinstance(obj.annotations.get(HOOK), str):
            continue
        names = found.setdefault((_render_of(obj), namespace_of(obj)), set())
        for c in containers(template):
            words = [w for field in ("command", "args") for w in _strings(c.data.get(field))]
            env = c.data.get("env")
            words += [v.get("value") for v in (env if isinstance(env, list) else ()) if isinstance(v, dict)]
            for word in words:
                if isinstance(word, str):
                    names.update(_NAME_TOKEN.findall(word))
    return found


def _render_of(obj) -> Any:
    """The render (a chart with one set of values) an object comes from; None for plain
    manifests, whose hooks count namespace-wide."""
    return getattr(obj.doc.source, "render", None)


def _strings(value: Any) -> list:
    return value if isinstance(value, list) else []


def _keys(obj) -> set[str]:
    keys: set[str] = set()
    for field in _DATA_FIELDS[obj.kind]:
        values = obj.data.get(field)
        if isinstance(values, dict):
            keys.update(k for k in values if isinstance(k, str))
    return keys


Reference = tuple[str, str, list[tuple[str, tuple]], tuple]  # kind, name, (key, path)s, name's path


def _references(template: PodTemplate) -> Iterator[Reference]:
    """Every non-optional ConfigMap and Secret reference of the pod, with its keys."""
    for c in containers(template):
        env = c.data.get("env")
        for i, var in enumerate(env if isinstance(env, list) else ()):
            source = var.get("valueFrom") if isinstance(var, dict) else None
            if not isinstance(source, dict):
                continue
            for field, kind in (("configMapKeyRef", "ConfigMap"), ("secretKeyRef", "Secret")):
                ref = source.get(field)
                path = (*c.path, "env", i, "valueFrom", field)
                if _required(ref, "name"):
                    key = ref.get("key")
                    keys = [(key, (*path, "key"))] if isinstance(key, str) else []
                    yield kind, ref["name"], keys, (*path, "name")
        env_from = c.data.get("envFrom")
        for i, item in enumerate(env_from if isinstance(env_from, list) else ()):
            for field, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                ref = item.get(field) if isinstance(item, dict) else None
                if _required(ref, "name"):
                    yield kind, ref["name"], [], (*c.path, "envFrom", i, field, "name")
    volumes = template.spec.get("volumes")
    for i, volume in enumerate(volumes if isinstance(volumes, list) else ()):
        if not isinstance(volume, dict):
            continue
        base = (*template.spec_path, "volumes", i)
        for field, kind, name_field in (("configMap", "ConfigMap", "name"), ("secret", "Secret", "secretName")):
            ref = volume.get(field)
            if _required(ref, name_field):
                yield kind, ref[name_field], _item_keys(ref, (*base, field)), (*base, field, name_field)
        projected = volume.get("projected")
        sources = projected.get("sources") if isinstance(projected, dict) else None
        for j, source in enumerate(sources if isinstance(sources, list) else ()):
            for field, kind in (("configMap", "ConfigMap"), ("secret", "Secret")):
                ref = source.get(field) if isinstance(source, dict) else None
                path = (*base, "projected", "sources", j, field)
                if _required(ref, "name"):
                    yield kind, ref["name"], _item_keys(ref, path), (*path, "name")


def _required(ref: Any, name_field: str) -> bool:
    return isinstance(ref, dict) and isinstance(ref.get(name_field), str) and ref.get("optional") is not True


def _item_keys(ref: dict, path: tuple) -> list[tuple[str, tuple]]:
    items = ref.get("items")
    return [
        (item["key"], (*path, "items", k, "key"))
        for k, item in enumerate(items if isinstance(items, list) else ())
        if isinstance(item, dict) and isinstance(item.get("key"), str)
    ]
