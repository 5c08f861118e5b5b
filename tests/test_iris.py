"""IRI rules: deterministic, flat, and unbreakable by any text."""

from __future__ import annotations

from urllib.parse import quote

import pyoxigraph as ox
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trialkg.exceptions import MeshError
from trialkg.iris import ID, id_iri, mesh_iri, normalise_mesh_id, slug, trial_iri
from trialkg.mapping.study import organization_iri


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("D000003520", "D003520"),  # ClinicalTrials.gov zero padding
        ("C000009022", "C009022"),
        ("D000068877", "D000068877"),  # a genuine 10-character id (Imatinib Mesylate)
        ("D000086382", "D000086382"),  # COVID-19
        ("D018223", "D018223"),
        ("d018222", "D018222"),
        ("http://id.nlm.nih.gov/mesh/D000009369", "D009369"),
    ],
)
def test_mesh_ids_are_normalised(raw: str, expected: str) -> None:
    assert normalise_mesh_id(raw) == expected
    assert mesh_iri(raw) == f"http://id.nlm.nih.gov/mesh/{expected}"


@pytest.mark.parametrize("bad", ["", "D", "NCT00122473", "D12X", "Z000123"])
def test_bad_mesh_ids_raise(bad: str) -> None:
    with pytest.raises(MeshError):
        normalise_mesh_id(bad)


def test_trial_iri_uses_identifiers_org_for_nct_ids() -> None:
    assert trial_iri("NCT00122473") == "https://identifiers.org/clinicaltrials:NCT00122473"
    assert trial_iri("EORTC 62027").startswith("https://w3id.org/trialkg/id/trial/EORTC%2062027")


@pytest.mark.parametrize(
    "text", ["tab\there", 'quote"s', "<angle>", "space d", "ünïcødé ✓", "{}|\\^`", "\x00\x1f"]
)
def test_no_text_breaks_an_iri(text: str) -> None:
    for iri in (id_iri("NCT00000001", "site", text), organization_iri(text), trial_iri(text)):
        ox.NamedNode(iri)  # raises on an invalid IRI
        # and it survives an N-Triples round trip
        nt = f"<{iri}> <http://e/p> <http://e/o> .\n"
        assert next(iter(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))).subject.value == iri


def test_slugs_are_deterministic_ascii() -> None:
    assert slug("National Cancer Institute (NCI)") == "national-cancer-institute-nci"
    assert slug("National  Cancer Institute (NCI) ") == "national-cancer-institute-nci"


@given(st.text())
def test_id_iri_segment_is_percent_encoding(text: str) -> None:
    """Unreserved text skips ``quote``; every text gets what ``quote`` gives."""
    assert id_iri(text, 7) == ID + (quote(text, safe="-._~") or "_") + "/7"
