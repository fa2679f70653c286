"""Issue 21, options and values: options that would be ignored are refused, numbers are finite and in range,
counts are clamped to the cores, a bad --font, an offline `corpora fetch`, <unk> in generated Korean."""

import json

import pytest

from w2vlm.text import get_tokenizer

from .conftest import LM_SMALL, W2V_SMALL, assert_one_error, run, write_corpus

KOREAN = ["나는 밥을 먹었다", "너는 책을 읽었다", "우리는 학교에 갔다", "그는 물을 마셨다", "나는 학교에서 책을 읽었다"]


@pytest.fixture
def shards(corpus, tmp_path):
    out = tmp_path / "shards"
    assert run("encode", corpus, "-o", out, "--tokenizer", "whitespace").exit_code == 0
    return out


@pytest.mark.parametrize("option", [["--tokenizer", "char"], ["--pos"], ["--column", "1"], ["--normalize"],
                                    ["--encoding", "cp949"], ["--user-dict", "DICT"]])
def test_text_options_on_a_shard_directory_are_refused(shards, tmp_path, option):   # item 15
    user = tmp_path / "words.tsv"
    user.write_text("고양이\tNNG\n", encoding="utf-8")
    option = [str(user) if value == "DICT" else value for value in option]
    for command, small in (("train-embeddings", ["--dim", "8", "--min-count", "1", "--epochs", "1"]),
                           ("train-lm", LM_SMALL[2:] + ["--epochs", "1"])):
        result = run(command, shards, "-o", tmp_path / command, *small, *option)
        assert_one_error(result, option[0], "already tokenized", code=2)
        assert not (tmp_path / command).exists()


@pytest.mark.parametrize("option", [["--min-n", "2"], ["--max-n", "4"], ["--min-char-n", "2"], ["--max-char-n", "3"],
                                    ["--buckets", "1000"], ["--subword-updates", "target"]])
def test_subword_options_without_subwords_are_refused(corpus, tmp_path, option):   # item 16
    assert_one_error(run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL, *option), option[0],
                     "--subwords", code=2)
    assert run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL, "--subwords", "char",
               *option).exit_code == 0


def test_workers_are_clamped_to_the_cores(corpus, tmp_path):   # item 17
    result = run("encode", corpus, "-o", tmp_path / "s", "--tokenizer", "whitespace", "--workers", "1000",
                 verbose=True)
    assert result.exit_code == 0, result.output
    assert "--workers 1000 is more than the" in result.output


@pytest.mark.parametrize("args,option", [(["--seed", "-1"], "--seed"), (["--seed", "99999999999"], "--seed")])
def test_a_seed_out_of_range_is_one_line(corpus, tmp_path, args, option):   # item 18
    assert_one_error(run(*args, "train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL), option, code=2)


@pytest.mark.parametrize("args,fragment", [(["--temperature", "nan"], "not a finite number"),
                                           (["--temperature", "inf"], "not a finite number"),
                                           (["--length", "99999999999"], "0<=x<=100000"),
                                           (["--seed", "-1"], "--seed")])
def test_generate_values_are_validated(lm_dir, args, fragment):   # item 19
    assert_one_error(run("generate", lm_dir, *args), fragment, code=2)
    greedy = run("generate", lm_dir, "--temperature", "0", "--length", "5")
    assert greedy.exit_code == 0 and greedy.output == run("generate", lm_dir, "--temperature", "0", "--length",
                                                          "5", "--seed", "7").output   # 0 stays greedy


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_training_floats_must_be_finite(corpus, tmp_path, value):   # the same validator on every float option
    assert_one_error(run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL, "--ns-exponent", value),
                     "--ns-exponent", code=2)
    assert_one_error(run("train-lm", corpus, "-o", tmp_path / "lm", *LM_SMALL, "--clip", value), "--clip", code=2)


def test_a_file_that_is_not_a_font_is_an_error(vectors_dir, tmp_path):   # item 21
    pytest.importorskip("matplotlib")
    pytest.importorskip("fontTools")
    fake = tmp_path / "font.ttf"
    fake.write_text("not a font")
    assert_one_error(run("plot-vectors", vectors_dir, "-o", tmp_path / "map.png", "--top", "5", "--font", fake),
                     "not a font file")
    assert not (tmp_path / "map.png").exists()


def test_corpora_fetch_offline_names_the_corpus_and_leaves_nothing(tmp_path):   # item 23
    dest = tmp_path / "data"
    empty = tmp_path / "mirror"
    empty.mkdir()
    error = assert_one_error(run("corpora", "fetch", "wikitext-2", "--dest", dest, "--mirror", empty),
                             "corpus wikitext-2", "wikitext-2-v1.zip")
    assert ".archive." not in error and ".part" not in error
    assert not dest.exists()


def test_unk_in_generated_korean_is_visible_and_the_rest_joined():   # item 24
    kiwi = get_tokenizer("kiwi", pos=True)
    text = kiwi.detokenize(["나/NP", "는/JX", "<unk>", "을/JKO", "먹/VV", "었/EP", "다/EF"])
    assert text == "나는 <unk> 을 먹었다"


def test_generate_from_a_pos_lm_samples_unk_without_crashing(tmp_path):   # item 24
    corpus = write_corpus(tmp_path / "ko.txt", lines=120, words=KOREAN)
    lm = tmp_path / "lm"
    assert run("train-lm", corpus, "-o", lm, "--pos", "--min-count", "50", "--epochs", "1", *LM_SMALL[2:]).exit_code == 0
    plain = run("generate", lm, "--length", "300", "--temperature", "5", "--json")
    assert plain.exit_code == 0, plain.output
    streamed = run("generate", lm, "--length", "300", "--temperature", "5", "--stream")
    assert streamed.exit_code == 0, streamed.output
    result = json.loads(plain.output)
    assert "<unk>" in result["tokens"] and "<unk>" in result["text"]
    assert streamed.output.rstrip("\n") == result["text"]
