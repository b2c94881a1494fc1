"""The import contract: layers import downward only, no module cycles, no private names
taken from another package.

    model  <-  loading  <-  k8s  <-  schema  <-  rules  <-  engine/api  <-  front ends

Every import counts, at module level or inside a function, ``TYPE_CHECKING`` ones too: a
lazy import is still a dependency. A module this test does not name is a front end (the
top layer), so a new front end (``kubevet.serve``, ``kubevet.diff`` ...) needs no entry
here, and nothing below may import it. Front ends reach the engine only through
``kubevet.api``: none imports ``kubevet.engine`` (LIBRARY_ONLY). See docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "kubevet"

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    # data types every layer shares: findings, objects and sources, results, errors
    ("model", ("kubevet", "kubevet.errors", "kubevet.findings", "kubevet.groups", "kubevet.model", "kubevet.result",
               "kubevet._yamlfast")),
    # bytes -> documents -> objects: YAML as Kubernetes types it, files, charts, kustomizations
    ("loading", ("kubevet.loading",)),
    # pure Kubernetes knowledge: pod templates, selectors, quantities, RBAC, object indexes
    ("k8s", ("kubevet.k8s",)),
    # OpenAPI schemas, CRDs, CEL, API lifecycle
    ("schema", ("kubevet.schema",)),
    # the rules, their registry, and what selects and configures them
    # (freeze.settings: the freeze: key of .kubevet.yaml, read with the rest of the file)
    ("rules", ("kubevet.rules", "kubevet.config", "kubevet.config_file", "kubevet.config_types",
               "kubevet.freeze.settings", "kubevet.suppress")),
    # one engine, and the library API over it
    ("engine", ("kubevet.engine", "kubevet.api")),
    # everything else: cli, output formats, baseline, commands, serve, diff, triage, etcd ...
    ("front end", ()),
]

# private modules imported across packages on purpose, and why
PRIVATE_ALLOWED = {
    "kubevet._yamlfast": "the C extension behind kubevet.loading.yaml_decode (src/kubevet/_yamlfast.c)",
}


def _modules() -> dict[str, Path]:
    mods = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = path
    mods["kubevet._yamlfast"] = PACKAGE / "_yamlfast.c"
    return mods


MODULES = _modules()


def _resolve(name: str) -> str:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _imports(module: str, path: Path) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every kubevet import of a module."""
    if path.suffix != ".py":
        return []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "kubevet":
                    found.append((_resolve(alias.name), "", node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module or ""
            if name.split(".")[0] != "kubevet":
                continue
            for alias in node.names:
                full = f"{name}.{alias.name}"
                if full in MODULES:
                    found.append((full, "", node.lineno))
                else:
                    found.append((_resolve(name), alias.name, node.lineno))
    return found


def layer_of(module: str) -> int:
    best, best_len = len(LAYERS) - 1, -1
    for i, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                if prefix == "kubevet" and module != "kubevet":
                    continue  # the package itself, not everything in it
                best, best_len = i, len(prefix)
    return best


def _package(module: str) -> str:
    """The top-level package a module belongs to: kubevet.rules for kubevet.rules.rbac.x."""
    parts = module.split(".")
    return ".".join(parts[:2])


EDGES = {m: [(t, n, line) for t, n, line in _imports(m, p) if t and t != m] for m, p in MODULES.items()}


def test_every_layer_names_modules_that_exist():
    for name, prefixes in LAYERS:
        for prefix in prefixes:
            assert prefix in MODULES, f"layer {name}: no module {prefix}"


def test_layers_import_downward_only():
    upward = []
    for module, imports in sorted(EDGES.items()):
        for target, _, line in imports:
            if layer_of(target) > layer_of(module):
                upward.append(
                    f"{MODULES[module].relative_to(SRC)}:{line}: {module} ({LAYERS[layer_of(module)][0]}) "
                    f"imports {target} ({LAYERS[layer_of(target)][0]})"
                )
    assert not upward, "upward imports:\n" + "\n".join(upward)


# what front ends may not import although it sits below them: they go through kubevet.api
LIBRARY_ONLY = ("kubevet.engine",)


def front_end_engine_imports(edges=None) -> list[str]:
    """Every import of ``kubevet.engine`` by a front end (cli, commands, output, baseline,
    serve, policy, diff, freeze, triage, etcd ...: every module of the top layer)."""
    edges = EDGES if edges is None else edges
    top = len(LAYERS) - 1
    found = []
    for module, imports in sorted(edges.items()):
        if layer_of(module) != top:
            continue
        for target, name, line in imports:
            if any(target == p or target.startswith(p + ".") for p in LIBRARY_ONLY):
                where = MODULES[module].relative_to(SRC) if module in MODULES else module
                found.append(f"{where}:{line}: {module} imports {target}{'.' + name if name else ''}")
    return found


def test_front_ends_use_the_api_not_the_engine():
    found = front_end_engine_imports()
    assert not found, "front ends import the engine (use kubevet.api; see docs/api.md):\n" + "\n".join(found)


def test_the_engine_check_sees_a_front_end_importing_it():
    # module-level, lazy and from-imports all count, in every front end package
    fake = {
        "kubevet.diff.findings": [("kubevet.engine", "Engine", 27)],
        "kubevet.triage.run": [("kubevet.engine", "", 5)],
        "kubevet.commands.etcd": [("kubevet.api", "scan_paths", 3)],
        "kubevet.api": [("kubevet.engine", "Engine", 280)],  # the library itself may
    }
    found = front_end_engine_imports(fake)
    assert [f.split(": ", 1)[1] for f in found] == [
        "kubevet.diff.findings imports kubevet.engine.Engine",
        "kubevet.triage.run imports kubevet.engine",
    ]
    for module in ("kubevet.cli", "kubevet.commands.diff", "kubevet.serve", "kubevet.diff.run", "kubevet.triage",
                   "kubevet.etcd", "kubevet.output", "kubevet.policy", "kubevet.baseline", "kubevet.freeze"):
        assert module in MODULES and layer_of(module) == len(LAYERS) - 1, module


def test_no_import_cycles():
    graph = {m: sorted({t for t, _, _ in imports}) for m, imports in EDGES.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert not cycles, "modules that import each other (directly or through others): " + "; ".join(
        " <-> ".join(c) for c in cycles
    )


def test_no_private_names_across_packages():
    leaks = []
    for module, imports in sorted(EDGES.items()):
        for target, name, line in imports:
            private_module = any(p.startswith("_") for p in target.split(".")[1:])
            private_name = name.startswith("_") and not name.startswith("__")
            if not (private_module or private_name) or _package(target) == _package(module):
                continue
            if target in PRIVATE_ALLOWED and not private_name:
                continue
            leaks.append(f"{MODULES[module].relative_to(SRC)}:{line}: {module} uses {target}{'.' + name if name else ''}")
    assert not leaks, "private names used outside their package:\n" + "\n".join(leaks)


def test_the_checker_sees_an_upward_import():
    # the contract would pass vacuously if layer_of put everything in one layer
    assert layer_of("kubevet.k8s.relations") < layer_of("kubevet.rules._base") < layer_of("kubevet.engine")
    assert layer_of("kubevet.model") < layer_of("kubevet.loading.reader") < layer_of("kubevet.k8s.rbac")
    assert layer_of("kubevet.serve") == layer_of("kubevet.cli") == len(LAYERS) - 1
    assert ("kubevet.k8s.index", "ObjectIndex") in {(t, n) for t, n, _ in EDGES["kubevet.rules._base"]}


def test_the_architecture_page_draws_these_layers():
    """docs/architecture.md's picture lists the layers top down, as LAYERS does bottom up,
    and names each module prefix of the contract."""
    page = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    picture = page.split("```", 2)[1]
    heads = [line.split()[0] for line in picture.splitlines() if line and not line.startswith(" ")]
    assert heads == ["front", "engine/api", "rules", "schema", "k8s", "loading", "model"]
    for _, prefixes in LAYERS:
        for prefix in prefixes:
            short = prefix.removeprefix("kubevet.").replace(".", "/")
            if prefix not in ("kubevet", "kubevet._yamlfast"):
                assert short in picture, f"docs/architecture.md does not name {prefix}"
