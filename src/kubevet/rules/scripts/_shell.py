"""The scripts a pod runs, and the ``kubectl delete`` commands in them, read with a real shell parser.

Scripts come from three places: ``command``/``args`` that start a shell with ``-c`` (``sh``,
``bash``, ``ash``, ``dash``, with combined flags such as ``-ec``); ``kubectl`` run directly as
the container's command (Kubernetes expands ``$(VAR)`` there); and files mounted from a
ConfigMap that the command runs (its path is in the command). Scripts are parsed with
bashlex (a port of bash's own grammar), so quoting, ``${VAR:?}``, command substitutions,
pipelines, loops and functions are read as bash reads them; a script bashlex cannot parse
is skipped, never guessed at.

For each ``kubectl delete`` (``oc delete`` too, behind ``xargs``, ``exec``, ``timeout``,
``env`` or ``sudo``) the analysis records the kinds, the selector, the names, ``--all`` and
``--all-namespaces``, and the expansions that may be empty: a parameter without a
``${VAR:?}`` guard or a non-empty default, not assigned a literal earlier in the script, not
tested with ``-z``/``-n`` before, not a ``for`` loop variable, and not set to a literal in
the container's ``env``; and any command substitution.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

from kubevet.k8s.workloads import Container, PodTemplate

SHELLS = {"sh", "bash", "ash", "dash", "ksh", "zsh", "busybox"}
WRAPPERS = {"xargs", "exec", "timeout", "env", "sudo", "nice", "nohup", "time", "command", "retry", "watch"}
KUBECTL = {"kubectl", "oc", "kubectl.exe"}
# global and delete flags that take a value (as the next word unless written --flag=value)
VALUE_FLAGS = {
    "-n", "--namespace", "--context", "--kubeconfig", "-s", "--server", "--token", "--cluster", "--user",
    "--as", "--as-group", "--certificate-authority", "--client-certificate", "--client-key", "--request-timeout",
    "-l", "--selector", "--field-selector", "-f", "--filename", "-k", "--kustomize", "-o", "--output",
    "--grace-period", "--timeout", "--cascade", "--wait", "--raw", "--dry-run", "-v", "--v", "--tls-server-name",
}
BOOL_FLAGS_WITH_OPTIONAL_VALUE = {"--cascade", "--wait", "--dry-run", "--now", "--force", "--ignore-not-found"}
SELECTORS = {"-l", "--selector", "--field-selector"}
NAMESPACE = {"-n", "--namespace"}


@dataclass
class Word:
    text: str  # as written, quotes included
    value: str  # after quote removal (bashlex's word)
    expansions: list[str] = field(default_factory=list)  # variables (or "$(...)") that may be empty
    quoted: bool = False
    literal: str = ""  # the word without its expansions

    @property
    def variable(self) -> bool:
        return bool(self.expansions)


@dataclass
class Delete:
    """One kubectl delete in a script."""

    line: int  # 1-based, in the script
    text: str
    kinds: list[str] = field(default_factory=list)
    kind_word: Word | None = None
    names: list[Word] = field(default_factory=list)
    selectors: list[tuple[str, Word]] = field(default_factory=list)
    namespace: Word | None = None
    all: bool = False
    all_namespaces: str = ""  # the flag as written
    files: bool = False

    @property
    def by_selection(self) -> bool:
        """Deletes whatever a selector or --all picks, not only named objects."""
        return self.all or bool(self.selectors) or bool(self.all_namespaces)


@dataclass
class Script:
    text: str
    path: tuple  # the field path of the script (in the workload or the ConfigMap)
    where: str  # "the command of container 'x'", "ConfigMap key 'cleanup.sh' run by container 'x'"
    safe_env: frozenset[str] = frozenset()  # env vars the container sets to a non-empty literal
    argv: list[str] | None = None  # kubectl run directly: its arguments


def inline_scripts(template: PodTemplate, container: Container) -> list[Script]:
    """The shell script of ``sh -c`` in a container's command/args, or kubectl run directly."""
    command = _strings(container.get("command"))
    args = _strings(container.get("args"))
    where = f"container '{container.name}'"
    env = safe_env(container)
    argv = (command or []) + (args or [])
    paths = [(*container.path, "command", i) for i in range(len(command or []))] + \
            [(*container.path, "args", i) for i in range(len(args or []))]
    if command is None and args and "kubectl" in str(container.get("image") or "").rsplit("/", 1)[-1] \
            and os.path.basename(args[0]) not in SHELLS | KUBECTL:
        # args alone run under the image's entrypoint; a kubectl image's is kubectl
        return [Script("", (*container.path, "args"), f"the arguments of {where} (to the image's kubectl)", env,
                       argv=["kubectl", *args])]
    if not argv or command is None:
        return []  # args alone run under an entrypoint the manifest does not show
    first = os.path.basename(argv[0])
    if first in KUBECTL:
        return [Script("", (*container.path, "command"), f"the command of {where}", env, argv=argv)]
    if first == "busybox" and len(argv) > 1:
        argv, paths, first = argv[1:], paths[1:], os.path.basename(argv[1])
    if first == "env" and len(argv) > 1:
        argv, paths, first = argv[1:], paths[1:], os.path.basename(argv[1])
    if first not in SHELLS:
        return []
    for i, word in enumerate(argv[1:], 1):
        if re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", word) and i + 1 < len(argv):
            return [Script(argv[i + 1], paths[i + 1], f"the script of {where}", env)]
        if not word.startswith("-"):
            break
    return []


