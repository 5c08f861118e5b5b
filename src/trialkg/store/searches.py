"""Saved searches: the registry searches ``trialkg fetch`` ran, kept in the store.

They live in their own named graph, ``graph/searches``, one flat IRI per name
(``https://w3id.org/trialkg/search/{name}``), no blank nodes::

    <search/desmoid> a tkg:SavedSearch ; rdfs:label "desmoid" ;
        tkg:searchParameters '{"condition": "desmoid"}' ; tkg:apiBase "https://…/api/v2" ;
        tkg:lastRun "2026-12-03T08:00:00Z"^^xsd:dateTime ;
        tkg:matchedTrial <https://identifiers.org/clinicaltrials:NCT…> , … .

A run rewrites its search's description in one update (atomic). ``trialkg sync`` asks again
for the studies updated since ``tkg:lastRun``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson
import pyoxigraph as ox

from trialkg.exceptions import StoreError
from trialkg.iris import BASE, RDF, RDFS, TKG, XSD, graph_iri, trial_iri
from trialkg.sources.ctgov_api import Search
from trialkg.store import TrialStore

__all__ = ["SEARCHES_GRAPH", "SavedSearch", "check_name", "load_searches", "save_search",
           "search_iri"]

SEARCHES_GRAPH = graph_iri("searches")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}")
_TRIAL_PREFIX = trial_iri("NCT00000000")[: -len("NCT00000000")]


def check_name(name: str) -> str:
    """A saved search's name: letters, digits, ``.``, ``_``, ``-`` (up to 80).

    :raises ValueError: any other name.
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a usable search name (letters, digits, '.', '_' "
                         "and '-', starting with a letter or digit, up to 80 characters)")
    return name


def search_iri(name: str) -> str:
    """>>> search_iri("desmoid")
    'https://w3id.org/trialkg/search/desmoid'
    """
    return f"{BASE}search/{check_name(name)}"


@dataclass
class SavedSearch:
    name: str
    search: Search
    api: str
    last_run: str
    matched: set[str] = field(default_factory=set)  # NCT ids

    @property
    def iri(self) -> str:
        return search_iri(self.name)

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "parameters": self.search.as_dict(), "api": self.api,
                "last_run": self.last_run, "studies": len(self.matched)}


def save_search(store: TrialStore, saved: SavedSearch) -> None:
    """Write (replacing) one saved search's description, in one update."""
    g = ox.NamedNode(SEARCHES_GRAPH)
    s = ox.NamedNode(saved.iri)
    params = orjson.dumps(saved.search.as_dict(), option=orjson.OPT_SORT_KEYS).decode()
    quads = [
        ox.Quad(s, ox.NamedNode(RDF + "type"), ox.NamedNode(TKG + "SavedSearch"), g),
        ox.Quad(s, ox.NamedNode(RDFS + "label"), ox.Literal(saved.name), g),
        ox.Quad(s, ox.NamedNode(TKG + "searchParameters"), ox.Literal(params), g),
        ox.Quad(s, ox.NamedNode(TKG + "apiBase"), ox.Literal(saved.api), g),
        ox.Quad(s, ox.NamedNode(TKG + "lastRun"),
                ox.Literal(saved.last_run, datatype=ox.NamedNode(XSD + "dateTime")), g),
    ]
    quads += [ox.Quad(s, ox.NamedNode(TKG + "matchedTrial"), ox.NamedNode(trial_iri(n)), g)
              for n in sorted(saved.matched)]
    body = "\n".join(f"{q.subject} {q.predicate} {q.object} ." for q in quads)
    store.store.update(
        f"DELETE WHERE {{ GRAPH {g} {{ {s} ?p ?o }} }} ;\n"
        f"INSERT DATA {{ GRAPH {g} {{\n{body}\n}} }}")


def load_searches(store: TrialStore, names: Iterable[str] | None = None) -> list[SavedSearch]:
    """The saved searches (by name), sorted by name.

    :raises StoreError: a name that is not saved.
    """
    g = ox.NamedNode(SEARCHES_GRAPH)
    found: dict[str, SavedSearch] = {}
    if store.store.contains_named_graph(g):
        for q in store.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"),
                                               ox.NamedNode(TKG + "SavedSearch"), g):
            found_one = _read(store, q.subject, g)
            if found_one is not None:
                found[found_one.name] = found_one
    if names is None:
        return [found[k] for k in sorted(found)]
    out = []
    for name in names:
        if name not in found:
            known = ", ".join(sorted(found)) or "none yet; `trialkg fetch` saves them"
            raise StoreError(f"no saved search named {name!r} (saved: {known})")
        out.append(found[name])
    return out


def _read(store: TrialStore, s: object, g: ox.NamedNode) -> SavedSearch | None:
    values: dict[str, list[str]] = {}
    assert isinstance(s, ox.NamedNode)
    for q in store.store.quads_for_pattern(s, None, None, g):
        values.setdefault(q.predicate.value, []).append(str(q.object.value)
                                                         if not isinstance(q.object, ox.Triple)
                                                         else "")
    try:
        name = values[RDFS + "label"][0]
        params = orjson.loads(values[TKG + "searchParameters"][0])
        return SavedSearch(
            name, Search.from_dict(params), values[TKG + "apiBase"][0],
            values[TKG + "lastRun"][0],
            {v[len(_TRIAL_PREFIX):] for v in values.get(TKG + "matchedTrial", [])
             if v.startswith(_TRIAL_PREFIX)})
    except (KeyError, IndexError, orjson.JSONDecodeError, TypeError):
        return None  # not one trialkg wrote: leave it alone
