"""Helpers the commands share: the output guard, which options the user gave, resume conflicts as usage errors,
threads."""

import logging

import click

from w2vlm import check_outputs, merge_resumed_options
from w2vlm.errors import ResumeConflict

from .numbers import clamp_to_cores

log = logging.getLogger("w2vlm")
INTERRUPTED = 130   # the shell's code for a run stopped by Ctrl-C (128 + SIGINT)


def guard_outputs(outputs, inputs=()):
    """check_outputs for the running command: every output checked before any work, the directory outputs held
    against a second run until the command ends."""
    return click.get_current_context().with_resource(check_outputs(outputs, inputs))


def explicit_options(ctx, names):
    """The option names in ``names`` that the user gave (command line or environment), not defaults."""
    given = {click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT}
    return {name for name in names if ctx.get_parameter_source(name) in given}


def seed_given(ctx):
    """Whether the global --seed was given explicitly."""
    parent = ctx.find_root()
    return parent.get_parameter_source("seed") == click.core.ParameterSource.COMMANDLINE


def merge_or_usage_error(saved, given, explicit, flags=None):
    """merge_resumed_options, with a conflict reported the way click reports a bad option (exit 2)."""
    try:
        return merge_resumed_options(saved, given, explicit, flags=flags)
    except ResumeConflict as exc:
        raise click.UsageError(str(exc)) from None


def clamp_threads(threads):
    """``threads`` limited to this machine's cores, with a warning when that changes it (None stays None)."""
    return clamp_to_cores(threads, "--threads")


def tokenizer_spec(config):
    """``(spec, pos)`` that rebuild a saved tokenizer config through --tokenizer (``okt:norm=true,stem=false``)."""
    options = {k: v for k, v in config.items() if k not in ("name", "version", "pos")}
    text = ",".join(f"{key}={str(value).lower() if isinstance(value, bool) else value}"
                    for key, value in options.items())
    return config["name"] + (f":{text}" if text else ""), bool(config.get("pos", False))
