"""RNN/LSTM language model: embedding -> L x (RNN|LSTM) -> affine (optionally tied) -> softmax (Zaremba et al. 2014).

Dropout follows Zaremba et al. / PyTorch's word_language_model: on the embedding output, between layers and
on the last layer's output ("standard": fresh mask per element; "locked": one mask per sequence reused at every
time step), plus optional embedding dropout of whole word types. Weight tying (Press & Wolf 2017, Inan et al.
2017) makes the output layer use the embedding matrix, which then appears once in ``params``.

Initialization (documented because it decides whether SGD with lr 20 trains): embedding and untied output
weights U(-0.1, 0.1), output bias 0 (PyTorch word_language_model); recurrent weights U(-1/sqrt(H), 1/sqrt(H))
(PyTorch's nn.LSTM/nn.RNN default); recurrent biases 0 except the LSTM forget gate, 1 (Jozefowicz et al. 2015),
so that early in training the cell keeps its memory and gradients flow through time.
"""

from dataclasses import asdict, dataclass, fields

import numpy as np

from ..backend import to_cpu
from ..errors import ArtifactError, TrainingError
from ..nn.counter_rng import CounterRNG
from ..nn.recurrent import TimeLSTM, TimeRNN
from ..nn.time_layers import TimeAffine, TimeDropout, TimeEmbedding, TimeSoftmaxWithLoss


@dataclass
class LMConfig:
    """The shape of an RNNLM; saved as config.json and used to rebuild the model."""

    vocab_size: int
    cell: str = "lstm"  # "rnn" | "lstm"
    num_layers: int = 1
    embed_size: int = 100
    hidden_size: int = 100
    dropout: float = 0.0  # on the embedding output, between layers and on the last layer's output
    dropout_kind: str = "standard"  # "standard" | "locked" (variational: one mask per sequence)
    embed_dropout: float = 0.0  # drop whole word types of the embedding, 0 = off
    tie_weights: bool = False  # output layer uses the embedding matrix (needs embed_size == hidden_size)

    def __post_init__(self):
        if self.cell not in ("rnn", "lstm"):
            raise TrainingError(f"unknown cell {self.cell!r}; use --cell rnn or --cell lstm")
        for name in ("vocab_size", "num_layers", "embed_size", "hidden_size"):
            if int(getattr(self, name)) < 1:
                raise TrainingError(f"{name} must be at least 1, got {getattr(self, name)}")
        for name in ("dropout", "embed_dropout"):
            if not 0.0 <= float(getattr(self, name)) < 1.0:
                raise TrainingError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.dropout_kind not in ("standard", "locked"):
            raise TrainingError(f"unknown dropout kind {self.dropout_kind!r}; use standard or locked")
        if self.tie_weights and self.embed_size != self.hidden_size:
            raise TrainingError(f"--tie-weights needs --embed-size equal to --hidden-size (got {self.embed_size} "
                                f"and {self.hidden_size}); make them equal or use --no-tie-weights")

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        known = {f.name for f in fields(cls)}
        if "vocab_size" not in d:
            raise ArtifactError("LM config has no vocab_size; the model directory is damaged, retrain or restore it")
        return cls(**{k: v for k, v in d.items() if k in known})


