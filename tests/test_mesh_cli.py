"""``trialkg mesh`` commands, run as a user runs them (a subprocess): stdout, stderr, status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
MTREES = SHARED / "data" / "mesh" / "mtrees2023.bin"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
                  ) -> None:
    """Linker indexes go to a temporary cache, never the user's."""
    monkeypatch.setenv("TRIALKG_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


def trialkg(*args: str, stdin: str | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    full_env.setdefault("TRIALKG_MESH_DIR", "/nonexistent-trialkg-mesh-dir")
    return subprocess.run(
        [sys.executable, "-m", "trialkg", *args], input=stdin, capture_output=True, text=True,
        env=full_env, timeout=120,
    )


def test_link_table() -> None:
    done = trialkg("mesh", "link", "Desmoid", "imatinib")
    assert done.returncode == 0, done.stderr
    assert "D018222" in done.stdout and "Fibromatosis, Aggressive" in done.stdout
    assert "D000068877" in done.stdout and "Imatinib Mesylate" in done.stdout


def test_link_stdin_tsv() -> None:
    done = trialkg("mesh", "link", "-",
                   stdin="Desmoid\ndermatofibrosarcoma protuberans\nxyzzy\nbevonium\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Desmoid\tD018222\tFibromatosis, Aggressive\texact\t",
        "dermatofibrosarcoma protuberans\tD018223\tDermatofibrosarcoma\texact\t",
        "xyzzy\t\t\t\t",
        "bevonium\tC000002\tbevonium\tsupplementary\tD001561",  # the record, then its targets
    ]
    assert "linked 4 strings" in done.stderr


def test_link_default_kind_is_no_automobile() -> None:
    """The default kind (any: conditions and drugs) gives no Automobiles for "CAR-T cells"
    and no Placebos; --kind all does."""
    default = trialkg("mesh", "link", "-", stdin="CAR-T cells\nPlacebo\nGleevec\n")
    assert default.returncode == 0, default.stderr
    assert "D001336" not in default.stdout and "D010919" not in default.stdout
    assert "Gleevec\tD000068877\tImatinib Mesylate\texact\t" in default.stdout.splitlines()
    every = trialkg("mesh", "link", "--kind", "all", "Placebo")
    assert "D010919" in every.stdout


def test_show() -> None:
    done = trialkg("mesh", "show", "D000018223")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "D018223\tDermatofibrosarcoma\t(MeSH 2025)"
    assert "  tree number\tC04.557.450.795.350.320" in lines
    assert "  broader\tD005354\tFibrosarcoma" in lines


def test_show_errors_are_one_line() -> None:
    for ui, message in (("X12", "not a MeSH id"), ("D999999", "is not in MeSH 2025")):
        done = trialkg("mesh", "show", ui)
        assert done.returncode == 1
        assert done.stderr.startswith("trialkg: error:") and message in done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.shared
@pytest.mark.skipif(not MTREES.is_file(), reason="../shared/data/mesh/mtrees2023.bin is absent")
def test_import_then_prefer_user_vocabulary(tmp_path: Path) -> None:
    target = tmp_path / "mesh"
    env = {"TRIALKG_MESH_DIR": str(target), "TRIALKG_CACHE": str(tmp_path / "cache")}
    done = trialkg("mesh", "import", str(MTREES), env=env)
    assert done.returncode == 0, done.stderr
    assert (target / "descriptors.tsv.gz").is_file()
    # the linker's index of the new release is built at once, under a key of its own
    assert len(list((tmp_path / "cache" / "mesh").glob("index-*-terms.marshal"))) == 1
    linked = trialkg("mesh", "link", "--kind", "condition", "dermatofibrosarcoma", env=env)
    assert "D018223" in linked.stdout
    shown = trialkg("mesh", "show", "D018223", env=env)
    assert shown.stdout.splitlines()[0] == "D018223\tDermatofibrosarcoma\t(MeSH 2023)"
    assert "entry term" not in shown.stdout  # the tree file has no entry terms


def test_import_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "mtrees2026.bin"
    bad.write_text("Neoplasms;C04\nbroken\n")
    done = trialkg("mesh", "import", str(bad), env={"TRIALKG_MESH_DIR": str(tmp_path / "out")})
    assert done.returncode == 1
    assert f"{bad}, line 2" in done.stderr
    assert not (tmp_path / "out").exists()


def test_import_ascii_release(tmp_path: Path) -> None:
    sample = Path(__file__).resolve().parent / "data" / "mesh" / "d2015-sample.bin"
    env = {"TRIALKG_MESH_DIR": str(tmp_path / "mesh")}
    done = trialkg("mesh", "import", str(sample), env=env)
    assert done.returncode == 0, done.stderr
    assert "wrote MeSH 2015: 2 descriptors" in done.stderr
    shown = trialkg("mesh", "show", "D000001", env=env)
    assert "  entry term\tA-23187" in shown.stdout.splitlines()
