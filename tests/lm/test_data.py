"""LM data preparation: held-out splits, a vocabulary from the training lines only, <eos> per line."""

import pytest

from w2vlm.errors import CorpusError
from w2vlm.lm.data import prepare_lm_data
from w2vlm.text.corpus import open_corpus
from w2vlm.text.tokenize import get_tokenizer


def corpus_of(tmp_path, lines, name="c.txt"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return open_corpus([str(path)])


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))


def test_last_tenth_of_lines_is_held_out_for_valid_and_test(tmp_path):
    lines = [f"a b w{i}" for i in range(40)]  # 4 tokens per line with <eos>
    data = prepare_lm_data(corpus_of(tmp_path, lines), get_tokenizer("whitespace"), progress=False)
    assert (len(data.train_ids), len(data.valid_ids), len(data.test_ids)) == (36 * 4, 2 * 4, 2 * 4)
    assert "w39" not in data.vocab and "w35" in data.vocab  # the vocabulary sees the training lines only
    assert data.vocab.words[:2] == ["<unk>", "<eos>"]
    assert data.test_ids[-1] == data.vocab.eos_id and data.test_ids[-2] == data.vocab.unk_id


def test_explicit_valid_and_max_vocab(tmp_path):
    train = corpus_of(tmp_path, ["a a a b b c"] * 5)
    valid = corpus_of(tmp_path, ["a c d"], name="v.txt")
    data = prepare_lm_data(train, get_tokenizer("whitespace"), valid=valid, max_vocab=4, progress=False)
    assert data.vocab.words == ["<unk>", "<eos>", "a", "b"]
    assert data.valid_ids.tolist() == [2, 0, 0, 1] and data.test_ids is None


def test_too_few_lines_for_a_holdout_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="--valid"):
        prepare_lm_data(corpus_of(tmp_path, ["a b"] * 5), get_tokenizer("whitespace"), progress=False)
