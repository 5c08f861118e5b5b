"""Keep the MeSH named graph in step with the studies in a store.

The graph holds every MeSH descriptor the studies (and evidence records) link to, directly or
as a registry ancestor, plus all their ancestors, with NLM's vocabulary and the materialised
``tkg:rollsUpTo`` closure that makes roll-up queries a join. It is rebuilt only when the set of
used identifiers (or the layout of the graph made for them) changed: a digest of both is kept
on the graph.
"""

from __future__ import annotations

import pyoxigraph as ox

from trialkg.exceptions import MeshError
from trialkg.iris import MESH, TKG, normalise_mesh_id
from trialkg.store import MESH_GRAPH, TrialStore

__all__ = ["refresh_mesh_graph", "used_mesh_ids"]

_LINK_PROPERTIES = (
    "conditionMesh",
    "conditionMeshAncestor",
    "interventionMesh",
    "interventionMeshAncestor",
    "conditionMeshLinked",  # trialkg's own links at ingest (trialkg.mapping.mesh_links)
    "interventionMeshLinked",
    "mesh",
    "aboutCondition",
    "aboutIntervention",
)
_USED_DIGEST = ox.NamedNode(TKG + "meshInputDigest")


def used_mesh_ids(store: TrialStore) -> list[str]:
    """Every MeSH UI the data links to, normalised and sorted.

    One ``SELECT DISTINCT`` per link property, over the study records (default graph) and
    every named graph: Oxigraph keeps each distinct object as an id and decodes only those.
    A single query with the properties as an alternative path decoded every link to test
    its text and took 25 times longer (0.8 s against 20 s on a store of 100k studies,
    ``benchmarks/store-write.md``).
    """
    uis: set[str] = set()
    for name in _LINK_PROPERTIES:
        rows = store.store.query(f"SELECT DISTINCT ?m WHERE {{ ?s <{TKG}{name}> ?m }}",
                                 use_default_graph_as_union=True)
        assert isinstance(rows, ox.QuerySolutions)
        for row in rows:
            term = row[0]
            if isinstance(term, ox.NamedNode) and term.value.startswith(MESH):
                try:
                    uis.add(normalise_mesh_id(term.value))
                except MeshError:
                    continue
    return sorted(uis)


def refresh_mesh_graph(store: TrialStore, *, force: bool = False) -> bool:
    """Rebuild the MeSH graph if the used identifiers changed; True when it was rebuilt."""
    from trialkg.mesh import load_vocabulary, mesh_graph_quads
    from trialkg.mesh.graph import mesh_graph_digest

    uis = used_mesh_ids(store)
    digest = mesh_graph_digest(uis)  # also changes when the graph's layout does
    graph = ox.NamedNode(MESH_GRAPH)
    if not force:
        for q in store.store.quads_for_pattern(graph, _USED_DIGEST, None, graph):
            if isinstance(q.object, ox.Literal) and q.object.value == digest:
                return False
    quads = list(mesh_graph_quads(uis, load_vocabulary()))
    quads.append(ox.Quad(graph, _USED_DIGEST, ox.Literal(digest), graph))
    store.replace_graph(MESH_GRAPH, quads)
    return True
