"""``w2vlm tokenize`` and ``w2vlm corpora list|fetch``: thin commands over w2vlm.text."""

import json
import sys

import click

from w2vlm.text import catalog, encode_corpus

from .options import corpus_options, load_corpus_and_tokenizer
from .tables import format_table


@click.command()
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@corpus_options
@click.pass_context
def tokenize(ctx, inputs, workers, scheduler=None, **corpus_opts):
    """Print the tokens of every non-blank line of INPUT, space-separated, one output line per input line.

    INPUT: files, folders (read recursively), globs, named corpora (`w2vlm corpora list`; ptb:valid picks a
    split) or - for stdin. With no INPUT, stdin is read.
    """
    corpus, tok = load_corpus_and_tokenizer(list(inputs) or ["-"], **corpus_opts)
    out = sys.stdout
    quiet = getattr(ctx.obj, "quiet", False)
    progress = not quiet and not out.isatty()  # a bar only when the tokens go to a file or pipe
    for tokens in _token_lines(corpus, tok, workers, scheduler, progress):
        out.write(" ".join(tokens))
        out.write("\n")
    out.flush()


def _token_lines(corpus, tok, workers, scheduler, progress):
    """Lists of tokens per line: tokenized here, or on Dask into temporary shards read back in order."""
    if not scheduler:
        yield from tok.tokenize_lines(corpus, workers=workers, progress=progress)
        return
    encoded = encode_corpus(corpus, tok, workers=workers, scheduler=scheduler, cache=False, progress=progress)
    types = encoded.types
    for ids, offsets in encoded.pieces():
        for start, stop in zip(offsets[:-1], offsets[1:]):
            yield [types[i] for i in ids[start:stop]]


@click.group("corpora")
def corpora_group():
    """Named corpora: list what the catalog knows and what is present; fetch one."""


@corpora_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per corpus instead of a table.")
def corpora_list(as_json):
    """Show every catalogued corpus: language, splits, present/missing and where (under $W2VLM_DATA)."""
    rows = catalog.status()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(f"data folder: {catalog.data_dir()} (set W2VLM_DATA to change it)")
    table = [(row["name"], row["language"], ",".join(row["splits"]), row["status"], row["path"]) for row in rows]
    click.echo(format_table(("name", "lang", "splits", "status", "path"), table, rule=False))


@corpora_group.command("fetch")
@click.argument("name")
@click.option("--dest", type=click.Path(file_okay=False), default=None,
              help="Folder to put NAME/ under [default: $W2VLM_DATA or the default data folder].")
@click.option("--mirror", default=None, metavar="URL|DIR",
              help="Download from a mirror (https://..., file://... or a folder) holding the same files under "
                   "their own names; the checksums are still verified.")
def corpora_fetch(name, dest, mirror):
    """Download the files of corpus NAME and verify their sha256 checksums."""
    files = catalog.fetch(name, dest, mirror=mirror)
    click.echo(f"{name}: {len(files)} file(s) ready")
    for path in files:
        click.echo(f"  {path}")


COMMANDS = [tokenize, corpora_group]
