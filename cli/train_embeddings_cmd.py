"""The ``train-embeddings`` command: corpus -> tokens -> CBOW/skip-gram word vectors saved as an artifact."""

import json
import logging
from pathlib import Path

import click

from w2vlm import Output, StopRequest, backend, write_metrics
from w2vlm.embeddings import train_embeddings

from .numbers import Finite
from .options import corpus_options, given_tokenizer, open_inputs
from .plot_cmds import draw_curves, plot_option
from .run_options import INTERRUPTED, clamp_threads, explicit_options, given_options, guard_outputs

log = logging.getLogger("w2vlm")
SUBWORD_OPTIONS = ("whole_word_count", "min_n", "max_n", "min_char_n", "max_char_n", "buckets", "subword_updates")


@click.command("train-embeddings")
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the trained vectors (config.json, vocab.json, params.npz, vectors.txt); "
                   "required unless --resume, which defaults to the resumed directory.")
@click.option("--model", type=click.Choice(["cbow", "skipgram"]), default=None,
              help="Default cbow, as gensim; skipgram on Korean text under --subwords auto (docs/korean.md).")
@click.option("--dim", type=click.IntRange(min=1), default=100, show_default=True, help="Vector size.")
@click.option("--window", type=click.IntRange(min=1), default=5, show_default=True,
              help="Context words on each side (at most; see --fixed-window).")
@click.option("--negatives", type=click.IntRange(min=1), default=5, show_default=True,
              help="Negative samples per prediction.")
@click.option("--ns-exponent", type=Finite(-10, 10), default=0.75, show_default=True,
              help="Negatives are drawn with probability count**ns_exponent.")
@click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True,
              help="Drop words seen fewer times (before windows are formed, as gensim does).")
@click.option("--max-vocab", type=click.IntRange(min=2), default=None, help="Keep only the N most frequent words.")
@click.option("--sample", type=Finite(min=0), default=1e-3, show_default=True,
              help="Subsampling threshold for frequent words (0 = off).")
@click.option("--fixed-window", is_flag=True, help="Always use the whole window (default: shrink it at random "
                                                   "per word, as word2vec.c and gensim do).")
@click.option("--lr", type=Finite(0, 1, min_open=True), default=0.025, show_default=True,
              help="Start learning rate, decayed linearly to --min-lr over all epochs.")
@click.option("--min-lr", type=Finite(min=0), default=0.0001, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="CPU training threads (Hogwild, like gensim's workers).")
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True,
              help="Targets per step of the layered model (--no-fused); the fused kernels update word by word.")
@click.option("--subwords", type=click.Choice(["auto", "none", "jamo", "char", "jamo+char"]), default="auto",
              show_default=True,
              help="fastText subword vectors: a word is the mean of its vector and its hashed n-gram vectors, "
                   "which also give vectors to unseen words (jamo: Hangul split into initial/medial/final jamo "
                   "first; jamo+char: jamo n-grams plus syllable n-grams, Park et al. 2018). auto: jamo with "
                   "--whole-word-count 100 when most of the corpus letters are Hangul, word vectors only for any "
                   "other text; none: word vectors only.")
@click.option("--whole-word-count", type=click.IntRange(min=0), default=None,
              help="Subword models: a word seen at least N times is its own vector alone, without n-grams (0: every "
                   "word adds its n-grams, as fastText; the default, except 100 under --subwords auto for Korean).")
@click.option("--min-n", type=click.IntRange(min=1), default=3, show_default=True, help="Shortest n-gram (--subwords).")
@click.option("--max-n", type=click.IntRange(min=1), default=6, show_default=True, help="Longest n-gram (--subwords).")
@click.option("--min-char-n", type=click.IntRange(min=1), default=1, show_default=True,
              help="Shortest syllable n-gram (--subwords jamo+char).")
@click.option("--max-char-n", type=click.IntRange(min=1), default=4, show_default=True,
              help="Longest syllable n-gram (--subwords jamo+char).")
@click.option("--buckets", type=click.IntRange(min=1, max=2 ** 32 - 1), default=2_000_000, show_default=True,
              help="Hash buckets for n-grams (--subwords); only the buckets vocabulary words use are stored.")
@click.option("--subword-updates", type=click.Choice(["window", "target"]), default="window", show_default=True,
              help="CBOW with --subwords: 'window' sums each context word's rows once and writes its update once "
                   "as it leaves the window (1.5-1.7x faster on NSMC with jamo n-grams; not fastText's exact "
                   "update); 'target' updates every row after every target word, as fastText does.")
@click.option("--kernel", type=click.Choice(["pairs", "batched"]), default=None,
              help="The numba kernel's update: 'pairs' as word2vec.c (one output row pair at a time); 'batched' "
                   "shares negatives among the words of a window (HogBatch) and updates the gathered rows as small "
                   "matrix products: one draw per skip-gram window or per 16 CBOW centers, or with --subwords "
                   "(skip-gram only) one per two context words. Default: batched for skip-gram (word vectors and "
                   "the Korean default: as fast or faster, vectors as good), pairs for CBOW (batched loses "
                   "quality) and for a named --subwords model (fastText's update).")
@click.option("--metrics", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the training record as JSON: per-epoch loss, seconds, lr and words/s, words_per_sec, "
                   "train_seconds, interrupted and the config (the layout train-lm writes too).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary (the --metrics object plus output, vocab_size, loss) as JSON on stdout; "
                   "progress stays on stderr.")
