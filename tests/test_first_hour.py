"""Issue #15: the first hour of a new user (install, first commands, answers shown whole)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

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
