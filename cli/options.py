"""Options every corpus-reading command shares (--encoding, --errors, --normalize, --tokenizer, --pos, --workers,
--scheduler, --column, --delimiter, --user-dict) and the one way commands turn them into an encoded corpus."""

import click

from w2vlm.errors import TokenizerError
from w2vlm.text import (EncodedCorpus, available_tokenizers, encode_corpus, get_tokenizer, is_shard_dir, open_corpus,
                        parse_tokenizer_spec, read_user_dict, tokenizer_from_config)

from .numbers import cores_callback
from .run_options import explicit_options

# how text is read and tokenized: a shard directory was read and tokenized when it was encoded
SHARD_IGNORED = ("encoding", "errors", "normalize", "tokenizer", "pos", "user_dict", "column", "delimiter")


class TokenizerSpec(click.ParamType):
    """A tokenizer name, optionally with options (``okt:norm=true,stem=true``); unknown names are usage errors."""

    name = "NAME"

    def convert(self, value, param, ctx):
        if value is None:
            return None
        name, _ = parse_tokenizer_spec(value)
        if name not in available_tokenizers():
            self.fail(f"unknown tokenizer '{name}'; choose one of: {', '.join(available_tokenizers())}", param, ctx)
        try:
            get_tokenizer(value)   # checks the options' names and types; the analyzer loads later, on first use
        except TokenizerError as exc:
            self.fail(str(exc), param, ctx)
        return value


_COLUMN_OPTIONS = [
    click.option("--column", metavar="NAME|INDEX", default=None,
                 help="Read only this column of TSV/CSV input: a header name or a 0-based index (the header line "
                      "is detected and skipped)."),
    click.option("--delimiter", metavar="CHAR", default=None,
                 help="Column delimiter for --column: tab, comma or one character [default: tab when the first "
                      "line has one, else comma]."),
]


def column_options(command):
    """Add --column and --delimiter (read one column of TSV/CSV files: NSMC's ratings_train.txt --column document)."""
    for option in reversed(_COLUMN_OPTIONS):
        command = option(command)
    return command


def corpus_options(command):
    """Add --encoding, --errors, --normalize/--no-normalize, --tokenizer, --pos, --workers and --scheduler.
    The command receives them as keyword arguments of the same names; pass them on to
    :func:`load_corpus_and_tokenizer`."""
    options = [
        click.option("--encoding", default="utf-8", show_default=True, metavar="ENC",
                     help="Text encoding of the input files (e.g. cp949, euc-kr)."),
        click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict", show_default=True,
                     help="Undecodable bytes: stop with file:line (strict) or read them as U+FFFD (replace)."),
        click.option("--normalize/--no-normalize", default=False, show_default=True,
                     help="Unicode NFKC normalization of every line (note: it turns ㅋ into conjoining jamo)."),
        click.option("--tokenizer", type=TokenizerSpec(), default=None,
                     help=f"{', '.join(available_tokenizers())}; options as NAME:key=value,... "
                          f"(okt:norm=true,stem=true). Default: the corpus's own (whitespace for ptb), else kiwi."),
        click.option("--pos", is_flag=True, help="Keep part-of-speech tags on tokens (단어/NNG)."),
        click.option("--user-dict", type=click.Path(exists=True, dir_okay=False), default=None, metavar="FILE",
                     help="Words for kiwi to know (word<TAB>tag[<TAB>score] lines, e.g. from discover-words); "
                          "saved with the model."),
        *_COLUMN_OPTIONS,
    ]
    command = parallel_options(command)
    for option in reversed(options):
        command = option(command)
    return command


