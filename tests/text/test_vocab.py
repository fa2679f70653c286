"""Vocabulary: deterministic order, min_count/max_size, specials, encode, JSON round trip, spelling hints."""

import numpy as np
import pytest

from w2vlm.errors import ArtifactError, UnknownWordError
from w2vlm.text.vocab import Vocab

TYPES = ["the", "cat", "<unk>", "sat", "mat", "rare"]
COUNTS = [10, 5, 5, 3, 2, 1]


def test_from_counts_min_count_and_max_size():
    vocab = Vocab.from_counts(TYPES, COUNTS, min_count=2)
    assert vocab.words == ["the", "cat", "<unk>", "sat", "mat"]
    assert vocab.counts.dtype == np.int64 and vocab.counts.tolist() == [10, 5, 5, 3, 2]
    assert vocab.unk is None and vocab.unk_id is None and vocab.eos_id is None  # no specials asked for
    assert Vocab.from_counts(TYPES, COUNTS, max_size=3).words == ["the", "cat", "<unk>"]


def test_specials_come_first_unless_already_present():
    vocab = Vocab.from_counts(TYPES, COUNTS, specials=("<unk>", "<eos>"))
    assert vocab.words == ["<eos>", "the", "cat", "<unk>", "sat", "mat", "rare"]  # PTB's <unk> keeps its place
    assert vocab.unk_id == 3 and vocab.eos_id == 0 and vocab.counts[0] == 0
    small = Vocab.from_counts(TYPES, COUNTS, max_size=3, specials=("<unk>", "<eos>"))
    assert small.words == ["<unk>", "<eos>", "the"] and len(small) == 3
    with pytest.raises(ValueError):
        Vocab.from_counts(TYPES, COUNTS, max_size=1, specials=("<unk>", "<eos>"))


def test_the_same_counts_give_the_same_vocabulary():
    first = Vocab.from_counts(TYPES, COUNTS, min_count=1, specials=("<unk>", "<eos>"))
    second = Vocab.from_counts(list(TYPES), np.array(COUNTS), min_count=1, specials=("<unk>", "<eos>"))
    assert first.words == second.words and first.counts.tolist() == second.counts.tolist()


def test_lookup_and_encode():
    vocab = Vocab.from_counts(TYPES, COUNTS, specials=("<unk>", "<eos>"))
    assert "cat" in vocab and "dog" not in vocab and vocab.get("dog") is None and vocab.index("cat") == 2
    ids = vocab.encode(["the", "dog", "cat"])
    assert ids.dtype == np.int32 and ids.tolist() == [1, vocab.unk_id, 2]
    assert vocab.decode(ids) == ["the", "<unk>", "cat"]
    no_unk = Vocab.from_counts(TYPES, COUNTS)
    assert no_unk.encode(["the", "dog", "cat"]).tolist() == [0, 1]  # OOV dropped without <unk>


def test_unknown_word_error_suggests_close_spellings():
    vocab = Vocab(["foo", "food", "bar"] + [f"w{i}" for i in range(9996)], np.ones(9999, np.int64))
    with pytest.raises(UnknownWordError) as info:
        vocab.index("fooo")
    assert str(info.value) == "'fooo' is not in the vocabulary (9,999 words); closest spellings: foo, food"
    with pytest.raises(KeyError):
        vocab.index("zzzzzzzz")


def test_json_round_trip(tmp_path):
    vocab = Vocab.from_counts(["국민", "은", "<unk>"], [3, 2, 1], specials=("<unk>", "<eos>"))
    vocab.save(tmp_path / "vocab.json")
    assert '"국민"' in (tmp_path / "vocab.json").read_text(encoding="utf-8")
    loaded = Vocab.load(tmp_path / "vocab.json")
    assert loaded.words == vocab.words and loaded.counts.tolist() == vocab.counts.tolist()
    assert (loaded.unk_id, loaded.eos_id) == (vocab.unk_id, vocab.eos_id)
    for bad in ('{"counts": [1]}', '{"words": "a"}', '{"words": ["a", "a"]}', '{"words": ["a"], "counts": [1, 2]}'):
        (tmp_path / "bad.json").write_text(bad)
        with pytest.raises(ArtifactError, match="not a w2vlm vocabulary"):
            Vocab.load(tmp_path / "bad.json")


def test_the_older_embeddings_layout_still_loads(tmp_path):
    (tmp_path / "old.json").write_text('{"words": ["<unk>", "a"], "counts": [5, 3]}', encoding="utf-8")
    old = Vocab.load(tmp_path / "old.json")
    assert old.words == ["<unk>", "a"] and old.counts.tolist() == [5, 3] and old.unk is None
    (tmp_path / "imported.json").write_text('{"words": ["a", "b"], "counts": null}', encoding="utf-8")
    assert Vocab.load(tmp_path / "imported.json").counts is None


def test_close_spellings_prefer_tagged_forms_then_case_then_difflib():
    vocab = Vocab(["대통령/NNG", "King", "kings", "queen"], [4, 3, 2, 1])
    assert vocab.close_spellings("대통령") == ["대통령/NNG"]
    assert vocab.close_spellings("king") == ["King", "kings"]
    assert vocab.unknown_message("zzz") == "'zzz' is not in the vocabulary (4 words); no close spellings"
