"""`w2vlm tokenize` and `w2vlm corpora list|fetch` through click's CliRunner: output, errors, exit codes."""

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from w2vlm_cli.main import cli

from .text.conftest import S2, S3, kiwi, needs_java, okt, write  # noqa: F401  (kiwi, okt: fixtures)


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args, input=None):
        return runner.invoke(cli, ["--quiet", *args], input=input, catch_exceptions=False)
    return invoke


def test_tokenize_stdin_with_the_default_kiwi(run, kiwi):
    result = run("tokenize", input=f"{S2}\n\n{S3}\n")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0] == "이 영화 진짜 너무 재밌 었 어요 ㅋㅋ 강추 하 ㅂ니다 !!"
    assert lines[1].startswith("iPhone 15 Pro 는 2023 년")


def test_tokenize_files_with_pos_and_whitespace(run, tmp_path, kiwi):
    path = write(tmp_path / "a.txt", "국민 주권\n")
    assert run("tokenize", str(path), "--pos").stdout == "국민/NNG 주권/NNG\n"
    assert run("tokenize", str(path), "--tokenizer", "char").stdout == "국 민 주 권\n"
    assert run("tokenize", "-", "--tokenizer", "whitespace", input="a  b\n c\n").stdout == "a b\nc\n"


@needs_java
def test_tokenize_with_okt_on_korean(run, okt):
    result = run("tokenize", "--tokenizer", "okt", input="대한민국은 민주공화국이다.\n")
    assert result.exit_code == 0 and result.stdout == "대한민국 은 민주공화국 이다 .\n"


def test_ptb_uses_its_catalog_tokenizer(run, tmp_path, monkeypatch):
    write(tmp_path / "ptb" / "ptb.train.txt", " no it was n't black monday \n")
    write(tmp_path / "ptb" / "ptb.valid.txt", " valid \n")
    monkeypatch.setenv("W2VLM_DATA", str(tmp_path))
    assert run("tokenize", "ptb").stdout == "no it was n't black monday\n"
    assert run("tokenize", "ptb:valid").stdout == "valid\n"


@pytest.mark.parametrize("content, message", [
    (None, "Error: {path}: no such file, directory or named corpus"),
    (b"\n  \n", "Error: corpus {path} is empty"),
    (b"ok\n\xc3\x28 bad\n", "Error: {path}:2: byte 0xc3 at column 1 is not valid utf-8"),
    (bytes(range(256)) * 8, "Error: {path} looks like a binary file"),
])
def test_bad_inputs_exit_1_with_one_line(run, tmp_path, content, message):
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    result = run("tokenize", str(path), "--tokenizer", "whitespace")
    assert result.exit_code == 1
    assert result.stderr.startswith(message.format(path=path)) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_errors_replace_continues(run, tmp_path):
    path = write(tmp_path / "a.txt", b"ok\n\xc3\x28 bad\n")
    result = run("tokenize", str(path), "--tokenizer", "whitespace", "--errors", "replace")
    assert result.exit_code == 0 and result.stdout == "ok\n\ufffd( bad\n"


def test_a_5mb_single_line(run, tmp_path):
    path = write(tmp_path / "long.txt", "토큰 " * 1_250_000 + "\n")  # 5 MB of UTF-8 on one line
    result = run("tokenize", str(path), "--tokenizer", "whitespace")
    assert result.exit_code == 0 and result.stdout.count(" ") == 1_249_999


def test_usage_errors_exit_2(run, tmp_path):
    assert run("tokenize", "--errors", "ignore").exit_code == 2
    assert run("tokenize", "--workers", "0").exit_code == 2
    result = run("tokenize", "--tokenizer", "spacy")
    assert result.exit_code == 2 and "unknown tokenizer 'spacy'" in result.output


def test_corpora_list(run, tmp_path, monkeypatch):
    write(tmp_path / "ptb" / "ptb.train.txt", "a\n")
    monkeypatch.setenv("W2VLM_DATA", str(tmp_path))
    result = run("corpora", "list")
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split() for line in result.stdout.splitlines()[2:]}
    assert rows["ptb"][:4] == ["ptb", "en", "train,valid,test", "partial"] and rows["ptb"][4] == str(tmp_path / "ptb")
    assert rows["nsmc"][3] == "missing" and rows["kolaw"][1] == "ko"
    assert '"name": "ptb"' in run("corpora", "list", "--json").stdout


def test_corpora_fetch(run, tmp_path):
    mirror = tmp_path / "mirror"
    write(mirror / "ratings_test.txt", b"one line\n")   # a mirror of nsmc with other content: the checksum says so
    result = run("corpora", "fetch", "nsmc", "--dest", str(tmp_path / "data"), "--mirror", str(mirror))
    assert result.exit_code == 1 and result.stderr.startswith("Error: checksum mismatch for file://")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "data").exists()   # the folders it made are gone
    result = run("corpora", "fetch", "nsmc", "--dest", str(tmp_path / "other"), "--mirror", "http://127.0.0.1:9/m")
    assert result.exit_code == 1 and result.stderr.startswith("Error: cannot download corpus nsmc from "
                                                              "http://127.0.0.1:9/m/ratings")
    assert result.stderr.count("\n") == 1 and not (tmp_path / "other").exists()
    assert run("corpora", "fetch", "nope").exit_code == 1


def test_corpora_fetch_from_a_mirror_folder(run, tmp_path):
    data = os.environ.get("W2VLM_DATA")
    if not data or not (Path(data) / "ptb" / "ptb.test.txt").is_file():
        pytest.skip("W2VLM_DATA with ptb/ is not set: the catalog's checksums need the real files")
    result = run("corpora", "fetch", "ptb", "--dest", str(tmp_path / "data"), "--mirror", str(Path(data) / "ptb"))
    assert result.exit_code == 0, result.output
    for split in ("train", "valid", "test"):
        name = f"ptb.{split}.txt"
        assert (tmp_path / "data" / "ptb" / name).read_bytes() == (Path(data) / "ptb" / name).read_bytes()
    again = run("corpora", "fetch", "ptb", "--dest", str(tmp_path / "data"), "--mirror", "http://127.0.0.1:9/")
    assert again.exit_code == 0 and "3 file(s) ready" in again.stdout   # present and valid: nothing downloaded
