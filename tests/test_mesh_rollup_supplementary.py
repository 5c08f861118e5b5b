"""Roll-up through supplementary concept records, on real records of ../shared/data/ctgov-v2.

NLM keeps many drugs (and rare diseases) as supplementary records (``C…``) mapped to
descriptors. A trial whose only link is such a record must be found under the descriptors the
record maps to and their ancestors:

- NCT00763412 (repaglinide in cystic fibrosis): the registry's only intervention MeSH is
  C000072379 Repaglinide, which NLM maps to Carbamates and Piperidines;
- NCT02960672 (api-page-5.json): the registry's only disease MeSH is C562470 Interstitial
  Pneumonitis, Desquamative, Familial, mapped to Lung Diseases, Interstitial (D017563);
- NCT04431453 (remdesivir in COVID-19) without its derivedSection: trialkg links "Remdesivir"
  to C000606551 at ingest, which NLM maps to Adenosine Monophosphate and Alanine.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli, shared_path
from trialkg.iris import MESH, TRIAL

pytestmark = pytest.mark.shared


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    v2 = shared_path("data", "ctgov-v2")
    tmp = tmp_path_factory.mktemp("supplementary-rollup")
    doc: dict[str, Any] = json.loads((v2 / "NCT04431453.json").read_text(encoding="utf-8"))
    if "studies" in doc:
        doc = doc["studies"][0]
    doc.pop("derivedSection")  # a fresh registry record: trialkg links it at ingest
    fresh = tmp / "NCT04431453.json"
    fresh.write_text(json.dumps(doc), encoding="utf-8")
    path = tmp / "store"
    done = run_cli("ingest", "--store", str(path), "--no-progress", "--no-worker",
                   str(v2 / "NCT00763412.json"), str(v2 / "api-page-5.json"), str(fresh))
    assert done.returncode == 0, done.stderr
    return path


def _query(store: Path, name: str, **params: str) -> list[dict[str, str]]:
    args = [x for k, v in params.items() for x in ("-p", f"{k}={v}")]
    done = run_cli("query", "run", name, "--store", str(store), "--format", "json", *args)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["results"]["bindings"]
    return [{k: v["value"].removeprefix(TRIAL).removeprefix(MESH) for k, v in row.items()}
            for row in rows]


def test_a_drug_kept_as_a_supplementary_record_rolls_up(store: Path) -> None:
    rows = _query(store, "trials-by-drug", drug="Piperidines")
    assert [(r["trial"], r["mesh"], r["meshLabel"], r["direct"], r["linkedBy"]) for r in rows] == [
        ("NCT00763412", "C072379", "repaglinide", "false", "registry")]
    # further up: Piperidines is a 1-ring heterocycle; the other mapping, Carbamates, too
    assert "NCT00763412" in {r["trial"] for r in _query(
        store, "trials-by-drug", drug="Heterocyclic Compounds, 1-Ring")}
    assert {r["trial"] for r in _query(store, "trials-by-drug", drug="D002219")} == {
        "NCT00763412"}
    # direct links only: the trial is linked to the record, not to Piperidines
    assert _query(store, "trials-by-drug", drug="Piperidines", descendants="false") == []
    # the record itself still finds it directly
    rows = _query(store, "trials-by-drug", drug="C000072379", descendants="false")
    assert [(r["trial"], r["direct"]) for r in rows] == [("NCT00763412", "true")]


def test_a_supplementary_record_linked_at_ingest_rolls_up(store: Path) -> None:
    rows = _query(store, "trials-by-drug", drug="Adenine Nucleotides")
    assert [(r["trial"], r["mesh"], r["linkedBy"]) for r in rows] == [
        ("NCT04431453", "C000606551", "trialkg")]
    assert _query(store, "trials-by-drug", drug="Adenine Nucleotides", linked="exclude") == []


def test_a_disease_kept_as_a_supplementary_record_rolls_up(store: Path) -> None:
    rows = _query(store, "trials-by-condition", condition="Lung Diseases, Interstitial")
    assert {r["trial"]: r["mesh"] for r in rows}["NCT02960672"] == "C562470"
    # the roll-up counts it under Lung Diseases, Interstitial (3 trials linked directly:
    # NCT06476470, NCT00258583, NCT04676594; NCT05932303 through Idiopathic Pulmonary
    # Fibrosis), and lists the record as a row of its own
    counts = {r["descriptor"]: (r["name"], int(r["trials"]), int(r["direct"]))
              for r in _query(store, "condition-rollup", condition="D017563")}
    assert counts["D017563"] == ("Lung Diseases, Interstitial", 5, 3)
    assert counts["C562470"] == ("Interstitial Pneumonitis, Desquamative, Familial", 1, 1)