def executed_paths(container: Container) -> list[str]:
    """Words of the command and args that look like paths of scripts it runs."""
    words = (_strings(container.get("command")) or []) + (_strings(container.get("args")) or [])
    return [w for word in words for w in re.findall(r"/[\w./-]+", word)]


def safe_env(container: Container) -> frozenset[str]:
    env = container.get("env")
    out = set()
    if isinstance(env, list):
        for e in env:
            if isinstance(e, dict) and isinstance(e.get("name"), str) and isinstance(e.get("value"), str) and e["value"]:
                out.add(e["name"])
    return frozenset(out)


def _strings(value: Any) -> list[str] | None:
    if not isinstance(value, list):
        return None
    return [v if isinstance(v, str) else str(v) for v in value]


# --- the parser ----------------------------------------------------------------------------------------------------


def deletes(script: Script) -> list[Delete]:
    """Every kubectl delete of the script; [] when there is none or bashlex cannot parse it."""
    if script.argv is not None:
        words = [_argv_word(a, script.safe_env) for a in script.argv]
        d = _delete(words, 1, " ".join(script.argv))
        return [d] if d else []
    text = script.text
    if "delete" not in text or not any(k in text for k in KUBECTL):
        return []
    try:
        import bashlex
    except ImportError:  # pragma: no cover - a dependency of kubevet
        return []
    try:
        trees = bashlex.parse(text)
    except Exception:  # noqa: BLE001 - bashlex raises several kinds of errors on what it cannot parse
        return []
    state = _State(text, script.safe_env)
    out: list[Delete] = []
    for tree in trees:
        _walk(tree, state, out)
    return out


class _State:
    def __init__(self, text: str, env: frozenset[str]) -> None:
        self.text = text
        self.safe: set[str] = set(env)
        self.loops: set[str] = set()


_GUARD = re.compile(r"(?:-z|-n)\s+\"?\$\{?(\w+)")


def _walk(node, state: _State, out: list[Delete]) -> None:
    kind = node.kind
    if kind == "command":
        _command(node, state, out)
        return
    if kind == "for":
        parts = node.parts
        if len(parts) > 1 and parts[1].kind == "word":
            state.loops.add(parts[1].word)
    for child in _children(node):
        _walk(child, state, out)


def _children(node) -> list:
    out = []
    for attr in ("parts", "list"):
        value = getattr(node, attr, None)
        if isinstance(value, list):
            out.extend(value)
    for attr in ("command", "output"):
        value = getattr(node, attr, None)
        if value is not None and hasattr(value, "kind"):
            out.append(value)
    return out


def _command(node, state: _State, out: list[Delete]) -> None:
    parts = [p for p in node.parts if p.kind in ("word", "assignment")]
    text = state.text[node.pos[0]:node.pos[1]]
    # what this command tells about variables used later
    for p in parts:
        if p.kind == "assignment":
            name, _, value = p.word.partition("=")
            raw = state.text[p.pos[0]:p.pos[1]].partition("=")[2]
            if value and "$" not in raw and "`" not in raw:
                state.safe.add(name)
            else:
                state.safe.discard(name)
    words = [p for p in parts if p.kind == "word"]
    if words and words[0].word in ("[", "[[", "test", ":"):
        for m in _GUARD.finditer(text):
            state.safe.add(m.group(1))
        for m in re.finditer(r"\$\{(\w+):?\?", text):
            state.safe.add(m.group(1))
    if words and words[0].word == "read":
        for w in words[1:]:
            if not w.word.startswith("-"):
                state.safe.discard(w.word)
    # a delete in a command substitution of any word is a command too
    for p in node.parts:
        for sub in _substitutions(p):
            _walk(sub, state, out)
    ws = [_word(p, state) for p in words]
    d = _delete(ws, state.text.count("\n", 0, node.pos[0]) + 1, text)
    if d:
        out.append(d)


def _substitutions(node) -> list:
    out = []
    for child in getattr(node, "parts", None) or []:
        if child.kind == "commandsubstitution" and hasattr(child, "command"):
            out.append(child.command)
        elif child.kind not in ("command",):
            out.extend(_substitutions(child))
    return out


