"""The language-model commands: train-lm, perplexity, generate (thin wrappers over w2vlm.lm)."""

import json
import logging

import click
import numpy as np

from w2vlm import Output, backend, write_metrics
from w2vlm.embeddings import WordVectors
from w2vlm.lm import MAX_GENERATE_LENGTH, generate_text, load_lm, score_perplexity, stream_text, train_lm
from w2vlm.text import open_corpus

from .numbers import SEED, Finite
from .options import column_options, corpus_options, given_tokenizer, open_inputs, parallel_options
from .plot_cmds import draw_curves, plot_option
from .run_options import INTERRUPTED, clamp_threads, explicit_options, given_options, guard_outputs

logger = logging.getLogger("w2vlm")


@click.command("train-lm")
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Model directory to write (required "
              "unless --resume, which defaults to the resumed directory).")
@click.option("--valid", help="Validation text (file or corpus name). Default: the corpus's own split, else the "
              "last 10% of lines are held out (half valid, half test).")
@click.option("--test", help="Test text scored with the best model at the end.")
@click.option("--cell", type=click.Choice(["lstm", "rnn"]), default="lstm", show_default=True)
@click.option("--layers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--embed-size", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--hidden-size", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--dropout", type=Finite(0, 1, max_open=True), default=0.0, show_default=True)
@click.option("--dropout-kind", type=click.Choice(["standard", "locked"]), default="standard", show_default=True)
@click.option("--tie-weights/--no-tie-weights", default=False, show_default=True,
              help="Output layer shares the embedding matrix (needs --embed-size = --hidden-size).")
