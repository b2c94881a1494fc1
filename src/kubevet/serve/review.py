"""AdmissionReview in, AdmissionReview out: the webhook's verdicts, without any HTTP.

``review(body, judge, settings, context)`` takes the request body's parsed JSON and returns
a ``Verdict``: the response to send (HTTP status, the AdmissionReview or an error text) and
what the log line and the metrics say about it. Shapes follow the Kubernetes API reference
(admission.k8s.io/v1 AdmissionReview).

- CREATE and UPDATE are judged like a scan. Findings at or above the configuration's
  fail-on level deny (403, one line per finding: code, rule, field path, what and the fix);
  the other warnings and errors go to ``response.warnings``, which kubectl prints.
- UPDATE: a finding the old object already had is a warning, not a denial, unless
  ``serve.existing-findings: deny``.
- An object made by a controller (an ownerReference with ``controller: true``: the Pods of
  a ReplicaSet) gets warnings only: its owner was judged when it was admitted.
- Modes per namespace: ``enforce``, ``warn`` (everything becomes a warning), ``off``.
- A Namespace being created gets the findings of cross-object rules (no quota, no
  LimitRange, no default-deny policy in it) as warnings: it cannot hold them yet.
- Sub-resources (status, scale ...) and kinds no rule judges are allowed at once.
- DELETE goes through the deletion guard; CONNECT is allowed.
- ``request.dryRun`` is judged the same and flagged, so it is not counted as enforcement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kubevet.findings import Finding, Severity, format_path
from kubevet.groups import group
from kubevet.serve.judge import Judge, identity
from kubevet.serve.settings import ServeSettings

API_VERSION = "admission.k8s.io/v1"
# the API server keeps at most 4096 characters of warnings per response and may truncate
# a warning over 256 characters: stay inside both, and say how many more there are
WARNING_LENGTH = 256
WARNINGS_TOTAL = 4000
MAX_DENIALS_LISTED = 10


class BadRequest(Exception):
    """The body is not an AdmissionReview we can answer: HTTP 400 with this text."""


@dataclass
class Verdict:
    status: int = 200  # HTTP status
    body: dict | None = None  # the AdmissionReview to send back
    error: str | None = None  # plain-text error (status 400) when there is no review to answer
    # for the log line and metrics
    uid: str | None = None
    operation: str = ""
    kind: str = ""
    namespace: str | None = None
    name: str | None = None
    user: str | None = None
    mode: str = ""
    verdict: str = "error"  # allowed | warned | denied | error
    reason: str = ""  # why, in a word: findings, clean, off, subresource, no-rules, guard, ...
    dry_run: bool = False
    findings: list[dict] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    audit: dict | None = None  # deletion guard decisions

    def log(self) -> dict[str, Any]:
        line = {
            "uid": self.uid,
            "operation": self.operation,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "user": self.user,
            "mode": self.mode,
            "verdict": self.verdict,
            "reason": self.reason,
            "dryRun": self.dry_run,
            "findings": self.findings,
        }
        if self.crashes:
            line["crashes"] = self.crashes
        if self.audit is not None:
            line["audit"] = self.audit
        if self.error:
            line["error"] = self.error
        return line


def review(body: Any, judge: Judge, settings: ServeSettings, context=None) -> Verdict:
    """Answer one AdmissionReview (the parsed request body)."""
    v = Verdict()
    try:
        request = _request(body)
    except BadRequest as exc:
        v.status, v.error, v.reason = 400, str(exc), "bad-request"
        return v
    v.uid = request["uid"]
    kind = request.get("kind")
    v.kind = kind.get("kind", "") if isinstance(kind, dict) else ""
    v.operation = request.get("operation") if isinstance(request.get("operation"), str) else ""
    v.namespace = request.get("namespace") if isinstance(request.get("namespace"), str) and request.get("namespace") else None
    v.name = request.get("name") if isinstance(request.get("name"), str) and request.get("name") else None
    user = request.get("userInfo")
    v.user = user.get("username") if isinstance(user, dict) and isinstance(user.get("username"), str) else None
    v.dry_run = request.get("dryRun") is True
    sub = request.get("subResource")
    if v.operation not in ("CREATE", "UPDATE", "DELETE", "CONNECT"):
        return _refuse(v, 400, f"request.operation {v.operation!r} is not CREATE, UPDATE, DELETE or CONNECT", "bad-request")
    if not v.kind:
        return _refuse(v, 400, "request.kind.kind is missing", "bad-request")
    if isinstance(sub, str) and sub:
        return _allow(v, "subresource")
    if v.operation == "CONNECT":
        return _allow(v, "connect")
    if v.operation == "DELETE":
        return _delete(v, request, settings)

    obj = request.get("object")
    if not isinstance(obj, dict):
        return _refuse(v, 400, f"request.object is missing or not an object on {v.operation}", "bad-request")
    old = request.get("oldObject")
    if v.operation == "UPDATE" and not isinstance(old, dict):
        return _refuse(v, 400, "request.oldObject is missing or not an object on UPDATE", "bad-request")
    if v.name is None:
        meta = obj.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        v.name = name if isinstance(name, str) else None

    labels = None
    if context is not None:
        own = v.name if v.kind == "Namespace" else v.namespace
        labels = context.namespace_labels.get(own) if own else None
    if v.kind == "Namespace":  # a namespace being created or changed carries its own label
        meta = obj.get("metadata")
        own_labels = meta.get("labels") if isinstance(meta, dict) else None
        if isinstance(own_labels, dict) and own_labels.get(settings.mode_label):
            labels = own_labels
    v.mode, _ = settings.mode_for(v.name if v.kind == "Namespace" else v.namespace, labels)
    if v.mode == "off":
        return _allow(v, "off")
    if not judge.has_rules_for(v.kind):
        return _allow(v, "no-rules")

    state = context.state if context is not None else None
    found = judge.judge(_placed(obj, v.namespace), state)
    v.crashes = found.crashes
    before: set = set()
    if v.operation == "UPDATE" and settings.existing_findings == "warn":
        before = {identity(f) for f in judge.judge(_placed(old, v.namespace), state).findings}

    # a Pod of a ReplicaSet, a ReplicaSet of a Deployment: judged through its owner, whose
    # own admission decided; denying it here would only stall a rollout already admitted
    owned = _controlled(obj)
    # a Namespace being created cannot hold its quota, LimitRange or NetworkPolicies yet:
    # what the cross-object rules miss in it is for the next requests to add (or --context)
    new_namespace = v.kind == "Namespace" and v.operation == "CREATE"
    fail_on = max(judge.config.fail_on, Severity.WARNING)
    denials: list[Finding] = []
    warned: list[Finding] = []
    notes: dict[int, str] = {}
    for f in found.findings:
        existing = identity(f) in before
        entry = {"code": f.code, "rule": f.rule, "severity": str(f.severity), "path": _where(f), "message": f.message}
        if existing:
            entry["existing"] = True
        v.findings.append(entry)
        not_yet = new_namespace and _cross_object(f)
        if v.mode == "enforce" and f.severity >= fail_on and not existing and not owned and not not_yet:
            denials.append(f)
        else:
            note = ""
            if existing and f.severity >= fail_on:
                note = " (already there before this change)"
            elif not_yet and f.severity >= fail_on:
                note = " (not denied: a new namespace cannot hold it yet; create it next)"
            warned.append(f)
            notes[id(f)] = note
    # what the client reads is one line per cause, as kubevet scan reports it (kubevet.groups)
    # (findings with different notes are not joined: each keeps what it says about itself)
    denials = group(denials)
    by_note: dict[str, list[Finding]] = {}
    for f in warned:
        by_note.setdefault(notes[id(f)], []).append(f)
    order = {id(f): i for i, f in enumerate(warned)}  # the judge's order, by each one's first member
    joined = sorted(((f, note) for note, fs in by_note.items() for f in group(fs)),
                    key=lambda pair: min(order[id(m)] for m in (pair[0].members or (pair[0],))))
    warnings = [f"{_named(f)}: {_where(f)}: {f.message}{note}" for f, note in joined]
    for crash in found.crashes:
        policy = "allowed (fail-open)" if settings.on_rule_error == "allow" else "denied (fail-closed)"
        warnings.insert(0, f"kubevet internal error, {policy}: {crash}")

    response: dict[str, Any] = {"uid": v.uid, "allowed": True}
    if denials or (found.crashes and settings.on_rule_error == "deny"):
        response["allowed"] = False
        response["status"] = {"code": 403, "reason": "Forbidden", "message": _denial_message(v, denials, found.crashes)}
        v.verdict, v.reason = "denied", "findings" if denials else "rule-error"
    elif warnings:
        v.verdict, v.reason = "warned", "findings" if v.findings else "rule-error"
    else:
        v.verdict, v.reason = "allowed", "clean"
    if warnings:
        response["warnings"] = limit_warnings(warnings)
    v.body = {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": response}
    return v


def _request(body: Any) -> dict:
    if not isinstance(body, dict):
        raise BadRequest("the body is not a JSON object (an AdmissionReview)")
    if body.get("kind") != "AdmissionReview":
        raise BadRequest(f"kind is {body.get('kind')!r}, not AdmissionReview")
    if body.get("apiVersion") != API_VERSION:
        raise BadRequest(f"apiVersion is {body.get('apiVersion')!r}; kubevet answers {API_VERSION} only (admissionReviewVersions: [v1])")
    request = body.get("request")
    if not isinstance(request, dict):
        raise BadRequest("request is missing or not an object")
    uid = request.get("uid")
    if not isinstance(uid, str) or not uid:
        raise BadRequest("request.uid is missing: the response must echo it")
    return request


def _placed(obj: dict, namespace: str | None) -> dict:
    """The object as it lands: in the request's namespace when it names none itself."""
    meta = obj.get("metadata")
    if namespace and isinstance(meta, dict) and not meta.get("namespace"):
        obj = {**obj, "metadata": {**meta, "namespace": namespace}}
    return obj


