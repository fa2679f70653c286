"""Tokenizers on Korean and mixed Korean/English/number text, the input guards, configs, parallel order."""

import time

import pytest

from w2vlm.errors import TokenizerError
from w2vlm.text import guards
from w2vlm.text import tokenizers_konlpy, tokenizers_korean, tokenizers_plain, tokenizers_trained
from w2vlm.text.tokenize import TOKENIZERS, Tokenizer, available_tokenizers, get_tokenizer, tokenizer_from_config

from .conftest import S1, S2, S3, needs_java, needs_mecab

LINES = [S1, "", "   ", S2, S3, "마지막 줄입니다.", "English only, with 3 numbers."] * 5


def test_registry_lists_every_tokenizer():
    assert available_tokenizers() == ["kiwi", "mecab", "okt", "komoran", "kkma", "hannanum", "whitespace", "char",
                                      "sentencepiece"]
    with pytest.raises(TokenizerError, match="unknown tokenizer 'spacy'; choose one of: kiwi, mecab"):
        get_tokenizer("spacy")
    with pytest.raises(TokenizerError, match="no option 'stemm' .*norm, stem"):
        get_tokenizer("okt", stemm=True)
    with pytest.raises(TokenizerError, match="no part-of-speech tags"):
        get_tokenizer("whitespace", pos=True)


def test_whitespace_and_char():
    ws = get_tokenizer("whitespace")
    assert ws.tokenize(" 대한민국은  민주공화국이다.\t끝\x00남 ") == ["대한민국은", "민주공화국이다.", "끝", "남"]
    assert ws.detokenize(["a", "b"]) == "a b"
    char = get_tokenizer("char")
    assert char.tokenize("강추 합니다!") == ["강", "추", "합", "니", "다", "!"]
    assert char.tokenize("\u1100\u1161\u11a8") == ["각"]  # decomposed jamo are composed first
    assert char.detokenize(["강", "추"]) == "강추"
    assert list(ws.tokenize_lines(["a b", "  ", "c"])) == [["a", "b"], [], ["c"]]


def test_kiwi_morphemes_on_korean_and_mixed_text(kiwi):
    assert kiwi.tokenize(S2) == ["이", "영화", "진짜", "너무", "재밌", "었", "어요", "ㅋㅋ", "강추", "하", "ㅂ니다", "!!"]
    tokens = kiwi.tokenize(S3)
    assert tokens[:4] == ["iPhone", "15", "Pro", "는"]
    assert {"2023", "년", "1,550,000", "원", "USB", "C", "지원", "ㄴ다"} <= set(tokens)  # compatible jamo
    assert kiwi.tokenize("   ") == [] and kiwi.tokenize("") == []
    assert kiwi.tokenize("가\x00나") == kiwi.tokenize("가 나")
    assert kiwi.tokenize("최고😀") == ["최고", "😀"]


def test_kiwi_pos_tags_and_detokenize(kiwi, kiwi_pos):
    tagged = kiwi_pos.tokenize(S2)
    assert tagged[:2] == ["이/MM", "영화/NNG"] and "ㅂ니다/EF" in tagged
    assert kiwi_pos.detokenize(tagged).replace(" ", "") == S2.replace(" ", "")
    assert "합니다" in kiwi_pos.detokenize(tagged)
    assert kiwi.detokenize(["강추", "하", "ㅂ니다", "!!"]) == "강추 합니다!!"
    assert kiwi.config() == {"name": "kiwi", "version": kiwi.version(), "pos": False, "compatible_jamo": True,
                             "normalize_coda": False, "split_complex": False}


def test_from_config_rebuilds_the_same_tokenizer(kiwi_pos):
    again = tokenizer_from_config(kiwi_pos.config())
    assert again.config() == kiwi_pos.config() and again.tokenize(S1) == kiwi_pos.tokenize(S1)
    with pytest.raises(TokenizerError, match="unknown tokenizer"):
        tokenizer_from_config({"name": "nope"})


def test_the_registry_is_one_explicit_table_of_every_tokenizer_class():
    classes = [cls for module in (tokenizers_korean, tokenizers_konlpy, tokenizers_plain, tokenizers_trained)
               for cls in vars(module).values()
               if isinstance(cls, type) and issubclass(cls, Tokenizer) and cls.name is not None]
    assert sorted(cls.name for cls in classes) == sorted(TOKENIZERS)
    assert all(TOKENIZERS[cls.name] is cls for cls in classes)
    assert available_tokenizers()[:2] == ["kiwi", "mecab"]


