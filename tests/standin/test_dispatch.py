"""The one kernel seam under the stand-in: the arrays choose the kernels, and a bad fused kernel is caught once."""

import logging

import numpy as np
import pytest

from tests.support import cupy_standin, kernel_emulations
from w2vlm.lm import LMConfig, RNNLM
from w2vlm.nn import fast_gpu, fast_cpu
from w2vlm.nn.fused import kernels_for


@pytest.mark.parametrize("family", ["lstm", "softmax"])
def test_the_arrays_choose_the_kernels(standin_cupy, family):
    cp = standin_cupy
    for dtype in (np.float32, np.float64):
        assert kernels_for(cp.zeros(2, dtype=dtype), family) is fast_gpu
        assert kernels_for(np.zeros(2, dtype=dtype), family) is fast_cpu
        assert kernels_for(cp.zeros(2, dtype=dtype), family, fused=False) is None
        assert kernels_for(np.zeros(2, dtype=dtype), family, fused=False) is None
    assert kernels_for(cp.zeros(2, dtype=np.int32), family) is None


def _broken_lstm_forward(defines, grid, block, args):
    kernel_emulations.lstm_forward(defines, grid, block, args)
    args[4][...] *= 1.01  # h_next off by 1%


def test_a_wrong_fused_kernel_warns_once_and_falls_back(monkeypatch, caplog):
    broken = cupy_standin.make_cupy(kernels={"lstm_forward<float>": _broken_lstm_forward,
                                             "lstm_forward<double>": _broken_lstm_forward})
    cp = cupy_standin.install(monkeypatch, broken)
    config = LMConfig(vocab_size=20, embed_size=6, hidden_size=6)
    xs, ts = np.random.default_rng(0).integers(0, 20, (2, 3, 5))
    with caplog.at_level(logging.WARNING, logger="w2vlm"):
        losses = [float(RNNLM(config, xp=xp, rng=np.random.default_rng(0)).forward(xp.asarray(xs), xp.asarray(ts)))
                  for xp in (np, cp, cp)]
    warnings = [r.getMessage() for r in caplog.records if "lstm" in r.getMessage()]
    assert len(warnings) == 1 and "lstm_forward" in warnings[0] and "layered reference" in warnings[0]
    assert kernels_for(cp.zeros(2, dtype=np.float32), "lstm") is None
    assert kernels_for(cp.zeros(2, dtype=np.float32), "softmax") is fast_gpu  # other families unaffected
    assert losses[1] == pytest.approx(losses[0], rel=1e-5) and losses[2] == losses[1]


def test_a_kernel_without_emulation_is_a_clear_no_device_error(monkeypatch, caplog):
    cp = cupy_standin.install(monkeypatch, cupy_standin.make_cupy())
    with pytest.raises(RuntimeError, match="no device.*my_kernel"):
        cp.RawModule(code='extern "C" __global__ void my_kernel(float* x) {}')
    cp.RawModule(code=fast_gpu.SOURCE, name_expressions=fast_gpu._NAMES)  # emulated: fine


def test_word2vec_self_check_passes_on_the_emulation_and_catches_a_wrong_step(monkeypatch, caplog):
    from w2vlm.embeddings.kernels import word2vec_selfcheck
    cp = cupy_standin.install(monkeypatch, cupy_standin.make_cupy())
    assert word2vec_selfcheck.self_check(cp, dim=8, negatives=3, window=2) is None

    def wrong_cbow_step(defines, grid, block, args):
        args[1][...] += 1e-3  # W_out drifts
    bad = cupy_standin.install(monkeypatch, cupy_standin.make_cupy(kernels={"w2v_cbow_step": wrong_cbow_step}))
    assert "w2v_cbow_step" in word2vec_selfcheck.self_check(bad, dim=8, negatives=3, window=2)
    for name in ("w2v_cbow", "w2v_skipgram"):  # the training kernels themselves are launched too
        emulation = cupy_standin._REGISTRY[name]

        def drifting(defines, grid, block, args, emulation=emulation):
            emulation(defines, grid, block, args)
            args[0][...] += 1e-3  # W_in drifts
        bad = cupy_standin.install(monkeypatch, cupy_standin.make_cupy(kernels={name: drifting}))
        assert name in word2vec_selfcheck.self_check(bad, dim=8, negatives=3, window=2)