@plot_option
@click.option("--resume", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Continue the run saved in DIR (stopped by Ctrl-C, or finished: give a larger --epochs) with "
                   "its own options and corpus.")
@corpus_options
@click.pass_context
def train_embeddings_command(ctx, corpus, output, model, dim, window, negatives, ns_exponent, min_count, max_vocab,
                     sample, fixed_window, lr, min_lr, epochs, threads, batch_size, subwords, whole_word_count,
                     min_n, max_n, min_char_n, max_char_n, buckets, subword_updates, kernel, metrics, as_json, plot,
                     resume, **text_options):
    """Train word vectors on CORPUS... (files, directories, globs, - for stdin, a catalog name such as ptb, or a
    shard directory from `w2vlm encode`; none: the embedded Korean corpus, trained for 30 epochs with
    --min-count 3 unless given).

    Ctrl-C stops at the next block and saves the vectors so far, marked incomplete; --resume DIR continues."""

    settings = ctx.obj
    options = dict(model=model, dim=dim, window=window, negatives=negatives, ns_exponent=ns_exponent,
                   min_count=min_count, max_vocab=max_vocab, sample=sample, shrink_window=not fixed_window, lr=lr,
                   min_lr=min_lr, epochs=epochs, threads=threads, batch_size=batch_size, seed=settings.seed,
                   subwords=None if subwords == "none" else subwords, whole_word_count=whole_word_count,
                   min_n=min_n, max_n=max_n, min_char_n=min_char_n, max_char_n=max_char_n, buckets=buckets,
                   subword_updates=subword_updates, kernel=kernel)
    if resume is not None:   # only what the user gave: the library checks it against the saved run
        options = given_options(ctx, options, renamed={"shrink_window": "fixed_window"})
        output = output or resume
    elif not corpus:
        options["epochs"], options["min_count"] = _small_corpus_defaults(epochs, min_count)
    if resume is None and subwords == "none":
        _refuse_subword_options(ctx)
    if output is None:
        raise click.UsageError("give the output directory with -o/--output (or --resume DIR)")
    if "threads" in options:
        options["threads"] = clamp_threads(options["threads"])
        backend.set_threads(options["threads"])   # at the edge: the library never sets process-wide threads
    xp = backend.get_xp(settings.device)
    guard_outputs([Output(output, "embeddings", replaces=resume), Output(metrics, what="--metrics file"),
                   Output(plot, what="--plot picture")], [*corpus, resume, text_options.get("user_dict")])
    source, tokenizer = open_inputs(corpus, **text_options) if corpus or resume is None else (None, None)
    if resume is not None:   # the resumed run keeps its own tokenizer; a given one must be the same
        tokenizer = given_tokenizer(**text_options) if explicit_options(ctx, ["tokenizer", "pos"]) else None
    text = {name: text_options[name] for name in ("encoding", "errors", "normalize", "column", "delimiter")
            if name in text_options}
    run = {"corpus_specs": list(corpus), "text": text, "device": settings.device}   # how the run was started
    with StopRequest("stopping after the current block; the vectors so far will be saved (Ctrl-C again to "
                     "abort without saving)") as stop:
        vectors, history = train_embeddings(source, output, options, tokenizer=tokenizer, resume=resume, xp=xp,
                                            fused=settings.fused, workers=text_options.get("workers", 1),
                                            scheduler=text_options.get("scheduler"), progress=not settings.quiet,
                                            stop=stop, run=run)
    if metrics is not None:
        write_metrics(metrics, history)
    draw_curves(history.metrics(), plot)
    epochs = vectors.config["epochs"]
    if history.interrupted:
        click.echo(f"interrupted in {history.state.describe(epochs)}: saved the {len(vectors):,} word vectors "
                   f"trained so far to {output}, marked incomplete; continue with w2vlm train-embeddings --resume "
                   f"{output}", err=as_json)
    if as_json:
        summary = dict(history.metrics(), output=str(output), vocab_size=len(vectors), loss=history.loss)
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    if history.interrupted:
        ctx.exit(INTERRUPTED)
    if as_json:
        return
    ngrams = "" if vectors.subwords is None else \
        f" and {len(vectors.subwords.buckets):,} {vectors.subwords.scheme.kind} n-gram vectors"
    click.echo(f"saved {len(vectors):,} word vectors x {vectors.dim}{ngrams} to {output} "
               f"(loss {history.loss:.4f}, {history.words_per_sec:,.0f} words/s, {history.train_seconds:.1f}s)")


def _refuse_subword_options(ctx):
    """Subword options given without --subwords would be ignored: a usage error names them."""
    given = sorted(explicit_options(ctx, SUBWORD_OPTIONS))
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        raise click.UsageError(f"{names} only appl{'y' if len(given) > 1 else 'ies'} to subword models; add "
                               f"--subwords auto|jamo|char|jamo+char, or leave {'them' if len(given) > 1 else 'it'} "
                               f"out")


def _small_corpus_defaults(epochs, min_count):
    """The embedded corpus has only ~30k tokens: 5 epochs leave every vector near its neighbours (cosines ~0.999),
    so unless the user chose otherwise it trains 30 epochs with min_count 3."""
    ctx = click.get_current_context()
    default = click.core.ParameterSource.DEFAULT
    if ctx.get_parameter_source("epochs") == default:
        epochs = 30
    if ctx.get_parameter_source("min_count") == default:
        min_count = 3
    log.info("embedded default corpus: --epochs %d --min-count %d (set them to override)", epochs, min_count)
    return epochs, min_count


COMMANDS = [train_embeddings_command]
