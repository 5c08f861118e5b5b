"""The README's two commands stay true: CI runs its test command, its main job exists."""

from __future__ import annotations

import re

from tests.conftest import REPO


def _commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Two commands", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_readme_gives_two_commands() -> None:
    main_job, tests = _commands()
    assert main_job.startswith("python -m pip install . && trialkg query run ")
    assert tests.endswith("python -m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert _commands()[1] in ci


def test_the_main_job_query_exists() -> None:
    from trialkg.queries import QueryLibrary

    name = re.search(r"trialkg query run (\S+)", _commands()[0])
    assert name is not None
    assert name.group(1) in QueryLibrary.default().names()