def _controlled(obj: dict) -> bool:
    meta = obj.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, dict) else None
    return isinstance(refs, list) and any(isinstance(r, dict) and r.get("controller") is True for r in refs)


def _cross_object(f: Finding) -> bool:
    """Whether the finding's rule judges an object by what is around it (scope cluster),
    other than the schema's (which judge the object itself, with the CRDs of the context)."""
    from kubevet.rules import lookup

    rule = lookup(f.rule)
    return rule.scope == "cluster" and rule.category != "schema"


def _where(f: Finding) -> str:
    return f.named_path or format_path(f.path) or "(object)"


def _named(f: Finding) -> str:
    """``RES001 cpu-request-missing``; for findings of one cause joined, the group and the
    codes of its rules (``GRP001 resources-unset (RES001, RES002, RES003)``), which a
    suppression or a --select may name."""
    if not f.members:
        return f"{f.code} {f.rule}"
    codes = sorted({m.code for m in f.members})
    return f"{f.code} {f.rule} ({', '.join(codes)})"


def _denial_message(v: Verdict, denials: list[Finding], crashes: list[str]) -> str:
    what = f"{v.kind} {v.namespace + '/' if v.namespace else ''}{v.name or '<unnamed>'}"
    parts = []
    for f in denials[:MAX_DENIALS_LISTED]:
        from kubevet.rules import lookup_named

        fix = lookup_named(f.rule).help
        parts.append(f"{_named(f)} at {_where(f)}: {f.message}" + (f" (fix: {fix})" if fix else ""))
    if len(denials) > MAX_DENIALS_LISTED:
        parts.append(f"and {len(denials) - MAX_DENIALS_LISTED} more (kubevet scan lists them all)")
    if not denials and crashes:
        parts.append(f"a rule failed and serve.on-rule-error is deny: {crashes[0]}")
    return f"kubevet denied {what}: " + "; ".join(_one_line(p) for p in parts)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def limit_warnings(warnings: list[str]) -> list[str]:
    """At most WARNING_LENGTH characters each and WARNINGS_TOTAL in all; the rest summarised."""
    out: list[str] = []
    total = 0
    for i, w in enumerate(warnings):
        w = _one_line(w)
        if len(w) > WARNING_LENGTH:
            w = w[: WARNING_LENGTH - 3] + "..."
        left = len(warnings) - i
        summary = f"kubevet: {left} more warning{'s' if left != 1 else ''} not shown (kubevet scan lists them all)"
        if total + len(w) + len(summary) > WARNINGS_TOTAL and i < len(warnings) - 1:
            out.append(summary)
            return out
        out.append(w)
        total += len(w)
    return out


