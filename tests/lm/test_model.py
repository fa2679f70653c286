"""RNNLM: whole-model numerical gradients, weight tying, hidden state, dropout, state_dict, fused vs plain."""

import numpy as np
import pytest

from tests.gradcheck import check_loss
from w2vlm.errors import ArtifactError, TrainingError
from w2vlm.lm import LMConfig, RNNLM
from w2vlm.nn.optim import SGD, clip_grads
from w2vlm.nn.sparse import SparseGrad

V, B, T = 7, 2, 3


def ids(seed=0, shape=(B, T)):
    return np.random.default_rng(seed).integers(0, V, shape).astype(np.int32)


def make(dtype=np.float64, seed=0, fused=True, **kwargs):
    options = dict(vocab_size=V, embed_size=4, hidden_size=4)
    options.update(kwargs)
    return RNNLM(LMConfig(**options), rng=np.random.default_rng(seed), dtype=dtype, fused=fused)


class Replay:
    """The model with the same initial hidden state and dropout masks on every forward (for gradient checks)."""

    def __init__(self, model):
        self.model, self.params, self.grads = model, model.params, model.grads
        model.forward(ids(5), ids(6))  # a non-zero state to start from
        self.state = model.get_state()
        self.rng_state = model.dropout_rng.state_dict()

    def forward(self, xs, ts):
        self.model.set_state(self.state)
        self.model.dropout_rng.load_state_dict(self.rng_state)
        return self.model.forward(xs, ts)

    def backward(self):
        self.model.backward()


CASES = [
    dict(cell="lstm"),
    dict(cell="rnn"),
    dict(cell="lstm", num_layers=2),
    dict(cell="rnn", num_layers=2, tie_weights=True),
    dict(cell="lstm", num_layers=2, tie_weights=True, dropout=0.3),
    dict(cell="lstm", num_layers=2, dropout=0.3, dropout_kind="locked", embed_dropout=0.2),
    dict(cell="lstm", tie_weights=True, embed_dropout=0.3, dropout=0.2, embed_size=4, hidden_size=4),
]


@pytest.mark.parametrize("options", CASES, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()))
def test_model_gradient(options):
    model = make(**options)
    model.train()
    check_loss(Replay(model), ids(1), ids(2), rtol=1e-5, atol=1e-8)


def test_tied_weights_appear_once_and_gradients_are_dense():
    model = make(tie_weights=True)
    assert model.params[0] is model.affine.params[0] is model.embed.params[0]
    assert len({id(p) for p in model.params}) == len(model.params)
    assert "out.W" not in model.state_dict()
    model.forward(ids(1), ids(2))
    model.backward()
    assert isinstance(model.grads[0], np.ndarray) and model.grads[0].shape == (V, 4)
    untied = make()
    untied.forward(ids(1), ids(2))
    untied.backward()
    assert isinstance(untied.grads[0], SparseGrad)
    assert len(untied.params) == len(model.params) + 1


def test_tie_weights_needs_equal_sizes():
    with pytest.raises(TrainingError, match="embed-size"):
        LMConfig(vocab_size=V, embed_size=4, hidden_size=5, tie_weights=True)
    with pytest.raises(TrainingError):
        LMConfig(vocab_size=V, cell="gru")


def test_config_round_trip():
    config = LMConfig(vocab_size=V, cell="rnn", num_layers=2, dropout=0.5, dropout_kind="locked")
    assert LMConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_hidden_state_is_carried_and_restorable(cell):
    model = make(cell=cell, num_layers=2)
    model.eval()
    xs = ids(3, (B, 2 * T))
    whole = model.predict(xs)
    model.reset_state()
    first = model.predict(xs[:, :T])
    saved = model.get_state()
    second = model.predict(xs[:, T:])
    np.testing.assert_allclose(np.concatenate([first, second], axis=1), whole, rtol=1e-12)
    model.set_state(saved)
    np.testing.assert_allclose(model.predict(xs[:, T:]), second, rtol=1e-12)
    model.reset_state()
    assert model.get_state() == [None, None]
    np.testing.assert_allclose(model.predict(xs[:, :T]), first, rtol=1e-12)


def test_dropout_only_in_training():
    model = make(dropout=0.5, embed_dropout=0.3)
    xs = ids(1)
    model.eval()
    a, b = model.predict(xs), (model.reset_state(), model.predict(xs))[1]
    np.testing.assert_array_equal(a, b)
    model.train()
    model.reset_state()
    assert not np.allclose(model.predict(xs), a)


def test_state_dict_round_trip_and_shape_errors():
    model, other = make(seed=0, num_layers=2), make(seed=1, num_layers=2)
    state = model.state_dict()
    assert all(v.dtype == np.float32 for v in state.values())
    other.load_state_dict(state)
    for a, b in zip(model.params, other.params):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    state["rnn.1.Wh"] = np.zeros((3, 3), dtype=np.float32)
    with pytest.raises(ArtifactError, match="rnn.1.Wh"):
        other.load_state_dict(state)
    with pytest.raises(ArtifactError, match="missing"):
        make(num_layers=1).load_state_dict(model.state_dict())


@pytest.mark.parametrize("options", [dict(cell="lstm", num_layers=2, tie_weights=True), dict(cell="rnn")])
def test_fused_kernels_match_numpy_reference(options):
    results = []
    for fused in (True, False):
        model = make(dtype=np.float32, fused=fused, **options)
        loss = model.forward(ids(1, (4, 6)), ids(2, (4, 6)))
        model.backward()
        results.append((float(loss), [np.asarray(g.to_dense(np) if isinstance(g, SparseGrad) else g)
                                      for g in model.grads]))
    (loss_a, grads_a), (loss_b, grads_b) = results
    assert loss_a == pytest.approx(loss_b, rel=1e-6)
    for a, b in zip(grads_a, grads_b):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_learns_a_repeating_sequence(cell):
    model = make(dtype=np.float32, cell=cell, embed_size=16, hidden_size=16)
    stream = np.tile(np.arange(V, dtype=np.int32), 41)[:4 * 70 + 1]
    xs, ts = stream[:-1].reshape(4, 70), stream[1:].reshape(4, 70)
    optimizer = SGD(lr=1.0)
    losses = []
    for epoch in range(30):
        model.reset_state()
        for start in range(0, 70, 10):
            loss = model.forward(xs[:, start:start + 10], ts[:, start:start + 10])
            model.backward()
            clip_grads(model.grads, 5.0)
            optimizer.update(model.params, model.grads)
        losses.append(float(loss))
    assert losses[0] > 1.5 and losses[-1] < 0.1
