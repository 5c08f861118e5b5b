"""Full-text search: rankings and matches a person can check in the records' titles, an index
kept in step with ingest and remove, and one clear line for a malformed search."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import run_cli
from trialkg.exceptions import SearchError
from trialkg.store import TrialStore
from trialkg.store.search import INDEX_FILE, TextIndex, index_for
from trialkg.store.search.index import FRESH, STALE


@pytest.fixture(scope="module")
def index(v2_store: TrialStore) -> TextIndex:
    """The in-memory index of every API v2 record of ../shared (built on first use)."""
    return index_for(v2_store)


def _text(index: TextIndex, nct: str) -> str:
    row = index.conn.execute(
        "SELECT f.title, f.summary, f.conditions, f.interventions, f.keywords, f.sponsors "
        "FROM fts f JOIN docs d ON d.rowid = f.rowid WHERE d.id = ?", (nct,)).fetchone()
    return " ".join(row)


def _title(index: TextIndex, nct: str) -> str:
    """The indexed title text: the brief and official titles (and acronym) of the record."""
    row = index.conn.execute("SELECT f.title FROM fts f JOIN docs d ON d.rowid = f.rowid "
                             "WHERE d.id = ?", (nct,)).fetchone()
    return str(row[0]).lower()


def test_title_with_both_words_ranks_first(index: TextIndex) -> None:
    hits = index.search("interstitial lung", limit=None)
    in_title = ["interstitial" in _title(index, h.id) and "lung" in _title(index, h.id)
                for h in hits]
    # the records with both words in a title come first, then those with them elsewhere
    assert in_title == sorted(in_title, reverse=True)
    titled = {h.id for h, t in zip(hits, in_title, strict=True) if t}
    # NCT02960672 "... Progression in Interstitial Lung Disease", NCT06476470 "Taiwan
    # Interstitial Lung Disease Multi-center ..."; NCT05826366 (NSCLC surveillance) and
    # NCT04676594 ("... Pulmonary Fibrosis") have the words only in their summary
    assert {"NCT02960672", "NCT06476470"} <= titled
    assert {"NCT05826366", "NCT04676594"} <= {h.id for h in hits} - titled
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert re.search(r"\[interstitial\] \[lung\]", hits[0].snippet().lower())


def test_phrase_matches_only_adjacent_words(index: TextIndex) -> None:
    words = {h.id for h in index.search("lung cancer", limit=None)}
    phrase = {h.id for h in index.search('"lung cancer"', limit=None)}
    assert phrase and phrase < words  # some records have both words, apart
    for nct in phrase:
        assert re.search(r"lung\W+cancer", _text(index, nct), re.I), nct
    for nct in words - phrase:
        assert not re.search(r"lung\W+cancer", _text(index, nct), re.I), nct
    # NCT04267848: "Non-small Cell Lung Cancer"; NCT05835778 (biliary tract cancer) has both
    # words, never side by side
    assert "NCT04267848" in phrase and "NCT05835778" in words - phrase


def test_accents_case_prefix_and_operators(index: TextIndex) -> None:
    # NCT06171568's title: "Lariboisière Cognitive Assessment ..."
    assert [h.id for h in index.search("LARIBOISIERE")] == ["NCT06171568"]
    # Pembrolizumab in the titles of NCT05832827 and NCT05879653 (and in NCT04267848's arms)
    assert {h.id for h in index.search("pembroli*", ["title"])} == {"NCT05832827",
                                                                    "NCT05879653"}
    assert "NCT04267848" in {h.id for h in index.search("pembroli*")}
    both = {h.id for h in index.search("pembrolizumab OR lariboisière", ["title"])}
    assert both == {"NCT05832827", "NCT05879653", "NCT06171568"}
    assert {h.id for h in index.search("pembrolizumab NOT thymic", ["title"])} == {
        "NCT05879653"}  # NCT05832827 is "... Advanced or Recurrent Thymic Carcinomas"


def test_field_limits_the_search(index: TextIndex) -> None:
    # Bayer is the lead sponsor of NCT05850520, NCT05915026, NCT05915702 and NCT05915728
    assert {h.id for h in index.search("bayer", ["sponsors"])} == {
        "NCT05850520", "NCT05915026", "NCT05915702", "NCT05915728"}
    with pytest.raises(SearchError, match="unknown search field"):
        index.search("bayer", ["sponsor"])


@pytest.mark.parametrize(("text", "message"), [
    ('"lung disease', "unbalanced quote"),
    ("lung AND", "AND needs a word or phrase on both sides"),
    ("NOT lung", "NOT needs a word or phrase on both sides"),
    ("(lung OR heart", "'(' without a closing ')'"),
])
def test_malformed_search_is_one_line_exit_2(text: str, message: str) -> None:
    done = run_cli("search", text)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_bundled_graph_search_builds_its_index_on_first_use(tmp_path: Path) -> None:
    # no store: the bundled graph, indexed in memory
    done = run_cli("search", "imatinib desmoid", "--format", "json",
                   env={"XDG_DATA_HOME": str(tmp_path), "TRIALKG_STORE": ""})
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    # NCT02495519 "A Trial of Imatinib for Patients With Aggressive Desmoid Tumor ..." has
    # both words in its title; NCT00287846 (desmoid in its summary) follows.
    assert [h["id"] for h in hits] == ["NCT02495519", "NCT00287846"]
    assert "[Imatinib]" in hits[0]["snippet"] and "[Desmoid]" in hits[0]["snippet"]
    # Glivec is in NCT00122473's official title; EORTC-62027 has it only as an other name
    only_title = run_cli("search", "glivec", "--field", "title", "--format", "csv",
                         env={"XDG_DATA_HOME": str(tmp_path), "TRIALKG_STORE": ""})
    assert [line.split(",")[0] for line in only_title.stdout.splitlines()[1:]] == [
        "NCT00122473"]
    # piped, the table prints every value whole: one trial a line, its whole title
    table = run_cli("search", "imatinib desmoid",
                    env={"XDG_DATA_HOME": str(tmp_path), "TRIALKG_STORE": ""})
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["id", "score", "title", "snippet"] and len(lines) == 4
    assert lines[2].startswith("NCT02495519") and ("A Trial of Imatinib for Patients With "
                                                   "Aggressive Desmoid Tumor (Aggressive "
                                                   "Fibromatosis)") in lines[2]


@pytest.mark.shared
def test_index_follows_ingest_and_remove(tmp_path: Path, ctgov_v2_dir: Path) -> None:
    store = tmp_path / "store"
    files = [ctgov_v2_dir / f for f in ("NCT04267848.2025-09-11.json", "NCT06171568.json")]
    done = run_cli("ingest", "--store", str(store), *map(str, files))
    assert done.returncode == 0, done.stderr
    assert (store / INDEX_FILE).is_file()
    # new studies are indexed from the quads their batch wrote; a rebuild reads the store:
    # the same rows
    index = TextIndex.open(store / INDEX_FILE)
    rows = "SELECT d.iri, d.id, d.title, f.* FROM docs d JOIN fts f ON f.rowid = d.rowid ORDER BY 1"
    written = index.conn.execute(rows).fetchall()
    assert len(written) == 2
    reader = TrialStore.open(store, read_only=True)
    index.rebuild(reader.store)
    assert index.conn.execute(rows).fetchall() == written
    index.close()
    del reader

    def found(text: str) -> list[str]:
        done = run_cli("search", text, "--store", str(store), "--format", "json")
        assert done.returncode == 0, done.stderr
        return [hit["id"] for hit in json.loads(done.stdout)]

    # NCT04267848 gives pembrolizumab in an arm; NCT06171568 is the Lariboisière study
    assert found("pembrolizumab") == ["NCT04267848"]
    assert found("lariboisiere") == ["NCT06171568"]
    done = run_cli("remove", "NCT04267848", "--store", str(store))
    assert done.returncode == 0, done.stderr
    assert found("pembrolizumab") == []
    assert found("lariboisiere") == ["NCT06171568"]

    # A write cut off between the store's commit and the index's leaves the index stale
    # (here: marked, and its rows lost); the next write rebuilds it from the store.
    index = TextIndex.open(store / INDEX_FILE)
    index.mark_stale()
    index.conn.execute("DELETE FROM docs")
    assert index.state() == STALE
    index.close()
    done = run_cli("ingest", "--store", str(store), str(ctgov_v2_dir / "NCT06388018.json"))
    assert done.returncode == 0, done.stderr
    index = TextIndex.open(store / INDEX_FILE)
    assert index.state() == FRESH and len(index) == 2
    index.close()
    assert found("lariboisiere") == ["NCT06171568"]
    assert found('"endometrial cancer"') == ["NCT06388018"]  # "... Low-risk Endometrial Cancer"
    done = run_cli("search", "--rebuild", "--store", str(store))
    assert done.returncode == 0 and "search index rebuilt: 2 trials" in done.stderr


def test_text_parameter_binds_the_matching_trials() -> None:
    from trialkg.queries import LocalExecutor, QueryLibrary, run_stored
    from trialkg.store.bundled import load_bundled

    executor = LocalExecutor(load_bundled())
    library = QueryLibrary.default()
    rows = list(run_stored(library.get("trials-by-drug-name"), {"drug": "Glivec"}, executor))
    # "Glivec" is an other name of the imatinib arm in NCT00122473 and EORTC-62027
    trials = {row["trial"].value.rsplit(":", 1)[-1].rsplit("/", 1)[-1] for row in rows}
    assert trials == {"NCT00122473", "EORTC-62027"}
    none = list(run_stored(library.get("trials-matching"), {"text": "zzzz"}, executor))
    assert none == []


def test_rows_made_while_mapping_equal_rows_read_from_the_store(ctgov_v2_dir: Path) -> None:
    """A new study is indexed from the triples its mapping emits (the ingest does not read
    it back): for every API v2 record of ../shared, that row equals the one read from a
    store holding the record, and the one read from the N-Quads text a worker sends."""
    import pyoxigraph as ox

    from trialkg.model import Study
    from trialkg.sources import read_paths
    from trialkg.store import Prepared, prepare_record, record_key
    from trialkg.store.search.index import trial_text, written_text

    studies = [s for s in read_paths([ctgov_v2_dir]) if isinstance(s, Study)]
    compared = 0
    for study in studies[:40]:
        graph, version = record_key(study)
        prepared = prepare_record(study, graph, version, (None, None), text=True)
        assert isinstance(prepared, Prepared) and prepared.trial is not None
        store = TrialStore.memory()  # this record alone: no other graph describes the trial
        store.ingest([study])
        trial = ox.NamedNode(prepared.trial)
        assert isinstance(prepared.quads, bytes)
        assert prepared.row == trial_text(store.store, trial) == written_text(
            trial, prepared.quads), graph
        compared += 1
    assert compared == min(40, len(studies)) >= 20
    # a fact a person can check in the record: NCT04267848's title is in its row
    row = next(prepare_record(s, *record_key(s), (None, None)) for s in studies
               if s.trial_id == "NCT04267848")
    assert isinstance(row, Prepared) and row.row is not None and row.row[0] == "NCT04267848"
    assert row.row[1].startswith("Testing the Addition of a Type of Drug Called Immunotherapy")
