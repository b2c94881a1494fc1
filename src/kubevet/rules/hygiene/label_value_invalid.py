import re

from kubevet.findings import Finding
from kubevet.rules._base import rule

_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_NAME_RULE = "start and end with a letter or digit, with only letters, digits, '-', '_' and '.' between"

# built-in kinds whose spec.selector is a LabelSelector, and those where it is a plain map
_LABEL_SELECTOR = frozenset(
    {
        *((group, kind) for group in ("apps", "extensions") for kind in ("Deployment", "ReplicaSet", "DaemonSet")),
        ("apps", "StatefulSet"),
        ("batch", "Job"),
        ("policy", "PodDisruptionBudget"),
    }
)
_MAP_SELECTOR = frozenset({("", "Service"), ("", "ReplicationController")})


@rule(code="HYG003", name="label-value-invalid", severity="error")
def check(obj, ctx):
    """A label key or value is one the API server rejects.

    ## What it checks
    The object's `metadata.labels`, its pod template's labels, and the label maps of
    built-in selectors (`spec.selector.matchLabels` of Deployments, ReplicaSets,
    DaemonSets, StatefulSets, Jobs and PodDisruptionBudgets; the `spec.selector` of
    Services and ReplicationControllers), against the API server's validation:

    - a value is at most 63 characters, empty or starting and ending with a letter or
      digit, with only letters, digits, `-`, `_` and `.` in between;
    - a key is a name with the same rules, optionally prefixed by a DNS subdomain of at
      most 253 characters and a `/` (`app.kubernetes.io/name`);
    - a value is a string. YAML types unquoted `1.0`, `2`, `true` or `yes` as numbers and
      booleans, and the API server refuses those where it expects a string.

    Keys and values with template placeholders (`{{ .Values.tier }}`, `${VERSION}`) are
    left alone: they are judged once rendered.

    ## Why it matters
    The API server refuses the whole object, so `kubectl apply` fails in the middle of a
    rollout: the objects before it in the file are applied, the rest are not. Values
    built by templates (a Git branch name, a version with `+build` metadata, a long
    release name) pass review and fail at deploy time.

    ## Example
    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels:
        version: 1.0
        release: feature/login-page
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web, canary: yes}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Fix
    Quote values that YAML would type, and keep values to letters, digits, `-`, `_` and `.`.

    ```yaml
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      labels:
        version: "1.0"
        release: feature-login-page
    spec:
      selector:
        matchLabels: {app: web}
      template:
        metadata:
          labels: {app: web, canary: "yes"}
        spec:
          containers:
            - name: web
              image: nginx:1.27
    ```

    ## Options
    None.

    ## References
    - Labels, syntax and character set: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
    - Peers: kube-linter `schema-validation` and `kubeconform-validation` catch the
      non-string values, as type errors; no peer checks the key and value syntax.
    """
    for path in _label_maps(obj, ctx):
        labels = _get(obj.data, path)
        if not isinstance(labels, dict):
            continue
        for key, value in labels.items():
            if _templated(key) or _templated(value):
                continue
            problem = _key_problem(key)
            if problem is not None:
                yield Finding(f"label key {key!r} is invalid: {problem}", (*path, key))
            problem = _value_problem(value)
            if problem is not None:
                yield Finding(f"the value of label {key!r} is invalid: {problem}", (*path, key))


def _label_maps(obj, ctx):
    """Paths of the label maps the API server validates in this object."""
    yield ("metadata", "labels")
    template = ctx.pod_template(obj)
    if template is not None and template.path:
        yield (*template.path, "metadata", "labels")
    identity = (obj.group, obj.kind)
    if identity in _LABEL_SELECTOR:
        yield ("spec", "selector", "matchLabels")
    elif identity in _MAP_SELECTOR:
        yield ("spec", "selector")


def _templated(text) -> bool:
    """A template placeholder (``{{ .Values.x }}``, ``${VERSION}``) that is filled in later."""
    return isinstance(text, str) and ("{{" in text or "${" in text)


def _get(data, path):
    for part in path:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash:
        if "/" in prefix:
            return "it may contain only one '/'"
        if not prefix:
            return "the prefix before '/' is empty"
        if len(prefix) > 253:
            return "the prefix before '/' is longer than 253 characters"
        if not _DNS_SUBDOMAIN.fullmatch(prefix):
            return "the prefix before '/' must be a DNS subdomain: lowercase letters, digits, '-' and '.'"
    if not name:
        return "the name is empty"
    if len(name) > 63:
        return f"the name is {len(name)} characters long, more than 63"
    if not _NAME.fullmatch(name):
        return f"the name must {_NAME_RULE}"
    return None


def _value_problem(value) -> str | None:
    if value is None:  # JSON null: the API server stores an empty value
        return None
    if isinstance(value, bool):
        return "YAML reads it as a boolean, and the API server takes only strings: quote it"
    if isinstance(value, (int, float)):
        return "YAML reads it as a number, and the API server takes only strings: quote it"
    if not isinstance(value, str):
        return "it must be a string"
    if len(value) > 63:
        return f"it is {len(value)} characters long, more than 63"
    if value and not _NAME.fullmatch(value):
        return f"it must be empty or {_NAME_RULE}"
    return None
