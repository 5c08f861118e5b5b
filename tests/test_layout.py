"""The package layout is the pipeline: imports run one way, down the layers, with no circles.

Every ``import`` in ``src/trialkg`` counts, also those inside functions and under
``TYPE_CHECKING``: a lazy import is still a dependency. The layers are the ones the README's
"How it is built" section draws; a module may import from its own folder and from the layers
below it, never from a layer above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "trialkg"

#: Bottom to top. A module belongs to the first entry its dotted name starts with.
LAYERS: list[tuple[str, ...]] = [
    # the foundation every layer shares: errors, IRI rules, RDF formats, packaged files
    ("trialkg.exceptions", "trialkg.iris", "trialkg.formats", "trialkg.resources", "trialkg"),
    ("trialkg.model",),
    ("trialkg.web",),
    ("trialkg.mesh",),
    ("trialkg.sources",),
    ("trialkg.mapping",),
    ("trialkg.store",),
    ("trialkg.queries",),
    ("trialkg.export", "trialkg.validation"),
    ("trialkg.remote",),
    ("trialkg.build",),
    ("trialkg.cli",),
    ("trialkg.__main__",),
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The trialkg modules ``name`` imports (the module itself when a name is imported from it)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def layer_of(module: str) -> int:
    for i, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes if p != "trialkg"):
            return i
    if module == "trialkg":
        return 0
    raise AssertionError(f"{module} is in no layer: add its folder to LAYERS and the README")


def _folder(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_from_a_layer_above() -> None:
    upward = [f"{m} (layer {layer_of(m)}) imports {t} (layer {layer_of(t)})"
              for m, targets in sorted(GRAPH.items()) for t in sorted(targets)
              if layer_of(t) > layer_of(m)]
    assert upward == []


def test_folders_of_one_layer_do_not_import_each_other() -> None:
    sideways = [f"{m} imports {t}" for m, targets in sorted(GRAPH.items()) for t in sorted(targets)
                if layer_of(t) == layer_of(m) and layer_of(m) > 0 and _folder(t) != _folder(m)]
    assert sideways == []


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
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
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    assert _circles(GRAPH) == []


def test_the_circle_finder_finds_one() -> None:
    """The check above can fail: a two-module loop and a lazy import back are found."""
    assert _circles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    graph = {**GRAPH, "trialkg.iris": GRAPH["trialkg.iris"] | {"trialkg.mapping.study"}}
    assert any("trialkg.iris" in c for c in _circles(graph))


@pytest.mark.parametrize("folder", sorted(p.name for p in PACKAGE.iterdir()
                                          if p.is_dir() and (p / "__init__.py").exists()))
def test_each_folder_says_what_it_is_for(folder: str) -> None:
    init = PACKAGE / folder / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc) > 40, f"{init.relative_to(SRC)} has no docstring saying what it is for"


def test_modules_stay_small() -> None:
    """No module grows past what one person holds in their head (about 500 lines)."""
    big = {name: n for name, path in MODULES.items()
           if (n := len(path.read_text(encoding="utf-8").splitlines())) > 560}
    assert big == {}


def test_test_code_is_not_shipped() -> None:
    """The mutation engine for the hardening tests lives in tests/, not in the product."""
    assert "trialkg.fuzz" not in MODULES
    assert (Path(__file__).parent / "fuzz.py").exists()
