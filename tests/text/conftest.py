"""Shared fixtures for the text tests: tokenizers are built once per session (kiwi/JVM start takes seconds)."""

import importlib.util

import pytest

from w2vlm.text.tokenize import get_tokenizer

S1 = "대한민국은 민주공화국이다. 대한민국의 주권은 국민에게 있고, 모든 권력은 국민으로부터 나온다."
S2 = "이 영화 진짜 너무 재밌었어요 ㅋㅋ 강추합니다!!"
S3 = "iPhone 15 Pro는 2023년 9월 22일에 1,550,000원으로 출시됐고 USB-C를 지원한다."


def java_missing_reason():
    """None when KoNLPy can start a JVM here, else why the JVM taggers are skipped."""
    if importlib.util.find_spec("konlpy") is None or importlib.util.find_spec("jpype") is None:
        return "konlpy/JPype is not installed"
    import jpype
    if jpype.isJVMStarted():
        return None
    try:
        jpype.getDefaultJVMPath()
    except ValueError:
        return "no Java runtime (libjvm.so) found; install one (apt-get install default-jre-headless)"
    return None


needs_java = pytest.mark.skipif(java_missing_reason() is not None, reason=str(java_missing_reason()))
needs_mecab = pytest.mark.skipif(importlib.util.find_spec("mecab_ko") is None,
                                 reason="mecab-ko is not installed (pip install 'w2vlm[korean]')")


@pytest.fixture(scope="session")
def kiwi():
    tok = get_tokenizer("kiwi")
    tok.tokenize("워밍업")  # load the model once for the whole session
    return tok


@pytest.fixture(scope="session")
def kiwi_pos(kiwi):
    return get_tokenizer("kiwi", pos=True)  # shares the loaded Kiwi model


@pytest.fixture(scope="session")
def mecab():
    return get_tokenizer("mecab")


@pytest.fixture(scope="session")
def okt():
    tok = get_tokenizer("okt")
    tok.tokenize("워밍업")
    return tok


def write(path, text, encoding="utf-8"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path
