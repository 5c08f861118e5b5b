"""The bundled graph: committed graph/ is up to date, builds are reproducible and atomic,
and the main-job query answers on it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run_cli, shared_path
from trialkg.build import BuildError, build_graph
from trialkg.store.bundled import load_bundled, load_graph_dir

QUERY = REPO / "queries" / "imatinib-dfsp-desmoid.rq"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_committed_graph_is_not_stale(tmp_path: Path) -> None:
    shared = shared_path()
    build_graph(shared, tmp_path / "graph", REPO / "curated", REPO / "ontology")
    built, committed = _files(tmp_path / "graph"), _files(REPO / "graph")
    assert sorted(built) == sorted(committed), "graph/ is stale: run `trialkg build`"
    stale = [name for name in built if built[name] != committed[name]]
    assert not stale, f"graph/ is stale ({', '.join(stale)}): run `trialkg build`"


def test_failed_build_leaves_the_graph_as_it_was(tmp_path: Path) -> None:
    shared = shared_path()
    curated = tmp_path / "curated"
    shutil.copytree(REPO / "curated", curated)
    (curated / "trials" / "bad.yaml").write_text("record_type: trial\ntrial_id: nope\n")
    out = tmp_path / "graph"
    out.mkdir()
    (out / "keep.ttl").write_text("# the previous build\n")
    with pytest.raises(BuildError, match=r"bad\.yaml"):
        build_graph(shared, out, curated, REPO / "ontology")
    assert _files(out) == {"keep.ttl": b"# the previous build\n"}
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_build_cli_from_the_repository_root(tmp_path: Path) -> None:
    shared_path()
    out = tmp_path / "g"
    done = run_cli("build", "--out", str(out), cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "named graphs" in done.stderr
    assert (out / "study" / "NCT00287846.ttl").is_file()
    assert (out / "curated" / "NCT02495519.ttl").is_file()


def test_build_cli_without_shared_is_one_clear_line(tmp_path: Path) -> None:
    done = run_cli("build", "--shared", str(tmp_path / "nowhere"), "--out",
                   str(tmp_path / "g"), cwd=REPO)
    assert done.returncode == 1
    assert "seed trials" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "g").exists()


def _rows() -> list[dict[str, str]]:
    store = load_bundled()
    out = []
    for row in store.store.query(QUERY.read_text("utf-8"), use_default_graph_as_union=True):
        out.append({v: (row[v].value if row[v] is not None else "")  # type: ignore[index,union-attr]
                    for v in ("disease", "trialId", "phases", "status", "sponsor",
                              "enrollment", "hasResults", "results")})
    return out


def test_main_job_query_on_the_bundled_graph() -> None:
    rows = {(r["disease"], r["trialId"]): r for r in _rows()}
    assert sorted(rows) == [
        ("DFSP", "EORTC-62027"), ("DFSP", "NCT00122473"), ("DFSP", "NCT00171912"),
        ("desmoid tumour", "NCT00287846"), ("desmoid tumour", "NCT02495519"),
    ]
    eortc = rows["DFSP", "EORTC-62027"]
    assert eortc["enrollment"] == "16" and eortc["phases"] == "PHASE2"
    assert "Shrank 5/14, Stable 6/14, Grew 3/14" in eortc["results"]
    dcog = rows["DFSP", "NCT00122473"]
    assert dcog["sponsor"] == "Dermatologic Cooperative Oncology Group"
    assert dcog["phases"] == "PHASE1/PHASE2"
    assert dcog["enrollment"] == "30"
    unicancer = rows["desmoid tumour", "NCT00287846"]
    assert (unicancer["sponsor"], unicancer["enrollment"]) == ("UNICANCER", "40")
    assert unicancer["status"] == "COMPLETED"
    yonsei = rows["desmoid tumour", "NCT02495519"]
    assert (yonsei["sponsor"], yonsei["enrollment"]) == ("Yonsei University", "21")
    # the 2018 registry snapshot and the later curated page disagree: both are shown
    assert set(yonsei["status"].split(" | ")) == {"ACTIVE_NOT_RECRUITING", "COMPLETED"}


def test_query_header_is_yaml() -> None:
    import yaml

    header = "\n".join(line[3:] for line in QUERY.read_text("utf-8").splitlines()
                       if line.startswith("#+ "))
    meta = yaml.safe_load(header)
    assert {"summary", "description", "params", "example", "tags"} <= set(meta)


def test_curated_addition_keeps_its_provenance() -> None:
    store = load_graph_dir(REPO / "graph")
    rows = list(store.store.query(
        "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX tkg: <https://w3id.org/trialkg/vocab#>"
        " SELECT ?src ?day WHERE { GRAPH <https://w3id.org/trialkg/graph/curated/NCT02495519>"
        " { ?g prov:wasDerivedFrom ?src } "  # the page itself is described once, as an entity
        " GRAPH <https://w3id.org/trialkg/graph/entities> { ?src tkg:retrievedOn ?day } }"))
    assert [(r[0].value, r[1].value) for r in rows] == [  # type: ignore[index,union-attr]
        ("urn:trialkg:seed:002", "2026-11-21")]
