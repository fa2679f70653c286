"""User dictionaries (--user-dict) for kiwi, saved with models and part of the cache key; discover-words."""

import json
import random

import pytest
from click.testing import CliRunner

from w2vlm.errors import TokenizerError
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import cache_key
from w2vlm.text.tokenize import get_tokenizer, tokenizer_from_config
from w2vlm.text.discover import discover_words
from w2vlm.text.user_dict import read_user_dict
from w2vlm_cli.main import cli

# slang kiwi does not know: 존잼 ("really fun") and 마블덕후 ("Marvel fan") split apart without a dictionary
USER_DICT = "\ufeff# slang\n존잼\tNNG\t0.5\n\n마블덕후\tNNG\t# a comment after the tag\n"
REVIEWS = ["이 영화 존잼이네요 진짜", "마블덕후들 다 모여라 존잼", "존잼 영화 추천합니다", "마블덕후라면 꼭 보세요",
           "배우들 연기도 존잼이고 음악도 좋다"] * 4


@pytest.fixture
def user_dict(tmp_path):
    path = tmp_path / "words.tsv"
    path.write_text(USER_DICT, encoding="utf-8")
    return path


def test_read_user_dict(user_dict, tmp_path):
    assert read_user_dict(user_dict) == [("존잼", "NNG", 0.5), ("마블덕후", "NNG", 0.0)]
    bad = tmp_path / "bad.tsv"
    for text, message in [("존잼\n", "bad.tsv:1: expected 'word<TAB>tag"), ("존 잼\tNNG\n", "without spaces"),
                          ("존잼\tNNG\thigh\n", "bad.tsv:1: the score 'high' is not a number"),
                          ("# nothing\n", "holds no entries")]:
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(TokenizerError, match=message):
            read_user_dict(bad)


def test_kiwi_uses_the_words_and_saves_them_in_its_config(user_dict):
    plain = get_tokenizer("kiwi", pos=True)
    assert plain.tokenize("존잼이네요")[0] != "존잼/NNG"
    assert "user_words" not in plain.config()  # configs (and cache keys) without a dictionary are unchanged
    tagged = get_tokenizer("kiwi", pos=True, user_words=read_user_dict(user_dict))
    assert tagged.tokenize("존잼이네요") == ["존잼/NNG", "이/VCP", "네요/EF"]
    assert tagged.tokenize("마블덕후들")[0] == "마블덕후/NNG"
    assert tagged.config()["user_words"] == [["존잼", "NNG", 0.5], ["마블덕후", "NNG", 0.0]]
    rebuilt = tokenizer_from_config(json.loads(json.dumps(tagged.config())))  # as a saved model reads it back
    assert rebuilt.tokenize("존잼이네요") == tagged.tokenize("존잼이네요")
    assert plain.tokenize("존잼이네요") == get_tokenizer("kiwi", pos=True).tokenize("존잼이네요")  # no leak
    corpus = open_corpus(str(user_dict))
    assert cache_key(corpus, plain) != cache_key(corpus, tagged)
    with pytest.raises(TokenizerError, match="does not accept the tag 'XYZ'"):
        get_tokenizer("kiwi", user_words=[("존잼", "XYZ", 0.0)]).tokenize("존잼")
    with pytest.raises(TokenizerError, match="mecab-ko cannot add words at run time"):
        get_tokenizer("mecab", user_words=[("존잼", "NNG", 0.0)])


def test_a_model_trained_with_a_user_dict_queries_the_same_way(user_dict, tmp_path, monkeypatch):
    from w2vlm.embeddings.vectors import WordVectors
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    corpus = tmp_path / "reviews.txt"
    corpus.write_text("\n".join(REVIEWS) + "\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(cli, ["-q", "train-embeddings", str(corpus), "--pos", "--user-dict", str(user_dict),
                                 "--min-count", "1", "--epochs", "1", "-o", str(tmp_path / "vec")])
    assert result.exit_code == 0, result.output
    vectors = WordVectors.load(tmp_path / "vec")
    assert "존잼/NNG" in vectors and "마블덕후/NNG" in vectors
    assert vectors.resolve("존잼").explain() == "존잼 = 존잼/NNG"  # the saved dictionary tokenizes the query
    assert vectors.resolve("존잼이네요").pieces == ("존잼/NNG", "이/VCP", "네요/EF")
    result = runner.invoke(cli, ["tokenize", str(corpus), "--tokenizer", "okt", "--user-dict", str(user_dict)])
    assert result.exit_code == 2 and "--user-dict works with --tokenizer kiwi" in result.output


def test_an_lm_keeps_the_user_dict_for_generation(user_dict, tmp_path, monkeypatch):
    from w2vlm.lm.checkpoint import load_lm
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    corpus = tmp_path / "reviews.txt"
    corpus.write_text("\n".join(REVIEWS) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-q", "train-lm", str(corpus), "--pos", "--user-dict", str(user_dict),
                                      "--epochs", "1", "--hidden-size", "8", "--embed-size", "8", "-o",
                                      str(tmp_path / "lm")])
    assert result.exit_code == 0, result.output
    lm = load_lm(tmp_path / "lm")
    assert lm.tokenizer.tokenize("존잼이네요")[0] == "존잼/NNG" and "존잼/NNG" in lm.vocab


def coined_word_corpus(seed=1):
    """Reviews where a made-up title (퐁퐁랜드) appears after varied prefixes and before varied particles."""
    rng = random.Random(seed)
    particles = ["이", "는", "를", "에", "의", "도", "만", "와", "로", "에서", "보다", "까지", "부터", ""]
    rests = ["최고다", "진짜 좋다", "또 봤다", "추천한다", "사람이 많다", "기다렸다", "보자", "너무 좋아요", "별로다"]
    heads = ["어제", "오늘", "정말", "그", "우리 동네", "주말에", "혼자", "친구랑"]
    prefixes = ["", "", "", "신작", "극장판", "원조", "속편", "요즘", "대박"]
    lines = []
    for _ in range(300):
        for title in ("퐁퐁랜드", "영화"):
            lines.append(f"{rng.choice(heads)} {rng.choice(prefixes)}{title}{rng.choice(particles)} {rng.choice(rests)}")
    return lines


def test_discover_words_finds_a_coined_title_and_writes_user_dict_lines(tmp_path):
    lines = coined_word_corpus()
    found = discover_words(lines, min_count=5)
    assert found[0]["word"] == "퐁퐁랜드" and found[0]["frequency"] == 300 and found[0]["tag"] == "NNP"
    assert found[0]["score"] > 0.25
    corpus = tmp_path / "reviews.tsv"
    corpus.write_text("id\tdocument\n" + "".join(f"{i}\t{line}\n" for i, line in enumerate(lines)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["discover-words", str(corpus), "--column", "document", "--min-count", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1].startswith("퐁퐁랜드\tNNP\t0.0\t# word score ")
    (tmp_path / "found.tsv").write_text(result.output, encoding="utf-8")
    assert read_user_dict(tmp_path / "found.tsv")[0] == ("퐁퐁랜드", "NNP", 0.0)  # ready for --user-dict
    as_json = CliRunner().invoke(cli, ["discover-words", str(corpus), "--column", "document", "--min-count", "5",
                                       "--json", "-k", "1"])
    assert [json.loads(line)["word"] for line in as_json.output.splitlines()] == ["퐁퐁랜드"]
