"""Bad input that was already handled stays handled: one `Error:` line, the right exit code, no artifact."""

import pytest

from .conftest import LM_SMALL, W2V_SMALL, assert_one_error, run


@pytest.fixture
def files(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.dat").write_bytes(b"\x00\x01\x02binary\x00\x00")
    return tmp_path


CASES = [
    (["train-embeddings", "{tmp}/nope.txt", "-o", "{tmp}/out", *W2V_SMALL], "no such file", 1),
    (["train-embeddings", "{tmp}/empty.txt", "-o", "{tmp}/out", *W2V_SMALL], "is empty", 1),
    (["train-lm", "{tmp}/binary.dat", "-o", "{tmp}/out", *LM_SMALL], "binary file", 1),
    (["train-embeddings", "{corpus}", "-o", "{tmp}/out", "--tokenizer", "nosuch"], "unknown tokenizer", 2),
    (["train-embeddings", "{corpus}", "-o", "{tmp}/out", *W2V_SMALL, "--encoding", "nosuch"], "unknown encoding", 1),
    (["train-embeddings", "{corpus}", "-o", "{tmp}/out", *W2V_SMALL, "--min-count", "500"], "lower --min-count", 1),
    (["train-lm", "{corpus}", "-o", "{tmp}/out", *LM_SMALL, "--tie-weights", "--hidden-size", "9"],
     "--tie-weights", 1),
    (["similar", "{tmp}/nodir", "cat"], "does not exist", 2),
    (["generate", "{vectors}"], "not a language model", 1),
    (["similar", "{lm}", "cat"], "not word vectors", 1),
    (["similar", "{vectors}", "zzzzqq"], "not in the vocabulary", 1),
    (["perplexity", "{lm}", "{tmp}/nope.txt"], "no such file", 1),
    (["train-lm", "--resume", "{vectors}"], "not a language model", 1),
    (["train-embeddings", "--resume", "{lm}"], "not word vectors", 1),
    (["train-embeddings", "{corpus}"], "-o/--output", 2),
]


@pytest.mark.parametrize("args, fragment, code", CASES, ids=[" ".join(c[0][:2]) + f" {i}" for i, c in enumerate(CASES)])
def test_bad_input_is_one_error_line(files, corpus, vectors_dir, lm_dir, args, fragment, code):
    names = {"tmp": files, "corpus": corpus, "vectors": vectors_dir, "lm": lm_dir}
    result = run(*[arg.format(**names) for arg in args])
    assert_one_error(result, fragment, code=code)
    assert not (files / "out").exists()