def _allow(v: Verdict, reason: str) -> Verdict:
    v.verdict, v.reason = "allowed", reason
    v.body = {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": {"uid": v.uid, "allowed": True}}
    return v


def _refuse(v: Verdict, code: int, message: str, reason: str) -> Verdict:
    """A well-formed review that refuses a request we cannot judge (the uid is known)."""
    v.verdict, v.reason, v.error = "denied", reason, message
    status = {"code": code, "reason": "BadRequest" if code == 400 else "Forbidden", "message": f"kubevet: {message}"}
    v.body = {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": {"uid": v.uid, "allowed": False, "status": status}}
    return v


def _delete(v: Verdict, request: dict, settings: ServeSettings) -> Verdict:
    """The deletion guard: refuse DELETE of guarded kinds unless annotated or allow-listed."""
    guard = settings.guard
    v.mode = "guard"
    old = request.get("oldObject")
    if not guard.guards(v.kind, v.namespace, v.name):
        v.audit = {"guarded": False}
        return _allow(v, "not-guarded")
    user = request.get("userInfo") if isinstance(request.get("userInfo"), dict) else {}
    groups = [g for g in user.get("groups") or [] if isinstance(g, str)]
    annotations = {}
    if isinstance(old, dict) and isinstance(old.get("metadata"), dict):
        found = old["metadata"].get("annotations")
        annotations = found if isinstance(found, dict) else {}
    v.audit = {"guarded": True, "groups": groups}
    if annotations.get(guard.allow_annotation) == "true":
        v.audit["allowedBy"] = f"annotation {guard.allow_annotation}"
        return _allow(v, "guard-annotation")
    if v.user in guard.users:
        v.audit["allowedBy"] = f"user {v.user}"
        return _allow(v, "guard-user")
    allowed_group = next((g for g in groups if g in guard.groups), None)
    if allowed_group is not None:
        v.audit["allowedBy"] = f"group {allowed_group}"
        return _allow(v, "guard-group")
    what = f"{v.kind} {v.namespace + '/' if v.namespace else ''}{v.name or '<unnamed>'}"
    message = (
        f"kubevet deletion guard: deleting {what} is refused; annotate it "
        f"{guard.allow_annotation}=true first (kubectl annotate) if the deletion is intended"
    )
    v.verdict, v.reason = "denied", "guard"
    v.audit["refused"] = True
    status = {"code": 403, "reason": "Forbidden", "message": message}
    v.body = {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": {"uid": v.uid, "allowed": False, "status": status}}
    return v