def _word(node, state: _State) -> Word:
    raw = state.text[node.pos[0]:node.pos[1]]
    expansions = []
    literal = node.word
    for child in getattr(node, "parts", None) or []:
        if child.kind == "parameter":
            if _may_be_empty(child.value, state):
                expansions.append("$" + child.value.split(":")[0].split("?")[0].split("-")[0])
            literal = literal.replace("${" + child.value + "}", "").replace("$" + child.value, "")
        elif child.kind == "commandsubstitution":
            expansions.append("$(...)")
            sub = state.text[child.pos[0]:child.pos[1]]
            literal = literal.replace(sub, "")
    return Word(raw, node.word, expansions, quoted=raw[:1] in "\"'" or '"$' in raw, literal=literal)


def _may_be_empty(value: str, state: _State) -> bool:
    m = re.match(r"(!?)([A-Za-z_]\w*|\d+|[@*#?$!-])(.*)\Z", value, re.S)
    if not m:
        return True
    name, op = m.group(2), m.group(3)
    if name in ("#", "?", "$", "!"):
        return False  # counts, status and process ids are never empty
    if op.startswith((":?", "?")):
        return False
    if re.match(r":?[-=+]", op):
        default = op.lstrip(":")[1:]
        return op.lstrip(":")[0] == "+" or not default
    return name not in state.safe and name not in state.loops


_K8S_VAR = re.compile(r"\$\((\w+)\)")


def _argv_word(arg: str, env: frozenset[str]) -> Word:
    """A word of a command Kubernetes runs without a shell: only $(VAR) is expanded."""
    names = [n for n in _K8S_VAR.findall(arg) if n not in env]
    return Word(arg, arg, [f"$({n})" for n in names], quoted=True, literal=_K8S_VAR.sub("", arg))


def _delete(words: list[Word], line: int, text: str) -> Delete | None:
    values = [w.value for w in words]
    # kubectl itself, or behind wrappers and their arguments (timeout 60 kubectl, xargs -r kubectl)
    i = next((k for k, v in enumerate(values) if os.path.basename(v) in KUBECTL), None)
    if i is None or (i > 0 and os.path.basename(values[0]) not in WRAPPERS):
        return None
    i += 1
    # global flags before the verb
    while i < len(values) and values[i].startswith("-"):
        i += 2 if values[i] in VALUE_FLAGS and "=" not in values[i] else 1
    if i >= len(values) or values[i] != "delete":
        return None
    d = Delete(line, " ".join(text.split()))
    positional: list[Word] = []
    rest = words[i + 1:]
    j = 0
    while j < len(rest):
        w = rest[j]
        v = w.value
        flag, eq, inline = v.partition("=")
        if v == "--":
            positional.extend(rest[j + 1:])
            break
        if v.startswith("-") and len(v) > 1:
            value_word = None
            if eq and flag in VALUE_FLAGS:
                value_word = Word(w.text, inline, w.expansions, w.quoted, w.literal.partition("=")[2])
            elif flag in VALUE_FLAGS and flag not in BOOL_FLAGS_WITH_OPTIONAL_VALUE and j + 1 < len(rest):
                j += 1
                value_word = rest[j]
            if flag == "--dry-run" and (inline or "client") != "none":
                return None  # a dry run deletes nothing
            if flag in SELECTORS and value_word is not None:
                d.selectors.append((flag, value_word))
            elif flag in NAMESPACE and value_word is not None:
                d.namespace = value_word
            elif flag in ("-f", "--filename", "-k", "--kustomize"):
                d.files = True
            elif flag == "--all":
                d.all = inline.lower() != "false"
            elif flag in ("--all-namespaces", "-A"):
                if inline.lower() != "false":
                    d.all_namespaces = flag
            j += 1
            continue
        positional.append(w)
        j += 1
    if positional:
        first = positional[0]
        if "/" in first.value:  # kind/name forms
            d.kinds = sorted({p.value.split("/", 1)[0].lower() for p in positional if "/" in p.value})
            d.names = positional
        else:
            d.kind_word = first
            d.kinds = [k.lower() for k in first.value.split(",") if k]
            d.names = positional[1:]
    return d


# --- what the rules share ------------------------------------------------------------------------------------------


def keep(obj, ctx) -> str | dict | None:
    """Of a ConfigMap keep only the entries that hold a kubectl delete; workloads in full."""
    if obj.kind == "ConfigMap":
        data = obj.data.get("data")
        if not isinstance(data, dict):
            return None
        scripts = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str) and "delete" in v
                   and any(c in v for c in KUBECTL)}
        return {"data": scripts} if scripts else None
    return "full"


