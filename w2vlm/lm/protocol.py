"""What training, scoring and generation use of a language model, written down as a Protocol (RNNLM is one)."""

from typing import Protocol, runtime_checkable


@runtime_checkable
class LMProtocol(Protocol):
    """The layer protocol plus recurrent state: ``lm.train``, ``lm.evaluate`` and ``lm.generate`` use nothing else.

    ``params``/``grads`` are parallel lists (a gradient may be a ``SparseGrad``); ``config`` has ``to_dict()``;
    ``rng`` is the model's NumPy Generator (its state is saved with the training checkpoint).
    """

    params: list
    grads: list
    config: object
    rng: object

    def forward(self, xs, ts):
        """(N, T) input ids and (N, T) next ids -> the mean cross-entropy (a 0-d array); ignored labels are -1."""

    def backward(self, dout=1.0):
        """Gradients of the last forward into ``grads``."""

    def predict(self, xs):
        """(N, T) ids -> (N, T, V) next-token scores, carrying the recurrent state."""

    def train(self):
        """Dropout on."""

    def eval(self):
        """Dropout off."""

    def reset_state(self):
        """Forget the recurrent state (the next batch starts from zeros)."""

    def get_state(self):
        """The recurrent state, to restore with set_state."""

    def set_state(self, state):
        """Restore a state from get_state."""

    def state_dict(self):
        """Parameters by name (host arrays), for saving."""

    def load_state_dict(self, d):
        """Load parameters saved by state_dict."""
