"""The test stubs and RNNLM both follow lm.protocol.LMProtocol: same members, same method signatures."""

import inspect

import numpy as np
import pytest

from w2vlm.lm import LMConfig, RNNLM
from w2vlm.lm.protocol import LMProtocol

from .stubs import BigramLM, CountingLM, UniformLM

METHODS = [name for name, value in vars(LMProtocol).items() if inspect.isfunction(value) and not name.startswith("_")]


def models():
    return [RNNLM(LMConfig(vocab_size=6, embed_size=3, hidden_size=3), rng=np.random.default_rng(0)),
            BigramLM(6), UniformLM(6), CountingLM(6)]


@pytest.mark.parametrize("model", models(), ids=lambda m: type(m).__name__)
def test_model_follows_the_protocol(model):
    assert isinstance(model, LMProtocol)
    assert len(METHODS) == 10
    for name in METHODS:
        wanted = list(inspect.signature(getattr(LMProtocol, name)).parameters)[1:]
        got = list(inspect.signature(getattr(model, name)).parameters)
        assert got == wanted, f"{type(model).__name__}.{name}{tuple(got)} differs from the protocol {tuple(wanted)}"
    assert callable(model.config.to_dict) and len(model.params) == len(model.grads)


@pytest.mark.parametrize("model", models(), ids=lambda m: type(m).__name__)
def test_protocol_methods_do_what_they_say(model):
    xs = np.array([[1, 2, 3], [4, 5, 0]])
    ts = np.array([[2, 3, 4], [5, 0, -1]])
    model.train()
    loss = model.forward(xs, ts)
    model.backward()
    assert np.isfinite(float(loss)) and model.predict(xs).shape == (2, 3, 6)
    model.eval()
    model.reset_state()
    first = model.predict(xs)
    state = model.get_state()
    second = model.predict(xs)  # from the carried state
    model.set_state(state)
    np.testing.assert_allclose(model.predict(xs), second, rtol=1e-6)
    saved = model.state_dict()
    model.load_state_dict(saved)
    model.reset_state()
    np.testing.assert_allclose(model.predict(xs), first, rtol=1e-6)