def parallel_options(command):
    """Add --workers and --scheduler (tokenizing here in parallel, or on Dask) to a command."""
    options = [
        click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, callback=cores_callback,
                     help="Parallel tokenization (kiwi threads; spawn-started processes for mecab and KoNLPy; "
                          "with --scheduler local: Dask worker processes); at most the usable CPU cores."),
        click.option("--scheduler", default=None, metavar="local|ADDRESS",
                     help="Tokenize on Dask: 'local' starts a LocalCluster of --workers processes; an address "
                          "(tcp://host:8786) uses a running cluster. Needs pip install 'w2vlm[distributed]'."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def load_corpus_and_tokenizer(specs, *, encoding="utf-8", errors="strict", normalize=False, tokenizer=None,
                              pos=False, workers=1, scheduler=None, split="train", column=None, delimiter=None,
                              user_dict=None):
    """Open the corpus (``specs`` empty -> the embedded default Korean corpus) and the tokenizer the options
    name, or the corpus's default tokenizer. ``workers`` and ``scheduler`` are accepted (and ignored) so that a
    command can pass all of its corpus options; hand them to encode_corpus / tokenize_lines."""
    specs = list(specs) if specs else None
    corpus = open_corpus(specs, encoding=encoding, errors=errors, normalize="NFKC" if normalize else None,
                         split=split, column=column, delimiter=delimiter)
    name = tokenizer or corpus.default_tokenizer
    if user_dict is None:
        return corpus, get_tokenizer(name, pos=pos)
    if parse_tokenizer_spec(name)[0] not in ("kiwi", "mecab"):
        raise click.UsageError(f"--user-dict works with --tokenizer kiwi, not {name}")
    return corpus, get_tokenizer(name, pos=pos, user_words=read_user_dict(user_dict))




def given_tokenizer(*, tokenizer=None, pos=False, user_dict=None, **_):
    """The tokenizer that --tokenizer/--pos/--user-dict name (kiwi when only --pos is given), without a corpus."""
    if user_dict is not None and parse_tokenizer_spec(tokenizer or "kiwi")[0] not in ("kiwi", "mecab"):
        raise click.UsageError(f"--user-dict works with --tokenizer kiwi, not {tokenizer}")
    words = {"user_words": read_user_dict(user_dict)} if user_dict is not None else {}
    return get_tokenizer(tokenizer, pos=pos, **words)


def open_inputs(specs, **text_options):
    """``(corpus, tokenizer)`` for a command's CORPUS arguments. A shard directory written by ``w2vlm encode``
    comes back as an EncodedCorpus (checksums verified) with its own tokenizer settings; anything else is opened
    with the text options (:func:`load_corpus_and_tokenizer`)."""
    specs = list(specs or ())
    if len(specs) == 1 and is_shard_dir(specs[0]):
        encoded = EncodedCorpus.load(specs[0])
        _refuse_text_options(specs[0], encoded.tokenizer_config)
        return encoded, tokenizer_from_config(encoded.tokenizer_config)
    return load_corpus_and_tokenizer(specs, **text_options)


def _refuse_text_options(directory, tokenizer_config):
    """A shard directory is already decoded and tokenized: options about reading or tokenizing text would be
    silently ignored there, so the ones the user gave are refused."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    given = sorted(explicit_options(ctx, [name for name in SHARD_IGNORED if name in ctx.params]))
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{names} cannot apply to {directory}: it holds shards already tokenized (with "
                               f"{tokenizer_config.get('name')}); leave {'it' if len(given) == 1 else 'them'} out, "
                               f"or encode the text again with `w2vlm encode ... {names.split(', ')[0]} ...`")


def encode_inputs(specs, *, progress=True, **text_options):
    """``(encoded, tokenizer)``: :func:`open_inputs`, with a text corpus encoded through the cache, here or on
    Dask (--scheduler)."""
    corpus, tokenizer = open_inputs(specs, **text_options)
    if isinstance(corpus, EncodedCorpus):
        return corpus, tokenizer
    encoded = encode_corpus(corpus, tokenizer, workers=text_options.get("workers", 1),
                            scheduler=text_options.get("scheduler"), progress=progress)
    return encoded, tokenizer
