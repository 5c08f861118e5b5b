"""query list/show/run and sparql through the installed CLI, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def store(ctgov_v2_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    from trialkg.store.ingest import ingest_paths

    where = tmp_path_factory.mktemp("cli") / "store"
    report = ingest_paths([ctgov_v2_dir], where, progress=False)
    assert report.ok, report.errors
    return str(where)


def test_list_json_describes_every_query(cli: Any) -> None:
    done = cli("query", "list", "--format", "json")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    by_name = {q["name"]: q for q in data}
    assert len(data) >= 15
    sponsor = by_name["trials-by-sponsor"]["params"]
    assert sponsor[0] == {"name": "sponsor", "type": "string", "required": True,
                          "default": None, "description": sponsor[0]["description"]}
    assert {"name": "role", "type": "enum", "default": "any", "required": False} .items() <= \
        sponsor[1].items()


def test_show_prints_header_and_sparql(cli: Any) -> None:
    done = cli("query", "show", "trials-by-condition")
    assert done.returncode == 0
    assert done.stdout.startswith("#+ summary:") and "tkg:rollsUpTo" in done.stdout


def test_run_csv_tsv_json(cli: Any, store: str) -> None:
    args = ("query", "run", "trials-by-sponsor", "-p", "sponsor=bayer", "-p", "role=lead",
            "--store", store)
    csv = cli(*args, "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    lines = csv.stdout.splitlines()
    assert lines[0] == "trial,title,organisation,as,status" and len(lines) == 5
    tsv = cli(*args, "--format", "tsv")
    assert tsv.stdout.splitlines()[0] == "?trial\t?title\t?organisation\t?as\t?status"
    data = json.loads(cli(*args, "--format", "json").stdout)
    assert data["head"]["vars"] == ["trial", "title", "organisation", "as", "status"]
    assert {b["trial"]["value"] for b in data["results"]["bindings"]} == {
        f"https://identifiers.org/clinicaltrials:{n}"
        for n in ("NCT05850520", "NCT05915026", "NCT05915702", "NCT05915728")}


def test_table_goes_to_stdout_and_count_to_stderr(cli: Any, store: str) -> None:
    done = cli("query", "run", "trials-with-results", "--store", store)
    assert done.returncode == 0
    assert "ctid:NCT00763412" in done.stdout and done.stderr.strip().endswith("7 rows")


def test_output_format_from_extension(cli: Any, store: str, tmp_path: Path) -> None:
    out = tmp_path / "counts.json"
    done = cli("query", "run", "phase-status-counts", "--store", store, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert sum(int(b["trials"]["value"]) for b in
               json.loads(out.read_text())["results"]["bindings"]) == 72
    card = tmp_path / "card.nt"
    done = cli("query", "run", "trial-card", "-p", "trial=NCT00763412", "--store", store,
               "-o", str(card))
    assert done.returncode == 0, done.stderr
    assert "<https://identifiers.org/clinicaltrials:NCT00763412>" in card.read_text()


def test_exit_status_2_for_usage_errors(cli: Any, store: str) -> None:
    unknown = cli("query", "run", "trials-by-sponsr", "--store", store)
    assert unknown.returncode == 2 and "did you mean 'trials-by-sponsor'" in unknown.stderr
    bad = cli("query", "run", "trials-by-phase-status", "-p", "phase=7", "--store", store)
    assert bad.returncode == 2 and "parameter 'phase'" in bad.stderr
    assert "Traceback" not in bad.stderr
    syntax = cli("query", "run", "trials-by-sponsor", "-p", "sponsor", "--store", store)
    assert syntax.returncode == 2 and "expected key=value" in syntax.stderr


def test_sparql_syntax_error_shows_where(cli: Any, store: str) -> None:
    done = cli("sparql", "SELECT * WHERE {\n  ?s ?p\n}", "--store", store)
    assert done.returncode == 1
    assert "syntax error at line 3" in done.stderr and "  3 | }" in done.stderr
    assert done.stderr.splitlines()[-1].strip().startswith("|") and "^" in done.stderr


def test_sparql_from_stdin(cli: Any, store: str) -> None:
    query = ("PREFIX tkg: <https://w3id.org/trialkg/vocab#>\n"
             "SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a tkg:ClinicalTrial }")
    done = cli("sparql", "-", "--format", "csv", "--store", store, input=query)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["n", "72"]
