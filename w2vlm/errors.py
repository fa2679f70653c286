"""The exceptions w2vlm raises for problems a user can fix; the CLI prints them as one line."""


class W2VLMError(Exception):
    """Base class: the message is one line that names the problem and the fix."""


class CorpusError(W2VLMError):
    """A corpus cannot be found, read, decoded or is empty."""


class TokenizerError(W2VLMError):
    """A tokenizer is unknown, not installed, or failed on its input."""


class UnknownWordError(W2VLMError, KeyError):
    """A query word is not in the vocabulary."""

    def __str__(self):  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class BackendUnavailable(W2VLMError):
    """The requested device (CuPy/CUDA) cannot be used."""


class ArtifactError(W2VLMError):
    """A model directory is missing, of the wrong kind, or damaged."""


class TrainingError(W2VLMError):
    """Training cannot start or had to stop (bad settings, corpus too small, NaN loss)."""


class PlotError(W2VLMError):
    """A picture cannot be drawn: matplotlib missing, an unwritable path, or nothing to draw."""


class QueryError(W2VLMError, ValueError):
    """A query cannot be answered as asked (e.g. a word given both as positive and as negative)."""


class OptionConflict(W2VLMError):
    """Options that contradict each other or what the data decided (the CLI reports it as a usage error)."""


class ResumeConflict(OptionConflict):
    """An option given with --resume contradicts the saved run (the CLI reports it as a usage error)."""


class RunFinished(ResumeConflict):
    """The resumed run already trained every epoch asked for (give a larger --epochs)."""