def findings_of(ctx) -> list[tuple[Any, Script, Delete]]:
    """Every kubectl delete the scan's workloads run, with the object to report it on; parsed once
    per scan for the three rules."""
    cached = ctx.shared.get("scripts-deletes")
    if cached is not None:
        return cached
    from kubevet.k8s.workloads import containers
    from kubevet.rules._base import namespace_of

    out: list[tuple[Any, Script, Delete]] = []
    maps: dict | None = None  # (namespace, name) -> ConfigMap, read when a script is mounted
    seen: set[tuple] = set()
    # a context workload is reported on only through a ConfigMap of the scan that it runs:
    # in a namespace with none, nothing it does can be reported (and what it would mark
    # seen is a context ConfigMap, whose findings are dropped), so it is not looked at
    judged_maps = {namespace_of(o) for o in ctx.judged("ConfigMap")}
    workloads = ctx.workload_objects() if judged_maps else ctx.judged_workloads()
    for obj, template in workloads:
        if obj.unjudged and namespace_of(obj) not in judged_maps:
            continue
        volumes = _configmap_volumes(template)
        for c in containers(template):
            if not obj.unjudged:  # what a context workload runs inline is never reported
                for script in inline_scripts(template, c):
                    out.extend((obj, script, d) for d in deletes(script))
            mounted = _mounted_scripts(c, volumes)
            if not mounted:
                continue
            ran = " ".join(executed_paths(c) + [s.text for s in inline_scripts(template, c)])
            if maps is None:
                maps = {(namespace_of(o), o.name): o for o in ctx.objects("ConfigMap")}
            for path, (cm_name, key) in mounted.items():
                cm = maps.get((namespace_of(obj), cm_name))
                if cm is None or path not in ran or (cm_name, key, namespace_of(obj)) in seen:
                    continue
                text = (cm.data.get("data") or {}).get(key)
                if not isinstance(text, str):
                    continue
                seen.add((cm_name, key, namespace_of(obj)))
                script = Script(text, ("data", key), f"ConfigMap key '{key}', run by container '{c.name}' of "
                                f"{obj.kind} {obj.name}", safe_env(c))
                out.extend((cm, script, d) for d in deletes(script))
    ctx.shared["scripts-deletes"] = out
    return out


def _configmap_volumes(template: PodTemplate) -> dict[str, tuple[str, dict[str, str]]]:
    """volume name -> (ConfigMap name, {key: path in the volume})."""
    out = {}
    volumes = template.spec.get("volumes")
    for v in volumes if isinstance(volumes, list) else []:
        cm = v.get("configMap") if isinstance(v, dict) else None
        if isinstance(cm, dict) and isinstance(cm.get("name"), str) and isinstance(v.get("name"), str):
            items = {i["key"]: i.get("path", i["key"]) for i in _list(cm.get("items"))
                     if isinstance(i, dict) and isinstance(i.get("key"), str)}
            out[v["name"]] = (cm["name"], items)
    projected = {}
    for v in volumes if isinstance(volumes, list) else []:
        proj = v.get("projected") if isinstance(v, dict) else None
        if isinstance(proj, dict) and isinstance(v.get("name"), str):
            for src in _list(proj.get("sources")):
                cm = src.get("configMap") if isinstance(src, dict) else None
                if isinstance(cm, dict) and isinstance(cm.get("name"), str):
                    projected[v["name"]] = (cm["name"], {i["key"]: i.get("path", i["key"])
                                                         for i in _list(cm.get("items"))
                                                         if isinstance(i, dict) and isinstance(i.get("key"), str)})
    out.update({k: v for k, v in projected.items() if k not in out})
    return out


def _list(value) -> list:
    """A list field as a list; any other type (a wrongly typed field) as none."""
    return value if isinstance(value, list) else []


def _mounted_scripts(c: Container, volumes: dict) -> dict[str, tuple[str, str]]:
    """Path in the container -> (ConfigMap, key), for the ConfigMap files the container mounts.

    Without ``items`` every key of the ConfigMap is a file; the key is then matched by the
    path the command names (``/scripts/cleanup.sh`` -> key ``cleanup.sh``)."""
    out = {}
    mounts = c.get("volumeMounts")
    for m in mounts if isinstance(mounts, list) else []:
        if not isinstance(m, dict) or not isinstance(m.get("name"), str) or m["name"] not in volumes \
                or not isinstance(m.get("mountPath"), str):
            continue
        cm_name, items = volumes[m["name"]]
        base = m["mountPath"].rstrip("/")
        sub = m.get("subPath")
        if isinstance(sub, str) and sub:
            key = next((k for k, p in items.items() if p == sub), sub)
            out[base] = (cm_name, key)
            continue
        if items:
            for key, path in items.items():
                out[f"{base}/{path}"] = (cm_name, key)
        else:
            for path in executed_paths(c):
                if path.startswith(base + "/"):
                    out[path] = (cm_name, path[len(base) + 1:])
    return out