def test_tokenize_lines_keeps_order_and_blank_lines(kiwi):
    expected = [kiwi.tokenize(line) for line in LINES]
    assert list(kiwi.tokenize_lines(LINES)) == expected
    assert list(kiwi.tokenize_lines(LINES, workers=2)) == expected  # Kiwi's own thread pool
    with pytest.raises(TokenizerError, match="workers must be at least 1"):
        list(kiwi.tokenize_lines(LINES, workers=0))


def test_long_lines_are_split_at_whitespace():
    line = ("가나다 " * 7000).strip()
    pieces = guards.split_long(line)
    assert len(pieces) == 3 and all(len(p) <= guards.MAX_PIECE_CHARS for p in pieces)
    assert " ".join(pieces).split() == line.split()
    assert [len(p) for p in guards.split_long("x" * 25_000)] == [10_000, 10_000, 5_000]


def test_guards():
    assert guards.clean_line(" a\x00b\tc\r ") == "a b c"
    assert guards.clean_line("최고😀👍 굿", bmp_only=True) == "최고   굿"
    assert guards.no_inner_spaces("9월 22일") == "9월_22일"
    assert guards.join_morphemes(["대한민국", "은", "하", "ㅂ니다", ".", "(", "주", ")"]) == "대한민국 은 합니다. (주)"


def test_a_5mb_line_is_fast_with_whitespace_and_char():
    line = "단어 word " * 500_000  # 5.5 M characters on one line
    start = time.perf_counter()
    assert len(get_tokenizer("whitespace").tokenize(line)) == 1_000_000
    assert len(list(get_tokenizer("char").tokenize_lines([line]))[0]) == 3_000_000
    assert time.perf_counter() - start < 10


def test_a_long_line_with_kiwi(kiwi):
    line = " ".join([S2] * 2500)  # 77k characters on one line, tagged as 10k-character pieces
    start = time.perf_counter()
    (tokens,) = kiwi.tokenize_lines([line])
    assert len(tokens) == 12 * 2500
    assert time.perf_counter() - start < 30


@needs_mecab
def test_mecab(mecab):
    assert mecab.tokenize(S3)[:5] == ["iPhone", "15", "Pro", "는", "2023"]
    assert mecab.tokenize("가\x00나다") != ["가"]  # NUL would truncate mecab's input
    assert get_tokenizer("mecab", pos=True).tokenize("강추합니다")[-1].startswith("합니다/XSV+")  # fused forms
    assert mecab.config()["version"] == mecab.version() and mecab.config()["name"] == "mecab"


@needs_mecab
def test_mecab_in_spawned_workers_keeps_order(mecab):
    lines = LINES * 60
    assert list(mecab.tokenize_lines(lines, workers=2)) == [mecab.tokenize(line) for line in lines]


@needs_java
def test_okt_on_korean_and_mixed_text(okt):
    assert okt.tokenize(S1)[:3] == ["대한민국", "은", "민주공화국"]
    assert okt.tokenize(S3)[:3] == ["iPhone", "15", "Pro"]
    assert okt.tokenize("\n \t") == []
    stemmed = get_tokenizer("okt:norm=true,stem=true")
    assert stemmed.config()["stem"] is True and "재밌다" in stemmed.tokenize(S2)
    assert get_tokenizer("okt", pos=True).tokenize("영화")[0] == "영화/Noun"


@needs_java
def test_okt_with_workers_uses_spawned_processes(okt):
    lines = LINES[:7] * 3
    assert list(okt.tokenize_lines(lines, workers=2)) == [okt.tokenize(line) for line in lines]


def test_no_java_gives_the_install_hint(monkeypatch):
    pytest.importorskip("konlpy")
    import jpype
    from konlpy import tag

    class NoJVM(ValueError):
        pass

    def fail(*args, **kwargs):
        raise NoJVM("No JVM shared library file (libjvm.so) found.")

    monkeypatch.setattr(jpype, "isJVMStarted", lambda: False)
    monkeypatch.setattr(jpype, "getDefaultJVMPath", fail)
    monkeypatch.setattr(tag, "Kkma", fail)
    with pytest.raises(TokenizerError, match=r"'kkma' needs a Java runtime \(libjvm.so\).*default-jre-headless.*kiwi/mecab"):
        get_tokenizer("kkma").tokenize("가나다")


@needs_java
def test_komoran_guards_emoji_and_multiword_tokens():
    komoran = get_tokenizer("komoran")
    tokens = komoran.tokenize("최고😀👍 " + S3)  # Komoran alone crashes on non-BMP characters
    assert tokens[0] == "최고" and "9월_22일" in tokens and all(" " not in t for t in tokens)
