"""draft: a curated-record draft from the text of a trial page."""

from __future__ import annotations

import datetime
from pathlib import Path

import click

from trialkg.cli.common import err
from trialkg.exceptions import TrialKGError

__all__ = ["COMMANDS", "NoTrialFoundError"]


class NoTrialFoundError(TrialKGError):
    """The page names no trial (no NCT or registry id): the draft is empty."""


@click.command()
@click.argument("page", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the draft here (default: stdout).")
def draft(page: Path, output: Path | None) -> None:
    """Draft a curated record (YAML) from the text of a trial page, for a person to check.

    Fields not found on the page are listed in the draft and on stderr. Exit status 0 when
    the page names a trial; 1 (with an empty draft written) when it names none.
    """
    from trialkg.sources.draft import Draft, draft_from_text, render_yaml

    try:
        data = page.read_bytes()
    except OSError as exc:
        raise TrialKGError(f"{page}: cannot read: {exc.strerror or exc}") from None
    binary = b"\0" in data[:8192]
    text = "" if binary else data.decode("utf-8", errors="replace")
    result = draft_from_text(text) if text.strip() else Draft()
    yaml_text = render_yaml(result, page.name, datetime.date.today().isoformat())
    if output is None:
        click.echo(yaml_text, nl=False)
    else:
        output.write_text(yaml_text, "utf-8")
        err(f"wrote {output}")
    if not result.found_trial:
        why = "a binary file" if binary else "empty" if not text.strip() else "no trial id"
        raise NoTrialFoundError(f"{page}: no trial found ({why}); the draft is empty")
    if result.missing:
        err(f"not found on the page: {', '.join(result.missing)}")


COMMANDS: list[click.Command] = [draft]
