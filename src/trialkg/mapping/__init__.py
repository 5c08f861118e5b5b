"""The RDF mapping: a record-model object to the triples of its named graph.

* :mod:`~trialkg.mapping.study` — a registry study: the trial, arms, outcomes, sites, MeSH links,
  its provenance and digest (``study_quads``, ``study_text``);
* :mod:`~trialkg.mapping.results` — posted results and published evidence;
* :mod:`~trialkg.mapping.curated` — what curated records add (sources, reviews);
* :mod:`~trialkg.mapping.mesh_links` — trialkg's own MeSH links where a record gives none;
* :mod:`~trialkg.mapping.terms` — the building blocks: ontology terms, typed literals, the emitter;
* :mod:`~trialkg.mapping.digest` — a record's order-independent digest and its ingest time.

The IRI rules every layer shares live one level down, in :mod:`trialkg.iris`. The mapping is
pure: it reads dataclasses and returns quads or N-Quads text, and never touches a store.
"""
