"""Linking at ingest: records without MeSH of their own get trialkg's links, kept apart.

Core tests use the hand-written record tests/data/ctgov-v2/NCT99000001.json with its
``derivedSection`` (the registry's MeSH) removed; the others real legacy XML records of
../shared/data/ctgov-xml/aact-fixtures that have no browse terms, and a real API v2 record
whose ``derivedSection`` the test removes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from tests.conftest import DATA, run_cli, shared_path
from trialkg.iris import MESH, TKG, TRIAL, id_iri
from trialkg.mapping.mesh_links import link_missing_mesh
from trialkg.model import Intervention, MeshTerm, Study

LINKS = f"""PREFIX tkg: <{TKG}>
SELECT ?trial ?property ?mesh ?method ?text ?index ?from WHERE {{
  ?trial tkg:meshLink ?link .
  ?link tkg:linkProperty ?property ; tkg:mesh ?mesh ; tkg:linkMethod ?method ;
        tkg:matchedText ?text ; tkg:sourceIndex ?index ; tkg:linkedFrom ?from .
}}"""


def _without_derived(source: Path, target: Path, nct: str | None = None) -> Path:
    """A copy of an API v2 record without its derivedSection (a fresh registry record)."""
    doc: dict[str, Any] = json.loads(source.read_text(encoding="utf-8"))
    if "studies" in doc:
        doc = doc["studies"][0]
    doc.pop("derivedSection", None)
    if nct:
        doc["protocolSection"]["identificationModule"]["nctId"] = nct
    target.write_text(json.dumps(doc), encoding="utf-8")
    return target


def _ingest(store: Path, *paths: Path, worker: bool = False) -> str:
    done = run_cli("ingest", "--store", str(store), "--no-progress",
                   "--worker" if worker else "--no-worker", *map(str, paths))
    assert done.returncode == 0, done.stderr
    return done.stderr


def _query(store: Path, name: str, **params: str) -> list[dict[str, str]]:
    args = [x for k, v in params.items() for x in ("-p", f"{k}={v}")]
    done = run_cli("query", "run", name, "--store", str(store), "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    return [{k: v["value"] for k, v in row.items()} for row in rows]


def _links(store: Path) -> set[tuple[str, str, str, str, str, int, str]]:
    done = run_cli("sparql", LINKS, "--store", str(store), "--format", "json")
    assert done.returncode == 0, done.stderr
    out = set()
    for row in json.loads(done.stdout)["results"]["bindings"]:
        v = {k: x["value"] for k, x in row.items()}
        trial = v["trial"].removeprefix(TRIAL).rsplit("/", 1)[-1]
        out.add((trial, v["property"].removeprefix(TKG),
                 v["mesh"].removeprefix(MESH), v["method"], v["text"], int(v["index"]),
                 v["from"].rsplit("/", 2)[-2] + "/" + v["from"].rsplit("/", 1)[-1]))
    return out


def _trials(rows: list[dict[str, str]], key: str = "trial") -> set[str]:
    return {r[key].removeprefix(TRIAL) for r in rows}


# --- core: no ../shared ----------------------------------------------------------------------


def test_only_a_side_without_registry_mesh_is_linked() -> None:
    """The registry's MeSH is left as is; trialkg links the other side only, each string
    with its kind (a condition never links to a drug, a drug name never to a disease)."""
    study = Study("NCT99000009", conditions=["Desmoid Tumor", "Healthy"],
                  interventions=[Intervention("Gleevec"), Intervention("Placebo")],
                  condition_mesh=[MeshTerm("D018222")])
    link_missing_mesh(study)
    assert study.condition_mesh_linked == []  # the registry gave condition MeSH
    assert [(t.ui, t.method, t.matched_text, t.index) for t in study.intervention_mesh_linked] \
        == [("D000068877", "exact", "Gleevec", 1)]  # "Placebo" links to nothing
    # a device is no drug: "Insulin pump" would give Insulin (partial), but is not linked
    device = Study("NCT99000009", interventions=[Intervention("Insulin pump", type="DEVICE"),
                                                 Intervention("Insulin pump", type="DRUG")])
    link_missing_mesh(device)
    assert [(t.ui, t.method, t.matched_text, t.index) for t in device.intervention_mesh_linked] \
        == [("D007328", "partial", "Insulin", 2)]
    addition = Study("NCT99000009", conditions=["Desmoid Tumor"], graph="curated/NCT99000009")
    link_missing_mesh(addition)  # a curated addition: its trial's registry record has MeSH
    assert addition.condition_mesh_linked == []


def test_a_record_without_derived_section_is_linked_at_ingest(tmp_path: Path) -> None:
    fresh = _without_derived(DATA / "ctgov-v2" / "NCT99000001.json",
                             tmp_path / "NCT99000003.json", "NCT99000003")
    store = tmp_path / "store"
    _ingest(store, DATA / "ctgov-v2" / "NCT99000001.json", fresh)
    # NCT99000003's conditions are "Desmoid Tumor" and "Aggressive Fibromatosis", its drug
    # "Imatinib mesylate": all linked by trialkg, with the text each link was found in.
    # NCT99000001 (the same record with the registry's MeSH) gets no trialkg link.
    assert _links(store) >= {
        ("NCT99000003", "conditionMeshLinked", "D018222", "partial", "Desmoid", 1,
         "condition/desmoid-tumor"),
        ("NCT99000003", "conditionMeshLinked", "D018222", "exact", "Aggressive Fibromatosis", 2,
         "condition/aggressive-fibromatosis"),
        ("NCT99000003", "interventionMeshLinked", "D000068877", "exact", "Imatinib mesylate", 1,
         "intervention/1"),
    }
    assert not {x for x in _links(store) if x[0] == "NCT99000001" and "Linked" in x[1]}

    both = _query(store, "trials-by-condition", condition="D018222", descendants="false")
    assert {(r["trial"].removeprefix(TRIAL), r["linkedBy"]) for r in both} == {
        ("NCT99000001", "registry"), ("NCT99000003", "trialkg")}
    registry = _query(store, "trials-by-condition", condition="D018222", linked="exclude")
    assert _trials(registry) == {"NCT99000001"}
    ours = _query(store, "trials-by-condition", condition="D018222", linked="only")
    assert _trials(ours) == {"NCT99000003"}
    # roll-up: Fibromatosis, Aggressive (D018222) is under Fibroma (D005350)
    rolled = _query(store, "trials-by-condition", condition="D005350")
    assert _trials(rolled) == {"NCT99000001", "NCT99000003"}
    drug = _query(store, "trials-by-drug", drug="D000068877", linked="exclude")
    assert _trials(drug) == {"NCT99000001"}
    assert _trials(_query(store, "trials-by-drug", drug="D000068877")) == {
        "NCT99000001", "NCT99000003"}


CURATED = """\
record_type: trial
trial_id: EXAMPLE-2024-01
source:
  url: "https://example.org/trials/2024-01"
  retrieved: "2026-11-21"
  title: "A made-up registry page (trialkg test record)"
