"""Readers of NLM's MeSH formats, each on its sample in ../shared/data/mesh.

Checkable facts: ``desc2015-sample.xml`` starts with D000001 Calcimycin (tree number
D03.438.221.173) and D000002 Temefos and is cut off at line 1001; the RDF sample states
D007762 rdfs:label "Labyrinthitis" with meshv:broaderDescriptor D007759 and D010031;
``mtrees2023.bin`` lines 10145 and 10190 give Dermatofibrosarcoma's two tree numbers.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from trialkg.exceptions import MeshError
from trialkg.mesh import Descriptor, SupplementaryRecord, load_file, load_vocabulary
from trialkg.mesh.sources import detect_format
from trialkg.mesh.sources.descriptor_xml import read_descriptor_xml
from trialkg.mesh.table import write_table

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MESH_DATA = SHARED / "data" / "mesh"
SKIP_REASON = "../shared/data/mesh is absent (shared data not checked out)"


@pytest.mark.shared
@pytest.mark.skipif(not MESH_DATA.is_dir(), reason=SKIP_REASON)
def test_descriptor_xml_sample_is_truncated_and_says_where() -> None:
    path = MESH_DATA / "desc2015-sample.xml"
    with pytest.raises(MeshError, match=r"desc2015-sample\.xml, line 1001: malformed XML"):
        load_file(path)


@pytest.mark.shared
@pytest.mark.skipif(not MESH_DATA.is_dir(), reason=SKIP_REASON)
def test_descriptor_xml_sample_lenient() -> None:
    records = list(read_descriptor_xml(MESH_DATA / "desc2015-sample.xml", strict=False))
    assert [d.ui for d in records] == ["D000001", "D000002"]
    calcimycin = records[0]
    assert calcimycin.label == "Calcimycin"
    assert calcimycin.tree_numbers == ("D03.438.221.173",)
    assert "A-23187" in calcimycin.entry_terms
    assert records[1].label == "Temefos"
    assert records[1].tree_numbers[0] == "D02.705.400.625.800"


def test_descriptor_xml_complete_file(tmp_path: Path) -> None:
    xml = tmp_path / "desc2026.xml.gz"
    with gzip.open(xml, "wt", encoding="utf-8") as f:
        f.write(
            "<?xml version='1.0'?><DescriptorRecordSet><DescriptorRecord>"
            "<DescriptorUI>D000003520</DescriptorUI><DescriptorName><String>Cyclophosphamide"
            "</String></DescriptorName><TreeNumberList><TreeNumber>D02.455</TreeNumber>"
            "</TreeNumberList><ConceptList><Concept><TermList><Term><String>Cytoxan</String>"
            "</Term></TermList></Concept></ConceptList></DescriptorRecord></DescriptorRecordSet>"
        )
    vocab = load_file(xml)
    assert vocab.version == "2026"
    assert vocab.descriptor("D003520") == Descriptor(
        "D003520", "Cyclophosphamide", ("Cytoxan",), ("D02.455",)
    )


def test_descriptor_xml_wrong_root(tmp_path: Path) -> None:
    xml = tmp_path / "desc2026.xml"
    xml.write_text("<QualifierRecordSet/>")
    with pytest.raises(MeshError, match="not NLM descriptor XML"):
        load_file(xml)


@pytest.mark.slow  # 364,263 triples: about 10 s
@pytest.mark.shared
@pytest.mark.skipif(not MESH_DATA.is_dir(), reason=SKIP_REASON)
def test_nt_sample_in_tarball() -> None:
    vocab = load_file(MESH_DATA / "mesh2015-rdf-subset.nt.tar.gz")
    assert vocab.version == "2015"
    d = vocab.descriptor("D007762")
    assert d is not None
    assert d.label == "Labyrinthitis"
    assert vocab.broader("D007762") >= {"D007759", "D010031"}
    dfsp = vocab.descriptor("D018223")
    assert dfsp is not None
    assert set(dfsp.tree_numbers) == {"C04.557.450.565.590.350.320", "C04.557.450.795.350.320"}
    scr = vocab.supplementary("C000052")
    assert scr is not None
    assert scr.kind == "Chemical"
    assert "D001583" in scr.mapped_to


def test_nt_plain_and_gzipped(tmp_path: Path) -> None:
    triples = (
        "<http://id.nlm.nih.gov/mesh/D005123> "
        "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://id.nlm.nih.gov/mesh/vocab#TopicalDescriptor> .\n"
        "<http://id.nlm.nih.gov/mesh/D005123> "
        '<http://www.w3.org/2000/01/rdf-schema#label> "Eye"@en .\n'
        "<http://id.nlm.nih.gov/mesh/D005123> <http://id.nlm.nih.gov/mesh/vocab#treeNumber> "
        "<http://id.nlm.nih.gov/mesh/A01.456.505.420> .\n"
    )
    plain = tmp_path / "mesh.nt"
    plain.write_text(triples)
    packed = tmp_path / "mesh.nt.gz"
    packed.write_bytes(gzip.compress(triples.encode()))
    for path in (plain, packed):
        d = load_file(path).descriptor("D005123")
        assert d == Descriptor("D005123", "Eye", (), ("A01.456.505.420",))


def test_nt_bad_file_names_file(tmp_path: Path) -> None:
    bad = tmp_path / "mesh.nt"
    bad.write_text("<http://id.nlm.nih.gov/mesh/D1> this is not n-triples\n")
    with pytest.raises(MeshError, match=r"mesh\.nt: not N-Triples"):
        load_file(bad)


@pytest.mark.shared
@pytest.mark.skipif(not MESH_DATA.is_dir(), reason=SKIP_REASON)
def test_tree_file_sample() -> None:
    vocab = load_file(MESH_DATA / "mtrees2023.bin")
    assert vocab.version == "2023"
    d = vocab.descriptor("D018223")
    assert d is not None
    assert d.label == "Dermatofibrosarcoma"
    assert d.tree_numbers == ("C04.557.450.565.590.350.320", "C04.557.450.795.350.320")
    assert d.entry_terms == ()  # the tree file has names and tree numbers only
    assert "D009369" in vocab.ancestors("D018223")


def test_tree_file_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "mtrees2026.bin"
    bad.write_text("Neoplasms;C04\nNeoplasms without a tree number\n")
    with pytest.raises(MeshError, match=r"mtrees2026\.bin, line 2: expected 'Name;TreeNumber'"):
        load_file(bad)


def test_unknown_type_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MeshError, match="unknown MeSH file type"):
        detect_format(Path("mesh.docx"))
    with pytest.raises(MeshError, match="no such file"):
        load_file(tmp_path / "desc2025.xml")


def test_table_round_trip(tmp_path: Path) -> None:
    descriptors = [
        Descriptor("D009369", "Neoplasms", ("Tumor",), ("C04",)),
        Descriptor("D007762", "Labyrinthitis", (), ("C09.218.568.558",), ("D007759",)),
    ]
    records = [SupplementaryRecord("C000002", "bevonium", ("bevonium methylsulfate",),
                                   ("D001561",), "Chemical")]
    write_table(tmp_path, descriptors, records, version="2099")
    vocab = load_vocabulary(tmp_path)
    assert vocab.version == "2099"
    assert vocab.descriptor("D007762") == descriptors[1]
    assert vocab.supplementary("C000002") == records[0]
    write_table(tmp_path / "again", descriptors, records, version="2099")
    for name in ("descriptors.tsv.gz", "supplementary.tsv.xz"):  # deterministic bytes
        assert (tmp_path / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


ASCII_SAMPLE = Path(__file__).resolve().parent / "data" / "mesh" / "d2015-sample.bin"


def test_descriptor_ascii_sample() -> None:
    """Every ENTRY and PRINT ENTRY line is a term, whatever its concept (A-23187 is a term
    of Calcimycin's second concept in NLM's record)."""
    assert detect_format(ASCII_SAMPLE) == "descriptor-ascii"
    vocab = load_file(ASCII_SAMPLE)
    assert vocab.version == "2015"
    calcimycin, temefos = vocab.descriptor("D000001"), vocab.descriptor("D000002")
    assert calcimycin is not None and temefos is not None
    assert calcimycin.entry_terms == (
        "A-23187", "A 23187", "Antibiotic A23187", "A23187, Antibiotic", "A23187")
    assert temefos.entry_terms == ("Temephos", "Abate", "Difos")
    assert len(temefos.tree_numbers) == 3


def test_descriptor_ascii_bad_line(tmp_path: Path) -> None:
    bad = tmp_path / "d2026.bin"
    bad.write_text("*NEWRECORD\nMH = Eye\nno equals sign here\nUI = D005123\n")
    assert detect_format(bad) == "descriptor-ascii"
    with pytest.raises(MeshError, match=r"d2026\.bin, line 3: expected"):
        load_file(bad)


@pytest.mark.slow  # the RDF sample: about 10 s
@pytest.mark.shared
@pytest.mark.skipif(not MESH_DATA.is_dir(), reason=SKIP_REASON)
def test_xml_rdf_ascii_and_bundle_give_the_same_terms() -> None:
    """NLM's three release formats give one term set per descriptor (every term of every
    concept), and the bundle holds it too (MeSH 2024's terms cover the 2015 ones here)."""
    xml = {d.ui: d for d in read_descriptor_xml(MESH_DATA / "desc2015-sample.xml",
                                                strict=False)}
    ascii_ = load_file(ASCII_SAMPLE)
    rdf = load_file(MESH_DATA / "mesh2015-rdf-subset.nt.tar.gz")
    bundle = load_vocabulary()
    for ui in ("D000001", "D000002"):
        terms = {xml[ui].label, *xml[ui].entry_terms}
        d = ascii_.descriptor(ui)
        assert d is not None and {d.label, *d.entry_terms} == terms
        b = bundle.descriptor(ui)
        assert b is not None and {b.label, *b.entry_terms} >= terms
    r = rdf.descriptor("D000001")
    assert r is not None
    assert {r.label, *r.entry_terms} == {"Calcimycin", *xml["D000001"].entry_terms}


def test_table_keeps_earlier_terms_apart(tmp_path: Path) -> None:
    d = Descriptor("D007319", "Sleep Initiation and Maintenance Disorders",
                   ("DIMS", "Insomnia"), ("F03.870.400.800.800",), (), ("Insomnia",))
    write_table(tmp_path, [d], None, version="2025", earlier_release="2024")
    vocab = load_vocabulary(tmp_path)
    assert (vocab.version, vocab.earlier_release) == ("2025", "2024")
    assert vocab.descriptor("D007319") == d
