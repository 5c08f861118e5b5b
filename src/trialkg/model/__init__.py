"""The record model: what every source reads a trial record into, before any RDF.

* :mod:`~trialkg.model.study` — a registry study (:class:`Study`, its arms, outcomes, sites …);
* :mod:`~trialkg.model.results` — posted results and published evidence (:class:`Evidence`);
* :mod:`~trialkg.model.enumerations` — the registry's closed value lists (phase, status …).

Plain dataclasses with no RDF in them: ``sources/`` builds them, ``mapping/`` turns them into
triples. The study classes are exported here.
"""

from trialkg.model.study import (
    Arm,
    DatePoint,
    Eligibility,
    Intervention,
    MeshTerm,
    Official,
    Organization,
    Outcome,
    Reference,
    SecondaryId,
    Site,
    Study,
)

__all__ = [
    "Arm",
    "DatePoint",
    "Eligibility",
    "Intervention",
    "MeshTerm",
    "Official",
    "Organization",
    "Outcome",
    "Reference",
    "SecondaryId",
    "Site",
    "Study",
]
