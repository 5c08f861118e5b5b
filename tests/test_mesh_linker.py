"""The free-text linker: known links, methods, speed.

Every expected link can be checked in ``src/trialkg/mesh/data/descriptors.tsv.gz``: D018222
"Fibromatosis, Aggressive" has entry term "Desmoid"; D018223 "Dermatofibrosarcoma" has
"Dermatofibrosarcoma Protuberans"; D000068877 is "Imatinib Mesylate"; D000072657 "ST Elevation
Myocardial Infarction" has "STEMI"; supplementary record C000002 "bevonium" maps to D001561.
"""

from __future__ import annotations

import time

import pytest

from trialkg.mesh import BUNDLED_DIR, load_vocabulary
from trialkg.mesh.linker import METHODS, Linker


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(load_vocabulary(BUNDLED_DIR))


def one(linker: Linker, text: str) -> tuple[str, str, str]:
    links = linker.link(text)
    assert len(links) == 1, links
    return links[0].ui, links[0].method, links[0].matched_text


@pytest.mark.parametrize(
    ("text", "ui", "method"),
    [
        ("Desmoid", "D018222", "exact"),
        ("desmoid tumours", "D018222", "partial"),
        ("Aggressive Fibromatosis", "D018222", "exact"),
        ("Fibromatosis, Aggressive", "D018222", "exact"),
        ("dermatofibrosarcoma protuberans", "D018223", "exact"),
        ("Dermatofibrosarcoma Protuberans (DFSP)", "D018223", "partial"),
        ("imatinib", "D000068877", "exact"),  # an entry term of MeSH 2024
        ("abiraterone", "D000069501", "salt"),
        ("Imatinib Mesylate", "D000068877", "exact"),
        ("Caries, Dental", "D003731", "exact"),
        ("Brain Tumor", "D001932", "exact"),
        ("Lung Non-Small Cell Carcinoma", "D002289", "exact"),  # word order is free
        ("STEMI", "D000072657", "abbreviation"),
        ("bevonium", "C000002", "supplementary"),  # the record itself, not D001561
    ],
)
def test_known_links(linker: Linker, text: str, ui: str, method: str) -> None:
    assert one(linker, text)[:2] == (ui, method)


def test_longest_match_inside_phrase(linker: Linker) -> None:
    text = "recurrent or refractory aggressive fibromatosis"
    assert one(linker, text) == ("D018222", "partial", "aggressive fibromatosis")


def test_labels_and_mapped_descriptors(linker: Linker) -> None:
    [imatinib] = linker.link("imatinib")
    assert imatinib.label == "Imatinib Mesylate"
    assert imatinib.mapped_to == ()
    [bevonium] = linker.link("bevonium")
    assert (bevonium.ui, bevonium.label, bevonium.mapped_to) == (
        "C000002", "bevonium", ("D001561",))


def test_abbreviations_are_case_sensitive(linker: Linker) -> None:
    assert linker.link("stemi") == []


def test_non_prefix_blocks_match(linker: Linker) -> None:
    uis = {x.ui for x in linker.link("Stage IIIA Non-Small Cell Lung Cancer")}
    assert "D018288" not in uis  # Carcinoma, Small Cell


def test_several_conditions_in_one_string(linker: Linker) -> None:
    links = linker.link("Desmoid tumor and dermatofibrosarcoma protuberans")
    assert [x.ui for x in links] == ["D018222", "D018223"]
    assert all(x.method in METHODS for x in links)


def test_no_link(linker: Linker) -> None:
    assert linker.link("") == []
    assert linker.link("xyzzy plugh 42") == []


def test_branches_restrict(linker: Linker) -> None:
    diseases = Linker(linker.vocab, branches=("C",))
    assert diseases.link("imatinib") == []
    assert [x.ui for x in diseases.link("Desmoid")] == ["D018222"]


def test_pathogen_stands_for_its_infection(linker: Linker) -> None:
    conditions = Linker(linker.vocab, branches=("C", "F03"))
    # COVID-19 (D000086382) has the entry term "SARS-CoV-2 Infection"
    assert [x.ui for x in conditions.link("SARS-CoV-2")] == ["D000086382"]
    assert [x.ui for x in linker.link("SARS-CoV-2")] == ["D000086402"]  # the virus itself


