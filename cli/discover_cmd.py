"""``w2vlm discover-words``: candidate new words of a corpus (kiwi's extract_words), in the --user-dict format."""

import json

import click

from w2vlm.text import discover_words as discover, format_user_dict_line, open_corpus

from .numbers import Finite
from .options import column_options


@click.command("discover-words")
@click.argument("corpus", nargs=-1, required=True)
@click.option("--min-count", type=click.IntRange(min=1), default=10, show_default=True,
              help="Only strings seen at least this often.")
@click.option("--max-length", type=click.IntRange(min=1), default=10, show_default=True,
              help="Longest candidate, in characters.")
@click.option("--min-score", type=Finite(0, 1), default=0.25, show_default=True,
              help="Lowest word score (lower: more candidates, more of them not words).")
@click.option("-k", "--top", type=click.IntRange(min=1), default=None, help="Print only the N best candidates.")
@click.option("--encoding", default="utf-8", show_default=True, metavar="ENC")
@click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict", show_default=True)
@click.option("--normalize/--no-normalize", default=False, show_default=True, help="NFKC-normalize every line.")
@column_options
@click.option("--json", "as_json", is_flag=True, help="One JSON object per candidate instead of dictionary lines.")
def discover_words(corpus, min_count, max_length, min_score, top, encoding, errors, normalize, column, delimiter,
                   as_json):
    """Candidate new words in CORPUS (files or a corpus name), best first, by kiwi's extract_words (soynlp's
    word extraction plus a noun model): one `word<TAB>tag<TAB>score` line each, its evidence (word score,
    frequency, noun score) in a trailing comment, ready for --user-dict. The tag is kiwi's own guess, NNP;
    edit lines you keep (e.g. NNG for common nouns) and delete the rest."""
    text = open_corpus(list(corpus), encoding=encoding, errors=errors, normalize="NFKC" if normalize else None,
                       column=column, delimiter=delimiter)
    candidates = discover(text, min_count=min_count, max_length=max_length, min_score=min_score)[:top]
    if as_json:
        for candidate in candidates:
            click.echo(json.dumps(candidate, ensure_ascii=False))
        return
    click.echo(f"# discover-words {' '.join(corpus)}: {len(candidates)} candidate(s); word<TAB>tag<TAB>score")
    for candidate in candidates:
        click.echo(format_user_dict_line(candidate))


COMMANDS = [discover_words]
