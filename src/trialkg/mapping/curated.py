"""The RDF a curated record adds to its study's graph: where the facts come from, and a
one-line summary of each curated result.

The detailed results (outcomes, groups, measurements) are mapped by ``trialkg.mapping.results``;
the summary here is a plain-text companion that simple queries can show in one column.

>>> from trialkg.model.results import Measurement, OutcomeResult
>>> result_summary(OutcomeResult("primary", "Tumour response", time_frame="14 weeks",
...     unit="participants", measurements=[Measurement(None, "5", category_title="Shrank",
...     denominator="14"), Measurement(None, "6", category_title="Stable", denominator="14")]))
'Tumour response (14 weeks): Shrank 5/14, Stable 6/14 participants'
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode, Quad

from trialkg.iris import DCTERMS, PROV, RDF, TKG, XSD
from trialkg.model import Study
from trialkg.model.results import OutcomeResult, SourceRef, StudyResults

__all__ = ["curated_quads", "curated_triples", "result_summary", "source_quads", "source_triples"]

_DATE = NamedNode(XSD + "date")


def _tkg(local: str) -> NamedNode:
    return NamedNode(TKG + local)


def result_summary(outcome: OutcomeResult) -> str:
    """A curated outcome in one line: title, time frame (unless the title says it already),
    each value over its denominator.

    >>> from trialkg.model.results import Measurement
    >>> result_summary(OutcomeResult("primary", "Tumour response after 14 weeks",
    ...     time_frame="14 weeks", measurements=[Measurement(None, "5",
    ...     category_title="Shrank", denominator="14")]))
    'Tumour response after 14 weeks: Shrank 5/14'
    """
    frame = outcome.time_frame
    said = frame and frame.casefold() in outcome.title.casefold()
    head = outcome.title + (f" ({frame})" if frame and not said else "")
    parts = []
    units = {m.unit or outcome.unit for m in outcome.measurements}
    for m in outcome.measurements:
        label = " ".join(x for x in (m.class_title, m.category_title) if x)
        value = f"{m.value}/{m.denominator}" if m.denominator else (m.value or "NA")
        if len(units) > 1 and (m.unit or outcome.unit):
            value += f" {m.unit or outcome.unit}"
        parts.append(f"{label} {value}".strip())
    tail = ", ".join(parts)
    if len(units) == 1 and (unit := next(iter(units))):
        tail += f" {unit}"
    return f"{head}: {tail}" if tail else head


def source_quads(graph: NamedNode, ref: SourceRef) -> list[Quad]:
    """The graph ``prov:wasDerivedFrom`` the source page, with its retrieval date."""
    return [Quad(s, p, o, graph) for s, p, o in source_triples(graph, ref)]


def source_triples(
    graph: NamedNode, ref: SourceRef
) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """:func:`source_quads` as triples (subject, predicate, object) of ``graph``."""
    page = NamedNode(ref.url)
    out: list[tuple[NamedNode, NamedNode, NamedNode | Literal]] = [
        (graph, NamedNode(PROV + "wasDerivedFrom"), page),
        (page, NamedNode(RDF + "type"), _tkg("SourcePage")),
        (page, _tkg("retrievedOn"), Literal(ref.retrieved, datatype=_DATE)),
    ]
    if ref.title:
        out.append((page, NamedNode(DCTERMS + "title"), Literal(ref.title)))
    if ref.citation:
        out.append((page, NamedNode(DCTERMS + "bibliographicCitation"), Literal(ref.citation)))
    if ref.doi:
        out.append((page, _tkg("doi"), Literal(ref.doi)))
    if ref.pmid:
        out.append((page, _tkg("pmid"), Literal(ref.pmid)))
    return out


def curated_quads(graph: NamedNode, trial: NamedNode, study: Study) -> list[Quad]:
    """Provenance of a curated record and one ``tkg:resultSummary`` per curated outcome."""
    return [Quad(s, p, o, graph) for s, p, o in curated_triples(graph, trial, study)]


def curated_triples(
    graph: NamedNode, trial: NamedNode, study: Study
) -> list[tuple[NamedNode, NamedNode, NamedNode | Literal]]:
    """:func:`curated_quads` as triples (subject, predicate, object) of ``graph``."""
    out: list[tuple[NamedNode, NamedNode, NamedNode | Literal]] = []
    if isinstance(study.source_ref, SourceRef):
        out.extend(source_triples(graph, study.source_ref))
    results = study.results
    if isinstance(results, StudyResults) and results.source is not None:
        if results.source != study.source_ref:
            out.extend(source_triples(graph, results.source))
        for outcome in results.outcomes:
            out.append((trial, _tkg("resultSummary"), Literal(result_summary(outcome))))
    return out
