"""Checking a graph: SHACL shapes and the OWL ontology, with one report.

* :mod:`~trialkg.validation.validate` — ``trialkg validate``: runs both and renders findings;
* :mod:`~trialkg.validation.sparql_shapes` — the SHACL shapes run as SPARQL inside Oxigraph;
* :mod:`~trialkg.validation.reasoning` — the ontology checked with HermiT (owlready2, Java).
"""
