"""Bad settings and queries from the issue's table: each is one `Error:` line (or a clear warning), no artifact."""

import json
import os

import pytest

from .conftest import LM_SMALL, W2V_SMALL, assert_one_error, run, write_corpus


@pytest.mark.parametrize("lr", ["2", "5", "20"])
def test_word2vec_learning_rate_out_of_range(corpus, tmp_path, lr):
    result = run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL, "--lr", lr)
    assert_one_error(result, "--lr", "0<x<=1", code=2)
    assert not (tmp_path / "v").exists()


def test_diverging_word2vec_is_a_training_error(tmp_path):
    corpus = write_corpus(tmp_path / "big.txt", lines=2000, words=[f"w{i}" for i in range(400)])
    result = run("train-embeddings", corpus, "-o", tmp_path / "v", "--tokenizer", "whitespace", "--min-count", "1",
                 "--model", "skipgram", "--dim", "50", "--sample", "0", "--lr", "1", "--epochs", "3")
    assert_one_error(result, "diverged", "lower --lr")
    assert not (tmp_path / "v").exists()


def test_lm_vocabulary_without_real_words(corpus, tmp_path):
    result = run("train-lm", corpus, "-o", tmp_path / "lm", *LM_SMALL, "--min-count", "1000000")
    assert_one_error(result, "only <unk> and <eos>", "lower --min-count")
    assert not (tmp_path / "lm").exists()


def test_lm_learning_rate_range(corpus, tmp_path):
    assert_one_error(run("train-lm", corpus, "-o", tmp_path / "lm", *LM_SMALL, "--lr", "5000"), "--lr", code=2)


def test_query_word_both_positive_and_negative(vectors_dir):
    assert_one_error(run("similar", vectors_dir, "cat", "--negative", "cat"), "'cat'", "both as positive")
    assert run("similar", vectors_dir, "cat", "--negative", "dog").exit_code == 0


@pytest.mark.parametrize("spec, fragment", [("okt:norm=maybe", "true or false"), ("okt:norm=1", "true or false"),
                                            ("okt:colour=true", "has no option")])
def test_tokenizer_options_are_parsed_strictly(corpus, tmp_path, spec, fragment):
    result = run("train-embeddings", corpus, "-o", tmp_path / "v", "--tokenizer", spec, "--min-count", "1")
    assert_one_error(result, "--tokenizer", fragment, code=2)
    assert not (tmp_path / "cache").exists()


def test_replaced_bytes_are_counted_and_warned(tmp_path):
    path = tmp_path / "cp949.txt"
    path.write_bytes(("대한민국은 민주공화국이다 국민 주권\n" * 50).encode("cp949"))
    result = run("train-embeddings", path, "-o", tmp_path / "v", *W2V_SMALL, "--errors", "replace", verbose=True)
    assert result.exit_code == 0, result.output
    warning = next(line for line in result.output.splitlines() if "undecodable" in line)
    assert "cp949.txt" in warning and "U+FFFD" in warning and "--encoding utf-8 right" in warning
    good = run("train-embeddings", path, "-o", tmp_path / "v2", *W2V_SMALL, "--errors", "replace",
               "--encoding", "cp949", verbose=True)
    assert good.exit_code == 0 and "undecodable" not in good.output


def test_threads_above_the_cores_are_clamped_with_a_warning(corpus, tmp_path):
    cores = len(os.sched_getaffinity(0))
    result = run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL, "--threads", cores + 7,
                 verbose=True)
    assert result.exit_code == 0, result.output
    assert f"--threads {cores + 7} is more than the {cores} CPU core(s) here" in result.output
    assert json.loads((tmp_path / "v" / "config.json").read_text())["threads"] == cores