def test_nested_heads(linker: Linker) -> None:
    nested = Linker(linker.vocab, nested=True, branches=("C",))
    assert {x.ui for x in nested.link("Atopic Dermatitis")} == {"D003876", "D003872"}
    # a generic head ("Disease") is not reported on its own
    assert {x.ui for x in nested.link("Coronary Artery Disease")} == {"D003324"}
    # a first word is reported when the longer match is under it in the tree: D017497
    # Hidradenitis Suppurativa (C17.800.946.315.320) is under D016575 Hidradenitis
    assert {x.ui for x in nested.link("Hidradenitis Suppurativa")} == {"D017497", "D016575"}


def test_organism_name_tail_is_no_infection(linker: Linker) -> None:
    conditions = Linker(linker.vocab, branches=("C",))
    # "Virus" alone stands for D014777 Virus Diseases, but here it ends the name of HIV
    assert [x.ui for x in conditions.link("Virus")] == ["D014777"]
    assert "D014777" not in {x.ui for x in conditions.link("Human Immunodeficiency Virus Type 1")}


def test_derived_adjectives(linker: Linker) -> None:
    derived = Linker(linker.vocab, derived=True, branches=("C", "F01", "F03"))
    # D012008 Recurrence, D009401 Nephrosis: adjectives of one-word terms, wherever they stand
    assert ("D012008", "derived", "Recurrent") in {
        (x.ui, x.method, x.matched_text) for x in derived.link("Recurrent Thymic Carcinoma")}
    assert {x.ui for x in derived.link("Nephrotic Syndrome")} == {"D009404", "D009401"}
    assert "derived" not in {x.method for x in linker.link("Recurrent Thymic Carcinoma")}


def test_batch_is_fast(linker: Linker) -> None:
    texts = [f"{t} {i}" for i in range(500) for t in (
        "Desmoid", "metastatic breast cancer", "Type 2 Diabetes", "chronic myeloid leukaemia")]
    started = time.perf_counter()
    results = linker.link_many(texts)
    elapsed = time.perf_counter() - started
    assert len(results) == 2000
    assert elapsed < 5, f"2,000 strings took {elapsed:.1f} s"


@pytest.fixture(scope="module")
def conditions(linker: Linker) -> Linker:
    return Linker(linker.vocab, kind="condition")


@pytest.fixture(scope="module")
def interventions(linker: Linker) -> Linker:
    return Linker(linker.vocab, kind="intervention")


def uis(linker: Linker, text: str) -> set[str]:
    return {x.ui for x in linker.link(text)}


@pytest.mark.parametrize(
    ("text", "ui"),
    [
        ("Insomnia", "D007319"),  # terms of non-preferred concepts, from MeSH 2024
        ("Opioid Use Disorder", "D009293"),
        ("Alcohol Use Disorder", "D000437"),
        ("Nicotine Dependence", "D014029"),
        ("NSCLC", "D002289"),  # the initials of one descriptor's term
        ("GVHD", "D006086"),
        ("Human Immunodeficiency Virus", "D015658"),  # the organism as its infection
        ("Covid19", "D000086382"),
        ("Bladder Carcinoma", "D001749"),  # an organ's carcinoma as its neoplasm
        # the organ by another name of its anatomy descriptor (Thyroid Gland: "Thyroid")
        ("Thyroid Gland Carcinoma", "D013964"),
        ("Cervix Uteri Carcinoma", "D002583"),
        # a disease's name without its head word ("Fever", "Disease", "Virus Infection")
        ("Chikungunya", "D065632"),
        ("Zika", "D000071243"),
        ("Parkinson", "D010300"),
        ("Depression", "D003863"),  # F01
    ],
)
def test_condition_kind_links(conditions: Linker, text: str, ui: str) -> None:
    assert uis(conditions, text) == {ui}


def test_whole_meaning_only(conditions: Linker) -> None:
    """A word inside a phrase that has a descriptor is not linked on its own."""
    assert uis(conditions, "Low Back Pain") == {"D017116"}  # not Pain (D010146)
    assert uis(conditions, "Lumbar Spinal Stenosis") == {"D013130"}  # not Constriction


