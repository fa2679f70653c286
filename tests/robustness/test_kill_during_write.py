"""kill -9 at every system call of a model write leaves the complete old model or the complete new one."""

import ctypes
import os
import signal

import numpy as np
import pytest

from w2vlm import model_dir
from w2vlm.embeddings.vectors import WordVectors
from w2vlm.errors import ArtifactError
from w2vlm.lm.checkpoint import LMCheckpoint, load_lm, load_resume
from w2vlm.lm.model import LMConfig, RNNLM
from w2vlm.lm.train import make_optimizer, TrainConfig
from w2vlm.text.vocab import Vocab

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork to kill a writer mid-write")

# every step of a write the kill can land before: file creation, writes' fsyncs, renames, links, the swap
STEPS = ("open", "close", "fsync", "replace", "rename", "link", "mkdir", "chmod", "fchmod", "unlink", "rmdir")


def _kill_at(step_limit, write):
    """In a forked child: run ``write`` and SIGKILL the child just before its ``step_limit``-th system call.
    Returns True when the write finished before the limit (no more kill points)."""
    pid = os.fork()
    if pid == 0:  # child: count the calls, die on the chosen one
        try:
            calls = [0]

            def wrap(name, real):
                def counted(*args, **kwargs):
                    calls[0] += 1
                    if calls[0] == step_limit:
                        os.kill(os.getpid(), signal.SIGKILL)
                    return real(*args, **kwargs)
                return counted

            for name in STEPS:   # the renameat2 swap (ctypes) needs no kill point: the calls around it have one
                setattr(os, name, wrap(name, getattr(os, name)))
            write()
            os._exit(0)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return False
    assert os.WEXITSTATUS(status) == 0, "the writer failed instead of being killed"
    return True


def _vectors(version, words=400, dim=16):
    rng = np.random.default_rng(version)
    return WordVectors([f"w{i}" for i in range(words)], rng.standard_normal((words, dim)).astype(np.float32),
                       np.arange(words, 0, -1), config={"version": version})


def _assert_embeddings_whole(directory, versions):
    loaded = WordVectors.load(directory)
    version = loaded.config["version"]
    assert version in versions
    np.testing.assert_array_equal(loaded.vectors, versions[version].vectors)
    text = WordVectors.load_word2vec_format(directory / "vectors.txt")
    np.testing.assert_allclose(text.vectors, versions[version].vectors, atol=1e-5)
    return version


def _kill_everywhere(write, check, reset, max_steps=400):
    """Kill ``write`` before each of its system calls in turn; after each kill ``check()`` must pass.
    Returns the outcomes ``check`` reported."""
    outcomes = []
    for step in range(1, max_steps):
        reset()
        finished = _kill_at(step, write)
        outcomes.append(check())
        if finished:
            return outcomes
    raise AssertionError("the write never finished")


class _LibcWithoutRenameat2:
    """A C library older than renameat2 (glibc before 2.28): the swap falls back to two renames."""

    def __init__(self, name, use_errno=False):
        self.name = name


@pytest.mark.parametrize("exchange", ["renameat2", "rename-fallback"])
def test_replacing_word_vectors(tmp_path, monkeypatch, exchange):
    if exchange == "rename-fallback":
        monkeypatch.setattr(ctypes, "CDLL", _LibcWithoutRenameat2)
        (tmp_path / "a").mkdir()
        (tmp_path / "b").mkdir()
        assert model_dir._exchange(tmp_path / "a", tmp_path / "b") is False   # the swap is not available
        (tmp_path / "a").rmdir()
        (tmp_path / "b").rmdir()
    directory = tmp_path / "model"
    versions = {1: _vectors(1), 2: _vectors(2)}

    def reset():
        versions[1].save(directory)

    outcomes = _kill_everywhere(lambda: versions[2].save(directory),
                                lambda: _assert_embeddings_whole(directory, versions), reset)
    assert outcomes[0] == 1 and outcomes[-1] == 2 and len(outcomes) > 10
    assert set(outcomes) == {1, 2}
    versions[1].save(directory)   # the next writer cleans up whatever the kills left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    assert not list(directory.glob(".*"))


def _lm(seed):
    vocab = Vocab.from_counts([f"w{i}" for i in range(50)], np.arange(50, 0, -1), specials=("<unk>", "<eos>"))
    model = RNNLM(LMConfig(vocab_size=len(vocab), hidden_size=24, embed_size=24), rng=np.random.default_rng(seed))
    return model, vocab


def test_lm_best_checkpoint_and_resume_state(tmp_path):
    directory = tmp_path / "lm"
    models = {1: _lm(1), 2: _lm(2)}
    training = TrainConfig().to_dict()

    def save(version):
        model, vocab = models[version]
        checkpoint = LMCheckpoint(directory, vocab, {"name": "whitespace"}, training, {"version": version},
                                  owned=version == 2)
        history = type("H", (), {"best_epoch": version, "best_valid_ppl": 10.0 / version})()
        checkpoint.save_best(model, history)
        optimizer = make_optimizer(TrainConfig())
        checkpoint.save_state(model, optimizer, {"epochs": [], "best_epoch": version, "best_valid_ppl": None,
                                                 "version": version})

    def check():
        lm = load_lm(directory)
        version = lm.config["version"]
        for name, value in lm.model.state_dict().items():
            np.testing.assert_array_equal(value, models[version][0].state_dict()[name])
        try:
            record = load_resume(directory)
        except ArtifactError as exc:   # the best model is swapped in before its resume state is written
            assert "has no resume.npz" in str(exc) and version == 1
            return (version, None)
        saved = record.history["version"]
        params = {name[len("param."):]: value for name, value in record.arrays.items() if name.startswith("param.")}
        assert saved <= version   # resume state of this run, never of another
        for name, value in params.items():
            np.testing.assert_array_equal(value, models[saved][0].state_dict()[name])
        return (version, saved)

    outcomes = _kill_everywhere(lambda: save(2), check, lambda: save(1))
    assert outcomes[0] == (1, 1) and outcomes[-1] == (2, 2)
    assert {(2, 1), (2, 2)} <= set(outcomes)
