"""Helpers the commands share: the output guard, which options the user gave, the exit code of Ctrl-C, threads."""

import logging

import click

from w2vlm import check_outputs

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


def given_options(ctx, options, renamed=None):
    """The entries of ``options`` the user gave (``renamed``: option key -> its click parameter name; ``seed`` is
    the global --seed): on --resume only these are checked against the saved run."""
    renamed = renamed or {}
    given = {key: value for key, value in options.items()
             if key != "seed" and explicit_options(ctx, [renamed.get(key, key)])}
    if "seed" in options and seed_given(ctx):
        given["seed"] = options["seed"]
    return given


def clamp_threads(threads):
    """``threads`` limited to this machine's cores, with a warning when that changes it (None stays None)."""
    return clamp_to_cores(threads, "--threads")