class RNNLM:
    """The language model in the layer protocol: ``forward(xs, ts) -> loss``, ``backward()``, ``params``/``grads``.

    ``rng`` (NumPy Generator) draws the initial weights, then the key of ``dropout_rng``, the counter-based
    generator of every dropout mask (same masks on NumPy and CuPy; save/restore its ``state_dict`` to replay them).
    ``fused`` picks the fused kernels for the arrays' backend (numba or CUDA); False runs the layered reference.
    Arrays are float32 unless ``dtype`` says otherwise.
    """

    def __init__(self, config, xp=np, rng=None, dtype=np.float32, fused=True):
        self.config = config
        self.xp = xp
        self.fused = fused
        self.rng = rng if rng is not None else np.random.default_rng()
        dtype = np.dtype(dtype)
        cfg, rng = config, self.rng
        V, D, H = cfg.vocab_size, cfg.embed_size, cfg.hidden_size

        def uniform(scale, *shape):
            return xp.asarray(rng.uniform(-scale, scale, size=shape).astype(dtype))

        gates = 4 if cfg.cell == "lstm" else 1
        embed_W = uniform(0.1, V, D)
        layer_weights = [(uniform(1.0 / np.sqrt(H), D if layer == 0 else H, gates * H),
                          uniform(1.0 / np.sqrt(H), H, gates * H)) for layer in range(cfg.num_layers)]
        out_W = None if cfg.tie_weights else uniform(0.1, H, V)
        self.dropout_rng = drops = CounterRNG.from_generator(rng)
        self.embed = TimeEmbedding(embed_W, dropout=cfg.embed_dropout, rng=drops)
        self.drops = [TimeDropout(cfg.dropout, cfg.dropout_kind, drops)]
        self.rnns = []
        for Wx, Wh in layer_weights:
            b = np.zeros(gates * H, dtype=dtype)
            if cfg.cell == "lstm":
                b[H:2 * H] = 1.0  # forget gate ([i, f, o, g] order)
                self.rnns.append(TimeLSTM(Wx, Wh, xp.asarray(b), stateful=True, fused=fused))
            else:
                self.rnns.append(TimeRNN(Wx, Wh, xp.asarray(b), stateful=True, fused=fused))
            self.drops.append(TimeDropout(cfg.dropout, cfg.dropout_kind, drops))
        out_b = xp.zeros(V, dtype=dtype)
        if cfg.tie_weights:
            self.affine = TimeAffine(embed_W, out_b, transposed=True)
        else:
            self.affine = TimeAffine(out_W, out_b)
        self.loss_layer = TimeSoftmaxWithLoss(ignore_index=-1, overwrite_input=True, fused=fused)

        self.params, self.grads, self._names = [], [], []
        if cfg.tie_weights:  # the embedding matrix once, with the output layer's dense gradient
            self._collect("embed.W", embed_W, self.affine.grads[0])
        else:
            self._collect("embed.W", embed_W, self.embed.grads[0])
        for layer, rnn in enumerate(self.rnns):
            for name, p, g in zip(("Wx", "Wh", "b"), rnn.params, rnn.grads):
                self._collect(f"rnn.{layer}.{name}", p, g)
        if not cfg.tie_weights:
            self._collect("out.W", self.affine.params[0], self.affine.grads[0])
        self._collect("out.b", self.affine.params[1], self.affine.grads[1])

    def _collect(self, name, param, grad):
        self._names.append(name)
        self.params.append(param)
        self.grads.append(grad)

    # --- the layer protocol -------------------------------------------------------------------------------

    def predict(self, xs):
        """Scores (B, T, V) for ids xs (B, T); advances the hidden state. The result may be a non-contiguous view."""
        x = self.drops[0].forward(self.embed.forward(xs))
        for rnn, drop in zip(self.rnns, self.drops[1:]):
            x = drop.forward(rnn.forward(x))
        return self.affine.forward(x)

    def forward(self, xs, ts):
        """Mean cross-entropy (0-d xp array) of targets ts (B, T) given ids xs (B, T); keeps what backward needs."""
        return self.loss_layer.forward(self.predict(xs), ts)

    def backward(self, dout=1.0):
        """Fill ``grads`` in place (embedding: sparse when untied, added into the dense tied gradient otherwise)."""
        d = self.affine.backward(self.loss_layer.backward(dout))
        for rnn, drop in zip(reversed(self.rnns), reversed(self.drops[1:])):
            d = rnn.backward(drop.backward(d))
        self.embed.backward(self.drops[0].backward(d))
        if self.config.tie_weights:
            self.embed.grads[0].add_to(self.affine.grads[0])

    def train(self):
        """Dropout on."""
        self._set_train(True)

    def eval(self):
        """Dropout off."""
        self._set_train(False)

    def _set_train(self, flag):
        self.embed.train = flag
        for drop in self.drops:
            drop.train = flag

    # --- hidden state (truncated BPTT carries it across batches) -----------------------------------------

    def reset_state(self):
        for rnn in self.rnns:
            rnn.reset_state()

    def get_state(self):
        """Per layer a tuple of copies, (h, c) for LSTM and (h,) for RNN, or None before the first batch."""
        state = []
        for rnn in self.rnns:
            if rnn.h is None:
                state.append(None)
            elif isinstance(rnn, TimeLSTM):
                state.append((rnn.h.copy(), rnn.c.copy()))
            else:
                state.append((rnn.h.copy(),))
        return state

    def set_state(self, state):
        """Restore what ``get_state`` returned (None entries mean zeros)."""
        if len(state) != len(self.rnns):
            raise TrainingError(f"state has {len(state)} layers, the model {len(self.rnns)}")
        for rnn, s in zip(self.rnns, state):
            if s is None:
                rnn.reset_state()
            else:
                rnn.set_state(*[self.xp.asarray(a).copy() for a in s])

    # --- parameters on the host ------------------------------------------------------------------------------

    def state_dict(self):
        """Host float32 copies keyed by stable names (embed.W, rnn.0.Wx, rnn.0.Wh, rnn.0.b, ..., out.W, out.b)."""
        return {name: np.array(to_cpu(p), dtype=np.float32, copy=True) for name, p in zip(self._names, self.params)}

    def load_state_dict(self, d):
        """Copy arrays into the parameters in place (optimizers keep their references); shapes must match."""
        missing = [n for n in self._names if n not in d]
        extra = [k for k in d if k not in self._names]
        if missing or extra:
            raise ArtifactError(f"LM parameters do not match the config (missing {missing}, unexpected {extra}); "
                                f"the model directory is damaged or from another version")
        for name, p in zip(self._names, self.params):
            value = np.asarray(d[name])
            if value.shape != p.shape:
                raise ArtifactError(f"LM parameter {name} has shape {value.shape}, the config needs {p.shape}; "
                                    f"the model directory is damaged or its config was edited")
            p[...] = self.xp.asarray(value.astype(p.dtype, copy=False))
