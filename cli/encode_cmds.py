"""``w2vlm encode`` (corpus -> shard directory) and ``w2vlm cache list|clear`` (the token cache)."""

import json
import time

import click

from w2vlm import Output
from w2vlm.text import SHARD_TOKENS, cache, encode_to_directory

from .numbers import Finite
from .options import corpus_options, load_corpus_and_tokenizer
from .run_options import guard_outputs


@click.command("encode")
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", required=True, metavar="DIR|URL",
              help="Directory (or fsspec URL) for the shards; train-embeddings DIR / train-lm DIR read it.")
@click.option("--shard-tokens", type=click.IntRange(min=1), default=None,
              help="Tokens per shard [default: 8,388,608].")
@corpus_options
@click.pass_obj
def encode(settings, corpus, output, shard_tokens, **text_options):
    """Tokenize CORPUS once into int32 id shards with line offsets and a checksummed index.

    Encode on a cluster once (--scheduler), then train on one machine: `w2vlm train-embeddings DIR`.
    """
    guard_outputs([Output(output, "shards")], [*corpus, text_options.get("user_dict")])
    corpus_obj, tokenizer = load_corpus_and_tokenizer(list(corpus), **text_options)
    index = encode_to_directory(corpus_obj, tokenizer, output, workers=text_options["workers"],
                                scheduler=text_options.get("scheduler"), progress=not settings.quiet,
                                shard_tokens=shard_tokens or SHARD_TOKENS)
    click.echo(f"wrote {index['n_tokens']:,} tokens ({index['n_types']:,} types, {index['n_lines']:,} lines) in "
               f"{len(index['shards'])} shard(s) to {output}")


@click.group("cache")
def cache_group():
    """The token cache ($W2VLM_CACHE, else ~/.cache/w2vlm): encoded corpora reused by later runs."""


@cache_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
def cache_list(as_json):
    """Show every cache entry: key, size, tokens, tokenizer, last use, corpus."""
    entries = cache.list_entries()
    if as_json:
        for entry in entries:
            click.echo(json.dumps({k: v for k, v in entry.items() if k != "files"}, ensure_ascii=False))
        return
    click.echo(f"cache: {cache.default_cache_dir() / 'encoded'} ({len(entries)} entries, "
               f"{_megabytes(sum(e['bytes'] for e in entries))}; set W2VLM_CACHE to move it)")
    for e in entries:
        tokens = f"{e['n_tokens']:,} tok" if e["n_tokens"] is not None else "-"
        used = time.strftime("%Y-%m-%d %H:%M", time.localtime(e["last_used"]))
        status = "" if e["status"] == "ok" else f"  [{e['status']}]"
        click.echo(f"{e['key'][:12]}  {_megabytes(e['bytes']):>9}  {tokens:>16}  {e['tokenizer'] or '-':<10}  "
                   f"{used}  {e['corpus']}{status}")


@cache_group.command("clear")
@click.option("--older-than", type=Finite(min=0), default=None, metavar="DAYS",
              help="Only entries last used more than DAYS days ago.")
def cache_clear(older_than):
    """Remove cache entries (all of them, or those unused for --older-than DAYS)."""
    removed = cache.clear(older_than_days=older_than)
    click.echo(f"removed {len(removed)} entr{'y' if len(removed) == 1 else 'ies'} "
               f"({_megabytes(sum(e['bytes'] for e in removed))}) from {cache.default_cache_dir() / 'encoded'}")


def _megabytes(n):
    return f"{n / 1e6:,.1f} MB"


COMMANDS = [encode, cache_group]
