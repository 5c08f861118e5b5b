"""Issue #15: the first hour of a new user (install, first commands, answers shown whole)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

from tests.conftest import REPO, run_cli


def no_store_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user who has never ingested anything (no store anywhere)."""
    env = {k: v for k, v in os.environ.items() if k != "TRIALKG_STORE"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data-home")
    env["HOME"] = str(tmp_path / "home")
    return env


# --- 1. every listed command works after `pip install .` (no extras) ----------------------


def test_validate_needs_nothing_from_the_test_extra() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {d.split(">")[0].split("=")[0].strip().lower() for d in project["dependencies"]}
    assert "pyshacl" in runtime


@pytest.mark.slow
def test_validate_without_java_says_so_in_one_line_and_runs_shacl(tmp_path: Path) -> None:
    env = no_store_env(tmp_path)
    env["PATH"] = str(tmp_path / "empty-bin")  # no java on this PATH
    done = run_cli("validate", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("conforms: 0 violations")
    java_lines = [line for line in done.stderr.splitlines() if "Java" in line]
    assert len(java_lines) == 1
    assert "SHACL checks ran" in java_lines[0]
    assert "Traceback" not in done.stderr


# --- 10. format aliases, everywhere a format is chosen ------------------------------------


@pytest.mark.parametrize(("alias", "name"), [("nt", "ntriples"), ("ttl", "turtle"),
                                             ("nq", "nquads"), ("xml", "rdfxml")])
def test_export_accepts_the_short_format_names(tmp_path: Path, alias: str, name: str) -> None:
    env = no_store_env(tmp_path)
    by_alias = run_cli("export", "-f", alias, "-g", "ontology", env=env)
    by_name = run_cli("export", "-f", name, "-g", "ontology", env=env)
    assert by_alias.returncode == 0, by_alias.stderr
    assert by_alias.stdout == by_name.stdout
    assert "tkg:" in by_alias.stdout or "trialkg/vocab#" in by_alias.stdout


def test_query_run_accepts_the_short_format_names(tmp_path: Path) -> None:
    done = run_cli("query", "run", "trial-card", "-p", "trial=NCT00122473", "--format", "nt",
                   env=no_store_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert ('<https://identifiers.org/clinicaltrials:NCT00122473> '
            '<https://w3id.org/trialkg/vocab#trialId> "NCT00122473" .') in done.stdout.splitlines()


def test_formats_know_their_aliases() -> None:
    from trialkg.formats import get_format

    assert get_format("nt").name == "ntriples"
    assert get_format("JSON-LD").name == "jsonld"
    with pytest.raises(KeyError):
        get_format("n3")


# --- 5. an update given to `sparql` ----------------------------------------------------------


@pytest.mark.parametrize("update", ["DELETE WHERE { ?s ?p ?o }",
                                    "PREFIX x: <http://x/>\nINSERT DATA { x:a x:b x:c }"])
def test_sparql_refuses_updates_as_a_usage_error(tmp_path: Path, update: str) -> None:
    done = run_cli("sparql", update, env=no_store_env(tmp_path))
    assert done.returncode == 2
    assert "SPARQL update" in done.stderr and "runs queries only" in done.stderr
    assert "expected CONSTRUCT" not in done.stderr


# --- 6. --store must not write into a folder of other files ----------------------------------


def test_ingest_refuses_a_non_empty_folder_that_is_no_store(tmp_path: Path) -> None:
    from tests.conftest import DATA

    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"\xff\xd8\xff")
    done = run_cli("ingest", "--store", str(folder), str(DATA / "ctgov-v2" / "NCT99000001.json"))
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        f"trialkg: error: {folder} is not a trialkg store and is not empty (1 entry, e.g. "
        "'holiday.jpg'); nothing was written: give --store a new or empty folder"]
    assert sorted(p.name for p in folder.iterdir()) == ["holiday.jpg"]


# --- 7. written files follow the umask ---------------------------------------------------------


def test_export_file_follows_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "onto.ttl"
    env = no_store_env(tmp_path)
    script = f'umask 022 && "$0" -m trialkg export -g ontology -o "{out}"'
    done = subprocess.run(["sh", "-c", script, sys.executable], capture_output=True, text=True,
                          env=env)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


# --- 11. nothing to ingest ----------------------------------------------------------------------


def test_ingest_of_an_empty_folder_warns_and_fails(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    store = tmp_path / "store"
    done = run_cli("ingest", "--store", str(store), str(tmp_path / "empty"))
    assert done.returncode == 1
    assert "warning: no records found in" in done.stderr
    assert "0 studies loaded" not in done.stderr
    assert not store.exists()


def test_ingest_of_a_file_without_records_warns_and_fails(tmp_path: Path) -> None:
    (tmp_path / "none.json").write_text("[]", encoding="utf-8")
    done = run_cli("ingest", "--store", str(tmp_path / "store"), str(tmp_path / "none.json"))
    assert done.returncode == 1
    assert "warning: no records found in" in done.stderr


# --- 12. small things ------------------------------------------------------------------------


def test_ingest_summary_speaks_english_and_groups_thousands(tmp_path: Path) -> None:
    from tests.conftest import DATA

    done = run_cli("ingest", "--store", str(tmp_path / "store"),
                   str(DATA / "ctgov-v2" / "NCT99000001.json"))
    assert done.returncode == 0, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("1 study loaded, 0 failed, ")
    triples = int(last.split(", ")[-1].split()[0].replace(",", ""))
    assert last.endswith(f"{triples:,} triples written")


def test_wait_says_what_it_waits_for(tmp_path: Path) -> None:
    from tests.conftest import DATA
    from trialkg.store.locking import WriteLock

    store = tmp_path / "store"
    lock = WriteLock(store)
    lock.acquire()
    proc = subprocess.Popen(
        [sys.executable, "-m", "trialkg", "ingest", "--wait", "--store", str(store),
         str(DATA / "ctgov-v2" / "NCT99000001.json")],
        stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()  # blocks until the waiting process says something
        assert first.strip() == (f"waiting for pid {os.getpid()} to finish writing the store "
                                 f"at {store} ...")
    finally:
        lock.release()
    _, rest = proc.communicate(timeout=120)
    assert proc.returncode == 0, rest
    assert "1 study loaded" in rest


# --- 3. answers shown whole ---------------------------------------------------------------------


@pytest.mark.parametrize("width", [100, 150])
def test_a_terminal_table_wraps_long_cells_and_cuts_nothing(width: int) -> None:
    from trialkg.queries import LocalExecutor, QueryLibrary
    from trialkg.queries.output import cell, terminal_table
    from trialkg.store.bundled import load_bundled

    query = QueryLibrary.default().get("imatinib-dfsp-desmoid")
    result = LocalExecutor(load_bundled()).query(query.sparql)
    header = [v.value for v in result.variables]  # type: ignore[union-attr]
    rows = [[cell(v) for v in row] for row in result]  # type: ignore[union-attr]
    text = terminal_table(header, rows, width=width)
    lines = text.splitlines()
    assert "…" not in text
    if width == 150:  # fits when wrapped: lines within the terminal, cells on more lines
        assert max(len(line) for line in lines) <= width
        assert len(lines) > len(rows) + 2
    words = " ".join(text.split())
    for row in rows:
        for value in row:
            for word in value.split():
                assert word in words, word
    assert "participants" in words and "5/14," in words


# --- 2. no invented enumeration values ---------------------------------------------------------


def test_xml_phase_not_applicable_is_the_ontology_na_phase() -> None:
    from tests.conftest import load_studies, shared_path
    from trialkg.mapping.study import study_quads

    xml = shared_path("data", "ctgov-xml", "aact-fixtures")
    (na,) = load_studies(xml / "NCT02586688.xml")  # <phase>N/A</phase>
    (combined,) = load_studies(xml / "NCT03424005.xml")  # <phase>Phase 1/Phase 2</phase>
    assert na.phases == ["NA"] and not na.warnings
    assert combined.phases == ["PHASE1", "PHASE2"]
    phases = {q.object.value for q in study_quads(na) if q.predicate.value.endswith("#phase")}
    assert phases == {"https://w3id.org/trialkg/vocab#phase_NA"}


def test_xml_na_phase_no_longer_makes_an_a_n_bucket(tmp_path: Path) -> None:
    from tests.conftest import shared_path

    xml = shared_path("data", "ctgov-xml", "aact-fixtures")
    store = tmp_path / "store"
    done = run_cli("ingest", "--store", str(store), str(xml / "NCT02586688.xml"),
                   str(xml / "NCT02389088.xml"))
    assert done.returncode == 0, done.stderr
    counts = run_cli("query", "run", "phase-status-counts", "--store", str(store),
                     "--format", "csv")
    phases = {line.split(",")[0] for line in counts.stdout.splitlines()[1:]}
    assert phases == {"NA"}, counts.stdout


def _v2_record_with(tmp_path: Path, **design: object) -> Path:
    import json

    from tests.conftest import DATA

    record = json.loads((DATA / "ctgov-v2" / "NCT99000001.json").read_text(encoding="utf-8"))
    record["protocolSection"]["designModule"].update(design)
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.mark.slow
def test_an_unknown_phase_is_kept_as_text_with_one_warning_and_validate_reports_it(
        tmp_path: Path) -> None:
    path = _v2_record_with(tmp_path, phases=["PHASE5"])
    store = tmp_path / "store"
    done = run_cli("ingest", "--store", str(store), str(path))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if line.startswith("warning:")]
    assert warnings == [
        f"warning: {path} [NCT99000001]: protocolSection.designModule.phases = 'PHASE5' is "
        "not a known phase value; kept as text, not as a controlled term"]
    rows = run_cli("sparql", "--store", str(store), "--format", "csv",
                   "SELECT ?p WHERE { ctid:NCT99000001 tkg:phase ?p }")
    assert rows.stdout.splitlines()[1:] == ["PHASE5"]  # a literal, not tkg:phase_PHASE5
    minted = run_cli("sparql", "--store", str(store),
                     "ASK { ?s ?p tkg:phase_PHASE5 }")
    assert minted.stdout.strip() == "false"
    checked = run_cli("validate", "--no-owl", "--store", str(store))
    assert checked.returncode == 1
    assert "tkg:phase is not one of the controlled tkg:Phase values" in checked.stdout
    assert "(value: PHASE5)" in checked.stdout


def test_enumerations_list_exactly_the_ontology_individuals() -> None:
    import rdflib

    from trialkg.model.enumerations import ENUMERATIONS
    from trialkg.resources import ontology_files, shapes_path

    graph = rdflib.Graph()
    for path in ontology_files():
        graph.parse(path)
    listed = {f"{prefix}_{c}" for prefix, codes in ENUMERATIONS.items() for c in codes}
    tkg = "https://w3id.org/trialkg/vocab#"
    one_of = {str(m)[len(tkg):] for lst in graph.objects(None, rdflib.OWL.oneOf)
              for m in rdflib.collection.Collection(graph, lst)
              if str(m).startswith(tkg) and "_" in str(m)[len(tkg):]}
    assert listed == one_of
    shapes = rdflib.Graph().parse(shapes_path())
    in_shapes = {str(m)[len(tkg):] for lst in shapes.objects(None, rdflib.SH["in"])
                 for m in rdflib.collection.Collection(shapes, lst)}
    assert in_shapes == listed


# --- trialkg trials: a listing without SPARQL ---------------------------------------------------


def test_trials_lists_and_filters_with_typed_parameters(tmp_path: Path) -> None:
    env = no_store_env(tmp_path)
    done = run_cli("trials", "--drug", "imatinib", "--phase", "2", "--status", "completed",
                   "--format", "csv", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "trialId,title,phases,overallStatus,start,enrollment",
        "NCT00122473,Imatinib in Dermatofibrosarcoma Protuberans (DFSP),PHASE1/PHASE2,"
        "COMPLETED,2004-01,30",
        "NCT00171912,Imatinib Mesylate in Patients With Various Types of Malignancies "
        "Involving Activated Tyrosine Kinase Enzymes,PHASE2,COMPLETED,2004-09,38",
        "NCT00287846,Imatinib Mesylate in Treating Patients With Recurrent or Refractory "
        "Fibromatosis,PHASE1/PHASE2,COMPLETED,2004-09,40",
        "EORTC-62027,Imatinib for dermatofibrosarcoma protuberans and giant cell "
        "fibroblastoma (EORTC 62027),PHASE2,COMPLETED,,16",
    ]
    assert "answered from the bundled graph (7 studies)" in done.stderr
    bad = run_cli("trials", "--phase", "7", env=env)
    assert bad.returncode == 2
    assert "parameter 'phase': expected one of" in bad.stderr


def test_trials_on_a_store_by_sponsor(tmp_path: Path) -> None:
    from tests.conftest import DATA

    store = str(tmp_path / "store")
    assert run_cli("ingest", "--store", store, str(DATA / "ctgov-v2")).returncode == 0
    every = run_cli("trials", "--store", store, "--format", "json")
    ids = [b["trialId"]["value"] for b in json.loads(every.stdout)["results"]["bindings"]]
    assert ids == ["NCT99000001", "NCT99000002"]
    assert "bundled" not in every.stderr
    sponsor = run_cli("sparql", "--store", store, "--format", "csv",
                      "SELECT ?n WHERE { ctid:NCT99000001 tkg:leadSponsor/rdfs:label ?n }"
                      ).stdout.splitlines()[1]
    one = run_cli("trials", "--store", store, "--sponsor", sponsor[:6].upper(), "--format",
                  "csv")
    assert [line.split(",")[0] for line in one.stdout.splitlines()[1:]] == ["NCT99000001"]


def test_query_show_leaves_the_maintainer_comments_in_the_file() -> None:
    shown = run_cli("query", "show", "trials-by-sponsor")
    raw = run_cli("query", "show", "trials-by-sponsor", "--raw")
    assert "Shaped for Oxigraph" in raw.stdout
    assert "Oxigraph" not in shown.stdout
    assert "#+ example: trialkg query run trials-by-sponsor" in shown.stdout
    assert "FILTER(CONTAINS(LCASE(?organisation), LCASE(?sponsor)))" in shown.stdout


def test_query_list_json_gives_each_example() -> None:
    listed = json.loads(run_cli("query", "list", "--format", "json").stdout)
    by_name = {q["name"]: q for q in listed}
    assert by_name["trials"]["example"] == "trialkg query run trials -p drug=imatinib -p phase=2"


def test_help_texts_are_whole_and_speak_to_users() -> None:
    query_help = run_cli("query", "--help").stdout
    assert "run   Run a stored query with its parameters bound from -p KEY=VALUE." in query_help
    assert "load_vocabulary" not in run_cli("mesh", "import", "--help").stdout
    ingest_help = " ".join(run_cli("ingest", "--help").stdout.split())
    assert "legacy ClinicalTrials.gov XML (.xml) and curated records (.yaml)" in ingest_help


def test_random_bytes_in_a_json_file_are_named_as_such(tmp_path: Path) -> None:
    (tmp_path / "noise.json").write_bytes(b"\xe7\x00\xff\x81garbage")
    done = run_cli("ingest", "--store", str(tmp_path / "store"), str(tmp_path / "noise.json"))
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        f"error: {tmp_path / 'noise.json'}: not JSON: the file is not UTF-8 text (byte 0xe7 at "
        "offset 0); is it a JSON file?")
    assert "surrogates" not in done.stderr


def test_mesh_link_prints_a_plain_table() -> None:
    done = run_cli("mesh", "link", "Desmoid")
    assert done.stdout.splitlines()[:3] == [
        "text     UI       label                     how    matched text",
        "-------  -------  ------------------------  -----  ------------",
        "Desmoid  D018222  Fibromatosis, Aggressive  exact  Desmoid",
    ]


def test_the_ingest_worker_passes_the_warning_on(tmp_path: Path) -> None:
    path = _v2_record_with(tmp_path, phases=["PHASE5"])
    done = run_cli("ingest", "--worker", "--store", str(tmp_path / "store"), str(path))
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stderr.splitlines() if line.startswith("warning:")] == [
        f"warning: {path} [NCT99000001]: protocolSection.designModule.phases = 'PHASE5' is "
        "not a known phase value; kept as text, not as a controlled term"]
