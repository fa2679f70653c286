"""``train-lm --resume``: the saved run's model, training and data options, with explicit conflicts refused."""

import click

from w2vlm import load_config

from .run_options import explicit_options, merge_or_usage_error, seed_given

# CLI option -> (section of config.json, key there)
MODEL_OPTIONS = {"cell": "cell", "layers": "num_layers", "embed_size": "embed_size", "hidden_size": "hidden_size",
                 "dropout": "dropout", "dropout_kind": "dropout_kind", "tie_weights": "tie_weights"}
TRAINING_OPTIONS = ("batch_size", "bptt", "optimizer", "lr", "clip", "epochs", "min_lr", "patience")
RUN_OPTIONS = ("min_count", "max_vocab", "valid", "test", "init_embeddings")
TEXT_OPTIONS = ("encoding", "errors", "normalize", "tokenizer", "pos")


def resumed_settings(ctx, directory, given):
    """(config.json of ``directory``, merged model dict, merged training dict, merged run dict) for ``--resume``.

    ``given``: the command's option values by CLI name. Options the user did not give take the saved values;
    a given one that differs is a usage error naming it (``--epochs`` may grow); the corpus comes from the run
    unless given (its content digest is checked later)."""
    saved = load_config(directory, "lm")
    run = saved.get("run", {})
    explicit = explicit_options(ctx, list(given))
    model_saved = {cli: saved["model"][key] for cli, key in MODEL_OPTIONS.items() if key in saved["model"]}
    model = merge_or_usage_error(model_saved, given, explicit & set(model_saved),
                                 flags={name: "--" + name.replace("_", "-") for name in model_saved})
    training_saved = {name: saved["training"][name] for name in TRAINING_OPTIONS if name in saved["training"]}
    training = merge_or_usage_error(training_saved, given, explicit & set(training_saved))
    run_saved = {name: run.get(name) for name in RUN_OPTIONS if name in run}
    if seed_given(ctx) and "seed" in run:
        merge_or_usage_error({"seed": run["seed"]}, {"seed": ctx.obj.seed}, {"seed"})
    merged_run = merge_or_usage_error(run_saved, given, explicit & set(run_saved))
    text = [name for name in explicit & set(TEXT_OPTIONS)]
    if "tokenizer" in text or "pos" in text:
        raise click.UsageError(f"--{text[0]} conflicts with --resume: the resumed run keeps its tokenizer "
                               f"({saved['tokenizer'].get('name')}); leave it out or train anew")
    return saved, {MODEL_OPTIONS[k]: v for k, v in model.items()}, training, merged_run
