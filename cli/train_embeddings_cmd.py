"""The ``train-embeddings`` command: corpus -> tokens -> CBOW/skip-gram word vectors saved as an artifact."""

import json
import logging
from dataclasses import asdict
from pathlib import Path

import click

from .options import corpus_options, encode_inputs
from .plot_cmds import draw_curves, plot_option

log = logging.getLogger("w2vlm")


@click.command("train-embeddings")
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the trained vectors (config.json, vocab.json, params.npz, vectors.txt).")
@click.option("--model", type=click.Choice(["cbow", "skipgram"]), default="cbow", show_default=True)
@click.option("--dim", type=click.IntRange(min=1), default=100, show_default=True, help="Vector size.")
@click.option("--window", type=click.IntRange(min=1), default=5, show_default=True,
              help="Context words on each side (at most; see --fixed-window).")
@click.option("--negatives", type=click.IntRange(min=1), default=5, show_default=True,
              help="Negative samples per prediction.")
@click.option("--ns-exponent", type=float, default=0.75, show_default=True,
              help="Negatives are drawn with probability count**ns_exponent.")
@click.option("--min-count", type=click.IntRange(min=1), default=5, show_default=True,
              help="Drop words seen fewer times (before windows are formed, as gensim does).")
@click.option("--max-vocab", type=click.IntRange(min=2), default=None, help="Keep only the N most frequent words.")
@click.option("--sample", type=click.FloatRange(min=0), default=1e-3, show_default=True,
              help="Subsampling threshold for frequent words (0 = off).")
@click.option("--fixed-window", is_flag=True, help="Always use the whole window (default: shrink it at random "
                                                   "per word, as word2vec.c and gensim do).")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=0.025, show_default=True,
              help="Start learning rate, decayed linearly to --min-lr over all epochs.")
@click.option("--min-lr", type=click.FloatRange(min=0), default=0.0001, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True,
              help="CPU training threads (Hogwild, like gensim's workers).")
@click.option("--batch-size", type=click.IntRange(min=1), default=256, show_default=True,
              help="Targets per step of the layered model (--no-fused); the fused kernels update word by word.")
@click.option("--subwords", type=click.Choice(["jamo", "char"]), default=None,
              help="fastText subword vectors: a word is the mean of its vector and its hashed n-gram vectors "
                   "(jamo: Hangul split into initial/medial/final jamo first). Gives vectors to unseen words.")
@click.option("--min-n", type=click.IntRange(min=1), default=3, show_default=True, help="Shortest n-gram (--subwords).")
@click.option("--max-n", type=click.IntRange(min=1), default=6, show_default=True, help="Longest n-gram (--subwords).")
@click.option("--buckets", type=click.IntRange(min=1, max=2 ** 32 - 1), default=2_000_000, show_default=True,
              help="Hash buckets for n-grams (--subwords); only the buckets vocabulary words use are stored.")
@click.option("--metrics", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a JSON object with words_per_sec, train_seconds, per-epoch loss and the config.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary (the --metrics object plus output, vocab_size, loss) as JSON on stdout; "
                   "progress stays on stderr.")
@plot_option
@corpus_options
@click.pass_obj
def train_embeddings(settings, corpus, output, model, dim, window, negatives, ns_exponent, min_count, max_vocab,
                     sample, fixed_window, lr, min_lr, epochs, threads, batch_size, subwords, min_n, max_n, buckets,
                     metrics, as_json, plot, **text_options):
    """Train word vectors on CORPUS... (files, directories, globs, - for stdin, a catalog name such as ptb, or a
    shard directory from `w2vlm encode`; none: the embedded Korean corpus, trained for 30 epochs with
    --min-count 3 unless given)."""
    from w2vlm import backend
    from w2vlm.embeddings.train import Word2VecConfig, train_embeddings as train, write_metrics
    from w2vlm.model_dir import check_file_output, check_output

    xp = backend.get_xp(settings.device)
    if not corpus:
        epochs, min_count = _small_corpus_defaults(epochs, min_count)
    config = Word2VecConfig(model=model, dim=dim, window=window, negatives=negatives, ns_exponent=ns_exponent,
                            min_count=min_count, max_vocab=max_vocab, sample=sample, shrink_window=not fixed_window,
                            lr=lr, min_lr=min_lr, epochs=epochs, threads=threads, batch_size=batch_size,
                            seed=settings.seed, subwords=subwords, min_n=min_n, max_n=max_n,
                            buckets=buckets).validate()
    check_output(output, "embeddings")       # before any tokenizing or training
    if metrics is not None:
        check_file_output(metrics)
    encoded, _ = encode_inputs(corpus, progress=not settings.quiet, **text_options)
    vectors, history = train(encoded, config, xp=xp, progress=not settings.quiet, fused=settings.fused)
    saved = dict(asdict(config), corpus=encoded.description, device=settings.device,
                 training={"loss": history.loss, "words_per_sec": history.words_per_sec,
                           "train_seconds": history.train_seconds, "raw_words": history.raw_words})
    vectors.save(output, config=saved)
    if metrics is not None:
        write_metrics(metrics, history, config)
    draw_curves(history.metrics(config), plot)
    if as_json:
        summary = dict(history.metrics(config), output=str(output), vocab_size=len(vectors), loss=history.loss)
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    ngrams = "" if vectors.subwords is None else \
        f" and {len(vectors.subwords.buckets):,} {config.subwords} n-gram vectors"
    click.echo(f"saved {len(vectors):,} word vectors x {config.dim}{ngrams} to {output} "
               f"(loss {history.loss:.4f}, {history.words_per_sec:,.0f} words/s, {history.train_seconds:.1f}s)")


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


COMMANDS = [train_embeddings]
