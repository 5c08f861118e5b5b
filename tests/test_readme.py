"""The README's two commands stay true: CI runs its test command, its main job exists."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

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


def test_the_first_command_prints_what_the_readme_shows(tmp_path: Path) -> None:
    """A user with no store runs the README's first command: stdout and stderr, in the
    order a terminal shows them, are exactly the README's example."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = _commands()[0].split(" && ", 1)[1]
    block = readme.split(f"```\n$ {command}\n", 1)[1].split("```", 1)[0]
    env = {k: v for k, v in os.environ.items() if k != "TRIALKG_STORE"}
    env |= {"XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path / "home")}
    args = shlex.split(command)
    assert args[0] == "trialkg"
    done = subprocess.run([sys.executable, "-m", "trialkg", *args[1:]], env=env, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    assert done.returncode == 0
    assert done.stdout == block
    assert "Tumour response after 14 weeks of imatinib" in block  # the answer, whole
    assert "Shrank 5/14, Stable 6/14, Grew 3/14 participants" in block