@click.option("--batch-size", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--bptt", type=click.IntRange(min=1), default=35, show_default=True)
@click.option("--optimizer", type=click.Choice(["sgd", "adam"]), default="sgd", show_default=True)
@click.option("--lr", type=Finite(0, 1000, min_open=True), default=None,
              help="Learning rate, divided by 4 after an epoch without validation improvement [sgd: 20, adam: 0.002].")
@click.option("--min-lr", type=Finite(min=0), default=None,
              help="The lr decay stops here [default: lr / 1000].")
@click.option("--patience", type=click.IntRange(min=0), default=0, show_default=True,
              help="Stop after N epochs without validation improvement (0: train all --epochs).")
@click.option("--clip", type=Finite(min=0), default=0.25, show_default=True,
              help="Max global gradient norm (0: no clipping).")
@click.option("--epochs", type=click.IntRange(min=1), default=4, show_default=True,
              help="Total epochs (with --resume: including the completed ones).")
@click.option("--threads", type=click.IntRange(min=1), default=None, help="BLAS/numba threads.")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--max-vocab", type=click.IntRange(min=3), default=None, help="Keep at most this many words.")
@click.option("--metrics", type=click.Path(dir_okay=False),
              help="Write the training record as JSON: per-epoch loss, train/valid ppl, lr and tokens/s, best_epoch, "
                   "valid_ppl, test_ppl and the config (the layout train-embeddings writes too).")
@click.option("--resume", type=click.Path(exists=True, file_okay=False),
              help="Continue an earlier run from its last completed epoch (its settings, vocabulary and corpus).")
@click.option("--init-embeddings", type=click.Path(exists=True, file_okay=False),
              help="Start the embedding from a train-embeddings directory (matching words; others random).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary (the --metrics object plus output) as JSON on stdout; progress stays on stderr.")
@plot_option
@corpus_options
@click.pass_context
def train_lm_command(ctx, corpus, output, valid, test, cell, layers, embed_size, hidden_size, dropout, dropout_kind,
             tie_weights, batch_size, bptt, optimizer, lr, clip, epochs, threads, min_count, max_vocab, metrics,
             resume, init_embeddings, as_json, plot, min_lr, patience, **corpus_opts):
    """Train an RNN/LSTM language model on CORPUS (files or a corpus name such as ptb).

    Without CORPUS: the embedded Korean corpus (kolaw + kobill). Perplexity counts every token, <eos> included.
    Ctrl-C keeps the best model of the completed epochs (exit 130); --resume DIR continues the same run.
    """
    settings = ctx.obj
    model_options = {"cell": cell, "num_layers": layers, "embed_size": embed_size, "hidden_size": hidden_size,
                     "dropout": dropout, "dropout_kind": dropout_kind, "tie_weights": tie_weights}
    training = {"batch_size": batch_size, "bptt": bptt, "optimizer": optimizer, "clip": clip, "epochs": epochs,
                "lr": lr if lr is not None else (20.0 if optimizer == "sgd" else 0.002), "min_lr": min_lr,
                "patience": patience}
    run_options = {"min_count": min_count, "max_vocab": max_vocab, "seed": settings.seed}
    if resume:   # only what the user gave: the library checks it against the saved run
        model_options = given_options(ctx, model_options, renamed={"num_layers": "layers"})
        training = given_options(ctx, training)
        run_options = given_options(ctx, run_options)
        output = output or resume
    if not output:
        raise click.UsageError("give the model directory with -o/--output (or --resume DIR)")
    backend.set_threads(clamp_threads(threads))
    guard_outputs([Output(output, "lm", replaces=resume), Output(metrics, what="--metrics file"),
                   Output(plot, what="--plot picture")],
                  [*corpus, valid, test, init_embeddings, resume, corpus_opts.get("user_dict")])
    corpus_obj, tokenizer = open_inputs(list(corpus), **corpus_opts) if corpus or not resume else (None, None)
    if resume:   # the resumed run keeps its own tokenizer; a given one must be the same
        tokenizer = given_tokenizer(**corpus_opts) if explicit_options(ctx, ["tokenizer", "pos"]) else None
    text_opts = {"encoding": corpus_opts["encoding"], "errors": corpus_opts["errors"],
                 "normalize": "NFKC" if corpus_opts["normalize"] else None,
                 "column": corpus_opts["column"], "delimiter": corpus_opts["delimiter"]}
    vectors = WordVectors.load(init_embeddings) if init_embeddings and not resume else None
    run_info = dict(text_opts, corpus=list(corpus), valid=valid, test=test, init_embeddings=init_embeddings)
    _, history = train_lm(
        corpus_obj, output, model_options, training, tokenizer=tokenizer,
        valid=open_corpus(valid, **text_opts) if valid else None,
        test=open_corpus(test, **text_opts, split="test") if test else None,
        init_vectors=vectors, resume=resume, xp=backend.get_xp(settings.device), fused=settings.fused,
        workers=corpus_opts.get("workers", 1), scheduler=corpus_opts.get("scheduler"), progress=not settings.quiet,
        run=run_info, **run_options)
    result = history.metrics()
    if metrics:
        write_metrics(metrics, history)
    draw_curves(result, plot)
    if not history.best_epoch:
        click.echo("interrupted before the first epoch finished; nothing was saved", err=True)
        ctx.exit(INTERRUPTED)
    epochs = history.config["training"]["epochs"]
    line = f"valid ppl {result['valid_ppl']:.2f} (epoch {history.best_epoch})"
    if history.test_ppl is not None:
        line += f", test ppl {history.test_ppl:.2f}"
    if history.interrupted:
        click.echo(f"interrupted after {len(history.epochs)} of {epochs} epochs: {line}; the best model is "
                   f"kept in {output}; continue with w2vlm train-lm --resume {output}", err=as_json)
    if as_json:
        click.echo(json.dumps(dict(result, output=str(output)), ensure_ascii=False, indent=2))
    if history.interrupted:
        ctx.exit(INTERRUPTED)
    if as_json:
        return
    click.echo(f"{line}; model saved to {output}" + (" (stopped early: --patience)" if history.stopped_early else ""))


@click.command("perplexity")
@click.argument("model_dir", metavar="DIR", type=click.Path(file_okay=False))
@click.argument("corpus", nargs=-1, required=True)
@click.option("--split", type=click.Choice(["test", "valid", "train"]), default="test", show_default=True,
              help="Which split of a corpus name with splits (e.g. ptb) to score.")
@click.option("--batch-size", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--bptt", type=click.IntRange(min=1), default=35, show_default=True)
@click.option("--encoding", default="utf-8", show_default=True)
@click.option("--errors", type=click.Choice(["strict", "replace"]), default="strict", show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of the number.")
@column_options
@parallel_options
@click.pass_obj
def perplexity(settings, model_dir, corpus, split, batch_size, bptt, encoding, errors, threads, as_json, column,
               delimiter, workers, scheduler):
    """Perplexity of the model in DIR on CORPUS (files or a corpus name), tokenized the model's own way.

    Every token counts, <eos> after every line included; words outside the vocabulary count as <unk>.
    """
    backend.set_threads(threads)
    result = score_perplexity(model_dir, list(corpus), split=split, encoding=encoding, errors=errors, column=column,
                              delimiter=delimiter, batch_size=batch_size, bptt=bptt, workers=workers,
                              scheduler=scheduler, xp=backend.get_xp(settings.device), fused=settings.fused,
                              progress=not settings.quiet)
    if as_json:
        click.echo(json.dumps(result.to_dict()))
    else:
        click.echo(f"{result.ppl:.2f}")
        logger.info("%s tokens (%s <unk>), %.3f nats/token; %.4f bits per character over %s characters",
                    f"{result.tokens:,}", f"{result.unk_tokens:,}", result.cross_entropy, result.bits_per_char,
                    f"{result.characters:,}")


@click.command("generate")
@click.argument("model_dir", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--prompt", default="", help="Text to continue (tokenized with the model's tokenizer).")
@click.option("--length", type=click.IntRange(0, MAX_GENERATE_LENGTH), default=50, show_default=True,
              help=f"Tokens to generate (at most {MAX_GENERATE_LENGTH:,}).")
@click.option("--temperature", type=Finite(min=0), default=1.0, show_default=True, help="0: greedy.")
@click.option("--top-k", type=click.IntRange(min=0), default=0, show_default=True, help="0: no limit.")
@click.option("--top-p", type=Finite(0, 1, min_open=True), default=1.0, show_default=True)
@click.option("--seed", type=SEED, default=None, help="Sampling seed, 0 to 2**32-1 (default: the global --seed).")
@click.option("--stop-at-eos", is_flag=True, help="Stop at the end of the first line.")
@click.option("--skip", multiple=True, help="Token never to generate, e.g. --skip '<unk>' (repeatable).")
@click.option("--stream", is_flag=True, help="Print the text as tokens are drawn (words appear once settled).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def generate(settings, model_dir, prompt, length, temperature, top_k, top_p, seed, stop_at_eos, skip, stream,
             as_json):
    """Continue --prompt with text sampled from the language model in DIR."""
    if stream and as_json:
        raise click.UsageError("--stream prints text as it comes; --json prints one object at the end: pick one")
    lm = load_lm(model_dir, xp=backend.get_xp(settings.device), fused=settings.fused)
    rng = np.random.default_rng(settings.seed if seed is None else seed)
    options = dict(length=length, rng=rng, temperature=temperature, top_k=top_k, top_p=top_p, skip=skip,
                   stop_at_eos=stop_at_eos)
    if stream:
        for piece in stream_text(lm, prompt, **options):
            click.echo(piece, nl=False)  # echo flushes: each piece shows at once
        click.echo()
        return
    result = generate_text(lm, prompt, **options)
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else result["text"])


COMMANDS = [train_lm_command, perplexity, generate]
