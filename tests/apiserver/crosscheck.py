"""kubevet's offline verdict on each object next to a real API server's (server-side dry run).

For every object of some manifest files: kubevet scans the files (the CRDs in them
included) and says *rejected* (a finding of a rule that predicts the API server's refusal,
or of ``api-removed``), *unknown* (``schema-unknown-kind``: a custom resource whose CRD is
not in the scan, so kubevet cannot judge it) or *accepted*. The API server is asked to
create the object with ``dryRun=All`` and ``fieldValidation=Strict`` (what ``kubectl
apply`` does by default) and says *accepted*, *rejected* (invalid, or a namespace that
cannot exist), *unserved* (no such API version or kind) or *forbidden* (an admission plugin
that looks at the cluster's state, e.g. a ServiceAccount that does not exist). The CRDs of
the files are dry-run created like every object, and those whose custom resources are in
the files are then created for real, so that those resources can be judged.

The comparison is the one ``kubectl apply`` makes visible: is the object created or not.
Objects kubevet cannot judge (*unknown*) and refusals that depend on what else is in the
cluster (*forbidden*) are counted apart, not compared.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kubevet.config import Config
from kubevet.engine import Engine
from kubevet.findings import format_path
from kubevet.loading.reader import read_source
from kubevet.model import K8sObject, Source

# rules whose findings say: the API server refuses this object
REJECTING = ("schema-invalid", "object-invalid", "selector-template-mismatch", "label-value-invalid", "api-removed")
# kubevet has no schema for the kind: it cannot say
UNKNOWN = "schema-unknown-kind"
ESTABLISHED_WAIT_S = 60
_UNKNOWN_FIELD = re.compile(r'unknown field "([^"]+)"')


@dataclass
class Case:
    """One object: where it is, what kubevet says, what the API server says."""

    file: str
    line: int
    data: dict
    kubevet: str = "accepted"
    kubevet_fields: list[str] = field(default_factory=list)
    kubevet_messages: list[str] = field(default_factory=list)
    server: str = ""
    server_fields: list[str] = field(default_factory=list)
    server_message: str = ""
    created: bool = False  # a CRD that judge_online created for real (delete_crds removes it)

    @property
    def ref(self) -> str:
        meta = self.data.get("metadata") if isinstance(self.data.get("metadata"), dict) else {}
        ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
        return f"{self.data.get('apiVersion')} {self.data.get('kind')} {ns}{meta.get('name') or meta.get('generateName')}"

    @property
    def key(self) -> str:
        """Stable name of the case in the list of known differences."""
        return f"{self.file}:{self.line} {self.ref}"

    @property
    def comparable(self) -> bool:
        return self.kubevet != "unknown" and self.server != "forbidden"

    @property
    def agrees(self) -> bool:
        """Both say the object is created, or both say it is not."""
        return (self.kubevet == "accepted") == (self.server == "accepted")


def load(path: Path, display: str) -> list[Case]:
    """The objects of a file, with the line each starts on (kubevet's own reader)."""
    return [
        Case(display, item.line, item.data)
        for item in read_source(Source(str(path), display))
        if isinstance(item, K8sObject)
    ]


def judge_offline(paths: list[Path], displays: list[str], cases: list[Case], kube_version: str) -> None:
    """Fill in kubevet's verdict of each case from one scan of all ``paths``."""
    config = Config(select=[*REJECTING, UNKNOWN], kube_version=kube_version)
    result = Engine(config).scan([Source(str(p), d) for p, d in zip(paths, displays)])
    by_file: dict[str, list[Case]] = {}
    for case in cases:
        by_file.setdefault(case.file, []).append(case)
    for file_cases in by_file.values():
        file_cases.sort(key=lambda c: c.line)
    unknown = set()
    for f in result.findings:
        if f.rule == UNKNOWN and f.obj is not None:  # reported once per kind: all of its objects
            unknown.add((f.obj.api_version, f.obj.kind))
            continue
        file_cases = by_file.get(f.file, [])
        owner = None
        for case in file_cases:  # the last object starting at or before the finding's line
            if case.line <= f.line:
                owner = case
            else:
                break
        if owner is None:
            continue
        owner.kubevet = "rejected"
        owner.kubevet_fields.append(format_path(f.path))
        owner.kubevet_messages.append(f"{f.rule}: {f.message}")
    for case in cases:
        if case.kubevet == "accepted" and (case.data.get("apiVersion"), case.data.get("kind")) in unknown:
            case.kubevet = "unknown"


class Server:
    """Requests to the API server through the official Python client's ApiClient.

    Discovery is one GET per group version, cached until ``forget``: the dynamic client's
    own discovery reads every group again for each kind it does not find, which for the
    hundred custom kinds without CRDs in the corpus costs minutes.
    """

    def __init__(self, kube) -> None:
        self.api = getattr(kube, "client", kube)  # a DynamicClient's ApiClient, or one
        self._listings: dict[str, dict | None] = {}
        self.deleting: set[str] = set()  # CRDs delete_crds asked to delete, maybe not gone yet

    def request(self, method: str, path: str, body=None, query=None) -> tuple[int, dict]:
        request = self.api.param_serialize(
            method, path, query_params=query or [], body=body,
            header_params={"Accept": "application/json", "Content-Type": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = self.api.call_api(*request, _request_timeout=60)
        response.read()
        try:
            return response.status, json.loads(response.data or b"{}")
        except ValueError:
            return response.status, {"message": response.data.decode(errors="replace")}

    def resource(self, api_version: str, kind: str) -> tuple[str, bool] | None:
        """(plural, namespaced) of ``kind`` at ``api_version``, or None if not served."""
        if api_version not in self._listings:
            path = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
            status, listing = self.request("GET", path)
            self._listings[api_version] = listing if status == 200 else None
        listing = self._listings[api_version]
        for r in (listing or {}).get("resources") or []:
            if r.get("kind") == kind and "/" not in r.get("name", ""):
                return r["name"], bool(r.get("namespaced"))
        return None

    def forget(self) -> None:
        """Discovery again (after CRDs were created or deleted)."""
        self._listings.clear()

    def path(self, api_version: str, plural: str, namespace: str | None, name: str | None = None) -> str:
        base = f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"
        if namespace:
            base += f"/namespaces/{namespace}"
        return f"{base}/{plural}" + (f"/{name}" if name else "")

    def create(self, data: dict, dry_run: bool = True) -> tuple[str, list[str], str]:
        """(verdict, fields named, message) of creating ``data``."""
        api_version, kind = data.get("apiVersion"), data.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            return "rejected", [], "no apiVersion/kind"
        found = self.resource(api_version, kind)
        if found is None:
            return "unserved", [], f"the server does not serve {api_version} {kind}"
        plural, namespaced = found
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        namespace = None
        if namespaced:
            namespace = meta.get("namespace") if isinstance(meta.get("namespace"), str) and meta.get("namespace") else "default"
        query = [("fieldValidation", "Strict")] + ([("dryRun", "All")] if dry_run else [])
        status, body = self.request("POST", self.path(api_version, plural, namespace), data, query)
        if 200 <= status <= 299:
            return "accepted", [], ""
        return _verdict(status, body)

    def ensure_namespace(self, name: str) -> None:
        """The namespace, and its ``default`` ServiceAccount as the ServiceAccount controller
        would make it (there is no controller manager here)."""
        for body, path in (
            ({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}, "/api/v1/namespaces"),
            ({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default"}}, f"/api/v1/namespaces/{name}/serviceaccounts"),
        ):
            status, answer = self.request("POST", path, body)
            if status not in (201, 409):
                raise RuntimeError(f"cannot create {path}: {answer.get('message')}")

    def wait_established(self, names: list[str]) -> None:
        deadline = time.monotonic() + ESTABLISHED_WAIT_S
        pending = set(names)
        while pending and time.monotonic() < deadline:
            for name in sorted(pending):
                _, crd = self.request("GET", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}")
                conditions = (crd.get("status") or {}).get("conditions") or []
                if any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions):
                    pending.discard(name)
            if pending:
                time.sleep(0.2)
        if pending:
            raise RuntimeError(f"CRDs not established after {ESTABLISHED_WAIT_S} s: {sorted(pending)}")


def _verdict(code: int, status: dict) -> tuple[str, list[str], str]:
    message = str(status.get("message") or f"HTTP {code}")
    reason = status.get("reason", "")
    if code == 409 and reason == "AlreadyExists":
        return "accepted", [], "already exists (validated, then refused by storage)"
    causes = (status.get("details") or {}).get("causes") or []
    fields = [c.get("field", "") for c in causes if c.get("field")]
    # strict decoding names unknown fields in the message only
    fields += [f for f in _UNKNOWN_FIELD.findall(message) if f not in fields]
    if code in (400, 422):
        return "rejected", fields, message
    if code == 404 and (status.get("details") or {}).get("kind") == "namespaces":
        return "rejected", fields, message  # a namespace whose name is invalid was never created
    if code == 404:
        return "unserved", fields, message
    if code == 403:
        return "forbidden", fields, message
    return f"error {code}", fields, message


def judge_online(server: Server, cases: list[Case]) -> None:
    """Fill in the API server's verdict: CRDs and namespaces first, then every object.

    The dry runs go out ``PARALLEL`` at a time: they change nothing, so their order does
    not matter, and the API server spreads them over its cores (validating one of the
    large CRDs of the corpus takes it most of a second)."""
    crds = [c for c in cases if c.data.get("kind") == "CustomResourceDefinition"]
    served = _custom_kinds(cases)
    # created for real only when some object of the set is one of its custom resources:
    # every change of a CRD costs the API server its schema's validation and OpenAPI again
    # (up to a second for the largest), and deleting one changes it three times; 20 of the
    # corpus's 141 CRDs have resources in the corpus. Those are created for real without a
    # dry run first when they are sent as they are (no conversion webhook to leave out):
    # a create validates exactly as its dry run does, so its answer is the verdict
    needed = [c for c in crds if _declares(c.data) in served]
    direct = {id(c) for c in needed if _without_conversion_webhook(c.data) == c.data}
    _each([c for c in crds if id(c) not in direct], lambda case: server.create(case.data))
    wait_deleted(server, {c.data["metadata"]["name"] for c in crds if isinstance(c.data.get("metadata"), dict)
                          and isinstance(c.data["metadata"].get("name"), str)})
    created = []
    for case in needed:  # in the files' order: the first of two CRDs with one name wins
        if id(case) in direct:
            case.server, case.server_fields, case.server_message = server.create(case.data, dry_run=False)
            verdict, message = case.server, case.server_message
        elif case.server == "accepted":
            verdict, _, message = server.create(_without_conversion_webhook(case.data), dry_run=False)
        else:
            continue
        if verdict == "accepted" and "already exists" not in message:
            created.append(case.data["metadata"]["name"])
            case.created = True
    if created:
        server.wait_established(created)
        server.forget()
    namespaces = set()
    for case in cases:
        meta = case.data.get("metadata") if isinstance(case.data.get("metadata"), dict) else {}
        if isinstance(meta.get("namespace"), str) and meta["namespace"]:
            namespaces.add(meta["namespace"])
    for name in sorted(namespaces):
        try:
            server.ensure_namespace(name)
        except Exception:  # an invalid namespace name: the objects in it are judged refused
            pass
    _each([c for c in cases if c.data.get("kind") != "CustomResourceDefinition"], lambda case: server.create(case.data))


PARALLEL = 4  # dry runs in flight at once (the machine has 2 cores; the client waits on them)


def _each(cases: list[Case], judge) -> None:
    """Set each case's server verdict to ``judge(case)``, ``PARALLEL`` requests at a time."""
    with ThreadPoolExecutor(PARALLEL) as pool:
        for case, (verdict, fields, message) in zip(cases, pool.map(judge, cases)):
            case.server, case.server_fields, case.server_message = verdict, fields, message


def _custom_kinds(cases: list[Case]) -> set[tuple[str, str]]:
    """(group, kind) of every object of the set that belongs to an API group."""
    out = set()
    for case in cases:
        api_version, kind = case.data.get("apiVersion"), case.data.get("kind")
        if isinstance(api_version, str) and "/" in api_version and isinstance(kind, str):
            out.add((api_version.rpartition("/")[0], kind))
    return out


def _declares(crd: dict) -> tuple[str, str] | None:
    """(group, kind) of the custom resources a CRD declares."""
    spec = crd.get("spec") if isinstance(crd.get("spec"), dict) else {}
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    return (spec.get("group"), names.get("kind"))


def _without_conversion_webhook(crd: dict) -> dict:
    """The CRD, created for real without a conversion webhook (there is no webhook to call:
    custom resources of any served version are then stored as they are)."""
    spec = dict(crd.get("spec") or {})
    if (spec.get("conversion") or {}).get("strategy") == "Webhook":
        spec["conversion"] = {"strategy": "None"}
    return {**crd, "spec": spec}


def tally(cases: list[Case]) -> Counter:
    return Counter((c.kubevet, c.server) for c in cases)


def same_field(case: Case) -> bool | None:
    """Whether kubevet names a field the API server names (one a prefix of the other);
    None when the server names none (a decoding error says only "cannot be handled")."""
    if not case.server_fields:
        return None
    ours = [_plain(f) for f in case.kubevet_fields if f]
    return any(s == k or s.startswith(k + ".") or s.startswith(k + "[") or k.startswith(s) for s in map(_plain, case.server_fields) for k in ours)


def _plain(path: str) -> str:
    return path.removeprefix(".")


CRDS = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"


def delete_crds(server: Server, cases: list[Case]) -> None:
    """Delete the CRDs ``judge_online`` created, so that the next set starts clean.

    The API server finishes a CRD's deletion itself (its finalizer removes the custom
    resources, then the CRD: three more writes, each validating the whole schema, several
    seconds of its CPU for the corpus's). Nothing waits for that here: ``judge_online``
    waits only for a CRD of a name it is about to create, and the other tests go on
    meanwhile."""
    names = [c.data["metadata"]["name"] for c in cases if c.created]
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda name: server.request("DELETE", f"{CRDS}/{name}"), names))
    server.deleting.update(names)
    server.forget()


def wait_deleted(server: Server, names: set[str]) -> None:
    """Until none of ``names`` is still being deleted (bounded)."""
    pending = names & server.deleting
    deadline = time.monotonic() + ESTABLISHED_WAIT_S
    while pending:
        pending = {n for n in pending if server.request("GET", f"{CRDS}/{n}")[0] != 404}
        if pending and time.monotonic() > deadline:
            raise RuntimeError(f"CRDs still being deleted after {ESTABLISHED_WAIT_S} s: {sorted(pending)}")
        if pending:
            time.sleep(0.2)
    server.deleting -= names
