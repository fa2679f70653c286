"""The one numeric-option validator: finite numbers in range, seeds, and counts clamped to this machine's cores."""

import logging
import math
import os

import click

log = logging.getLogger("w2vlm")
SEED = click.IntRange(0, 2 ** 32 - 1)   # every generator w2vlm seeds (NumPy, CuPy) takes these


class Finite(click.FloatRange):
    """A float option that must be a finite number (never nan or inf) inside the range, as click.FloatRange."""

    name = "number"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


def usable_cores():
    """The CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def clamp_to_cores(value, option):
    """``value`` limited to the usable cores, with one notice when that changes it (None stays None)."""
    cores = usable_cores()
    if value is not None and value > cores:
        log.warning("%s %d is more than the %d CPU core(s) here; using %d", option, value, cores, cores)
        return cores
    return value


def cores_callback(ctx, param, value):
    """A click callback: :func:`clamp_to_cores` for the option being parsed."""
    return clamp_to_cores(value, param.opts[0])