def test_no_broader_beside_narrower(conditions: Linker) -> None:
    # Lung Neoplasms (D008175) is an ancestor of Carcinoma, Non-Small-Cell Lung
    assert uis(conditions, "Lung Cancer and Non-Small Cell Lung Cancer") == {"D002289"}
    # two named things that are not one above the other both stay
    assert uis(conditions, "Macular Edema Secondary to Retinal Vein Occlusion") == {
        "D008269", "D012170"}


def test_conjuncts_share_the_last_word(conditions: Linker) -> None:
    """"Breast and Ovarian Cancer" names two neoplasms; the organ before "and" takes the head."""
    assert uis(conditions, "Breast and Ovarian Cancer") == {"D001943", "D010051"}
    assert uis(conditions, "Esophageal and Gastric Carcinoma") == {"D004938", "D013274"}
    assert uis(conditions, "Liver and Intrahepatic Bile Duct Carcinoma") == {
        "D008113", "D001650"}
    # a course word before "and"/"or" is no conjunct of its own (no Neoplasm Metastasis)
    assert uis(conditions, "Recurrent and Metastatic Head and Neck Cancer") == {"D006258"}
    assert uis(conditions, "Locally Advanced or Metastatic Breast Cancer") == {"D001943"}
    assert uis(conditions, "Metastatic or Recurrent Cancer") == {"D009369"}


def test_stage_and_course_words_add_nothing(conditions: Linker) -> None:
    assert uis(conditions, "Recurrent Glioma") == {"D005910"}
    assert uis(conditions, "Stage IIIA Lung Cancer AJCC v8") == {"D008175"}
    assert uis(conditions, "Refractory Plasma Cell Myeloma") == {"D009101"}
    assert uis(conditions, "Healthy Subjects") == set()


def test_intervention_kind_stays_in_drugs(interventions: Linker, linker: Linker) -> None:
    """Chemicals and drugs only, and not what MeSH also files as a technique."""
    assert "D001336" in uis(linker, "CAR-T cells")  # every branch: Automobiles
    assert "D001336" not in uis(interventions, "CAR-T cells")
    assert uis(linker, "Placebo") == {"D010919"}
    assert uis(interventions, "Placebo") == set()
    assert uis(interventions, "Rabbit antithymocyte globulin") == {"D000961"}  # not Rabbits
    assert uis(interventions, "Magnesium sulphate") == {"D008278"}
    # Fluorescein and Fluoresceins normalise alike: the label written so wins
    assert uis(interventions, "Fluorescein") == {"D019793"}


def test_intervention_kind_leaves_out_dosage_forms(interventions: Linker, linker: Linker) -> None:
    """A descriptor MeSH files only under Dosage Forms (D26.255) is the form a drug comes in:
    "Placebo Tablet" names no drug (every branch gives Tablets), "Hydroxychloroquine tablets"
    the drug alone; one filed elsewhere too still links."""
    assert "D013607" in uis(linker, "Placebo Tablet")  # Tablets (and Placebos)
    assert uis(interventions, "Placebo Tablet") == set()
    assert uis(interventions, "Placebo capsules") == set()
    assert uis(interventions, "Hydroxychloroquine tablets") == {"D006886"}
    assert uis(interventions, "Fat emulsion, intravenous") == {"D005217"}  # also D27.505
    assert uis(Linker(linker.vocab, kind="any"), "Tablets") == set()


def test_intervention_kind_takes_no_abbreviations(interventions: Linker, linker: Linker) -> None:
    """Upper-case words in drug names are code names and targets, not abbreviations:
    "FGFR" is the target of an inhibitor, not the drug (Receptors, Fibroblast Growth Factor)."""
    assert uis(linker, "FGFR Inhibitor AZD4547") == {"D017468"}
    assert uis(interventions, "FGFR Inhibitor AZD4547") == set()
    # a condition's abbreviation still links, in the condition and any kinds
    assert uis(Linker(linker.vocab, kind="any"), "NSCLC") == {"D002289"}


@pytest.mark.parametrize("name", ["Gleevec", "Glivec", "STI571", "STI-571", "imatinib"])
def test_brand_and_code_names(interventions: Linker, name: str) -> None:
    assert uis(interventions, name) == {"D000068877"}


def test_supplementary_concept_as_its_own_id(interventions: Linker) -> None:
    [link] = interventions.link("pembrolizumab")
    assert (link.ui, link.method, link.mapped_to) == ("C582435", "supplementary", ("D061067",))