title: Imatinib for dermatofibrosarcoma protuberans (test record)
status: COMPLETED
study_type: INTERVENTIONAL
conditions: [Dermatofibrosarcoma Protuberans]
interventions:
  - name: Imatinib
    type: DRUG
"""


def test_a_curated_trial_of_another_registry_without_mesh_is_linked(tmp_path: Path) -> None:
    record = tmp_path / "EXAMPLE-2024-01.yaml"
    record.write_text(CURATED, encoding="utf-8")
    store = tmp_path / "store"
    _ingest(store, record)
    assert _links(store) == {
        ("EXAMPLE-2024-01", "conditionMeshLinked", "D018223", "exact",
         "Dermatofibrosarcoma Protuberans", 1, "condition/dermatofibrosarcoma-protuberans"),
        ("EXAMPLE-2024-01", "interventionMeshLinked", "D000068877", "exact", "Imatinib", 1,
         "intervention/1"),
    }


def test_reingest_of_an_unchanged_record_is_unchanged(tmp_path: Path) -> None:
    fresh = _without_derived(DATA / "ctgov-v2" / "NCT99000001.json",
                             tmp_path / "NCT99000003.json", "NCT99000003")
    store = tmp_path / "store"
    _ingest(store, fresh)
    assert "1 unchanged" in _ingest(store, fresh)
    # the worker process links the same way: the same digest, so nothing to replace
    assert "1 unchanged" in _ingest(store, fresh, worker=True)


# --- real records of ../shared -----------------------------------------------------------


@pytest.mark.shared
def test_legacy_records_without_browse_terms(tmp_path: Path) -> None:
    fixtures = shared_path("data", "ctgov-xml", "aact-fixtures")
    # NCT04452435: condition "COVID-19", interventions "C21" and "Placebo", no browse terms.
    # NCT01841593: condition "HIV"; intervention browse terms (Amlodipine, Raltegravir
    # Potassium) but no condition browse: only its condition is linked by trialkg.
    covid = fixtures / "NCT04452435_covid_19.xml"
    hiv = fixtures / "NCT01841593.xml"
    store = tmp_path / "store"
    _ingest(store, covid, hiv)

    links = {x for x in _links(store) if "Linked" in x[1]}
    assert links == {
        ("NCT04452435", "conditionMeshLinked", "D000086382", "exact", "COVID-19", 1,
         "condition/covid-19"),
        ("NCT01841593", "conditionMeshLinked", "D015658", "exact", "HIV", 1, "condition/hiv"),
    }
    # roll-up from COVID-19 to Coronavirus Infections (D018352) finds trialkg's link only,
    # in every query that takes a condition
    for name, key in (("trials-by-condition", "trial"), ("trials", "trialId"),
                      ("timeline", "trial"), ("eligibility-for-condition", "trial")):
        found = _query(store, name, condition="D018352")
        assert _trials(found, key) == {"NCT04452435"}, name
        assert _query(store, name, condition="D018352", linked="exclude") == [], name
    # `trialkg trials` passes --linked on
    done = run_cli("trials", "--condition", "D018352", "--linked", "exclude", "--store",
                   str(store), "--format", "csv")
    assert done.returncode == 0 and "NCT04452435" not in done.stdout, done.stderr
    done = run_cli("trials", "--condition", "D018352", "--store", str(store), "--format", "csv")
    assert done.returncode == 0 and "NCT04452435" in done.stdout, done.stderr
    rollup = {r["descriptor"].removeprefix(MESH): (int(r["trials"]), int(r["direct"]))
              for r in _query(store, "condition-rollup", condition="D014777")}  # Virus Diseases
    assert rollup["D014777"] == (2, 0)
    assert rollup["D018352"] == (1, 0) and rollup["D000086382"] == (1, 1)
    assert rollup["D015658"] == (1, 1)  # HIV Infections
    assert _query(store, "condition-rollup", condition="D014777", linked="exclude") == []

    # what is still unlinked: before trialkg's links (exclude) and with them (include)
    before = {(r["trial"].removeprefix(TRIAL), r["missing"])
              for r in _query(store, "trials-lacking-mesh", linked="exclude")}
    assert before == {("NCT04452435", "condition, intervention"), ("NCT01841593", "condition")}
    after = {(r["trial"].removeprefix(TRIAL), r["missing"])
             for r in _query(store, "trials-lacking-mesh")}
    assert after == {("NCT04452435", "intervention")}  # C21 and Placebo: no drug descriptor


@pytest.mark.shared
def test_fresh_api_record_gets_the_registry_s_own_links(tmp_path: Path) -> None:
    """NCT04431453 (COVID-19, remdesivir): without its derivedSection trialkg links the same
    MeSH records the registry lists there (D000086382 COVID-19, C000606551 remdesivir)."""
    source = shared_path("data", "ctgov-v2", "NCT04431453.json")
    fresh = _without_derived(source, tmp_path / "NCT04431453.json")
    store = tmp_path / "store"
    _ingest(store, fresh)
    assert {x[1:5] for x in _links(store)} == {
        ("conditionMeshLinked", "D000086382", "exact", "COVID-19"),
        ("interventionMeshLinked", "C000606551", "supplementary", "Remdesivir"),
    }
    similar_input = _query(store, "trials-by-drug", drug="C000606551")
    assert [r["linkedBy"] for r in similar_input] == ["trialkg"]
    assert _query(store, "trials-lacking-mesh") == []
    assert _trials(_query(store, "trials-lacking-mesh", linked="exclude")) == {"NCT04431453"}


@pytest.mark.shared
def test_validate_passes_with_linked_records(tmp_path: Path) -> None:
    fixtures = shared_path("data", "ctgov-xml", "aact-fixtures")
    store = tmp_path / "store"
    _ingest(store, fixtures / "NCT04452435_covid_19.xml", fixtures / "NCT02567188.xml")
    done = run_cli("validate", "--store", str(store), "--no-owl")
    # the MeSH graph describes the descriptors only trialkg's links use (a SHACL shape
    # checks every linked MeSH IRI), and each link made at ingest has its text and source
    assert done.returncode == 0, done.stdout + done.stderr
    assert ("NCT02567188", "conditionMeshLinked", "D000740", "exact", "Anemia", 1,
            "condition/anemia") in _links(store)
    # a link made at ingest without its string index breaks the shape that asks for it
    raw = ox.Store(str(store))
    (index,) = raw.quads_for_pattern(
        ox.NamedNode(id_iri("NCT02567188", "mesh-link", "conditionMeshLinked", 1, "D000740")),
        ox.NamedNode(TKG + "sourceIndex"), None, None)
    raw.remove(index)
    raw.flush()
    del raw
    done = run_cli("validate", "--store", str(store), "--no-owl")
    assert done.returncode == 1
    assert "a MeSH link made at ingest lacks its matched text, string index or source" \
        in done.stdout
