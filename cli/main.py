"""The ``w2vlm`` click group: global options, error handling, and the commands of each half of the toolkit."""

import logging
import sys
from dataclasses import dataclass

import click

from w2vlm import __version__
from w2vlm.errors import OptionConflict, W2VLMError

from .numbers import SEED


@dataclass
class Settings:
    """Global options, handed to every command as ``ctx.obj``."""
    device: str = "cpu"
    seed: int = 0
    quiet: bool = False
    fused: bool = True


class W2VLMGroup(click.Group):
    """A group that turns every library error into ``Error: <one line>`` with exit code 1."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OptionConflict as exc:   # options that contradict each other or the resumed run: a usage error
            raise click.UsageError(_one_line(exc)) from None
        except W2VLMError as exc:
            raise click.ClickException(_one_line(exc)) from None
        except MemoryError:
            raise click.ClickException("out of memory; use a smaller model, batch or corpus") from None
        except OSError as exc:
            if isinstance(exc, BrokenPipeError):  # `w2vlm tokenize | head`
                sys.stderr.close()
                raise SystemExit(0) from None
            name = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            raise click.ClickException(f"{name}{exc.strerror or exc}") from None
        except KeyboardInterrupt:   # outside a training loop's own handling: nothing more was saved
            click.echo("interrupted; nothing more was saved", err=True)
            raise SystemExit(130) from None


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is now (click's test runner swaps it per invocation)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _one_line(exc):
    return " ".join(str(exc).split()) or type(exc).__name__


@click.group(cls=W2VLMGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--device", type=click.Choice(["cpu", "gpu", "auto"]), default="cpu", show_default=True,
              help="Where models run: cpu (NumPy), gpu (CuPy) or auto (gpu when CuPy sees a CUDA device).")
@click.option("--seed", type=SEED, default=0, show_default=True,
              help="Random seed for weights, sampling and generation (0 to 2**32-1).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bars or log messages; results only.")
@click.option("--no-fused", "no_fused", is_flag=True,
              help="Run the plain layered reference instead of the fused kernels (numba on cpu, CUDA on gpu).")
@click.version_option(__version__, prog_name="w2vlm")
@click.pass_context
def cli(ctx, device, seed, quiet, no_fused):
    """Word2vec (CBOW) and RNN/LSTM language models for Korean and English text."""
    ctx.obj = Settings(device=device, seed=seed, quiet=quiet, fused=not no_fused)
    logger = logging.getLogger("w2vlm")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.WARNING if quiet else logging.INFO)


def _register():
    from . import discover_cmd, embeddings_cmds, encode_cmds, lm_cmds, plot_cmds, text_cmds, train_embeddings_cmd
    for module in (text_cmds, discover_cmd, encode_cmds, train_embeddings_cmd, embeddings_cmds, lm_cmds, plot_cmds):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
