"""Tables line up by display width: Hangul takes two terminal columns, combining marks none (wcwidth)."""

import pytest
from click.testing import CliRunner

from tests.test_cli_embeddings import model  # noqa: F401  (the toy model fixture)
from w2vlm_cli.main import cli
from w2vlm_cli.tables import display_width, format_table, pad


def run(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def column_starts(line, cells):
    """Display column where each of ``cells`` starts in ``line`` (cells appear in order)."""
    starts, at = [], 0
    for cell in cells:
        at = line.index(cell, at)
        starts.append(display_width(line[:at]))
        at += len(cell)
    return starts


@pytest.mark.parametrize("text, width", [("abc", 3), ("대통령", 6), ("국민a", 5), ("", 0),
                                         ("e\u0301", 1),          # e + combining acute: one column
                                         ("ｶﾀｶﾅ", 4), ("ＡＢ", 4),  # half-width katakana, full-width latin
                                         ("a\tb", 3)])             # a control character counts one, not -1
def test_display_width(text, width):
    assert display_width(text) == width


def test_pad_left_and_right():
    assert pad("국민", 6) == "국민  " and pad("국민", 6, right=True) == "  국민"
    assert pad("toolong", 3) == "toolong"


def test_mixed_script_rows_have_equal_display_width():
    rows = [("1", "대통령", "0.8606"), ("2", "president", "0.7"), ("3", "국무총리a", "0.8350"), ("4", "e\u0301", "1")]
    lines = format_table(("#", "word", "similarity"), rows, right=(0, 2)).splitlines()
    assert len({display_width(line) for line in lines}) == 1  # the last column is right-aligned
    for line, row in zip(lines[2:], rows):
        assert column_starts(line, row)[1] == 3  # the "#" column is 1 wide, then 2 spaces
    assert lines[1] == "-  " + "-" * 9 + "  " + "-" * 10


def test_left_aligned_last_column_starts_at_the_same_display_column():
    rows = [("kolaw", "ko", "법률/path"), ("한국어말뭉치", "ko", "/x"), ("ptb", "en", "/data/ptb")]
    lines = format_table(("name", "lang", "path"), rows, rule=False).splitlines()
    starts = [column_starts(line, row) for line, row in zip(lines[1:], rows)]
    assert all(s == starts[0] for s in starts) and starts[0] == [0, 14, 20]
    assert all(line == line.rstrip() for line in lines)


def test_similar_and_analogy_tables_line_up_with_hangul(model):  # noqa: F811
    for args in (("similar", model, "여자", "woman", "-k", "6"), ("analogy", model, "남자", "왕", "여자", "-k", "4")):
        result = run(*args)
        assert result.exit_code == 0, result.output
        lines = [line for line in result.output.splitlines() if not line.endswith("?")]
        words = [line.split()[1] for line in lines[2:]]
        assert any(display_width(word) != len(word) for word in words)  # Hangul really is in the table
        assert len({display_width(line) for line in lines}) == 1


def test_evaluate_embeddings_table_lines_up_with_korean_sections(tmp_path, model):  # noqa: F811
    (tmp_path / "q.txt").write_text(": 성별\n남자 왕 여자 여왕\nman king woman queen\n: capital-world\n"
                                    "france paris japan tokyo\n", encoding="utf-8")
    result = run("evaluate-embeddings", model, "--analogies", tmp_path / "q.txt")
    assert result.exit_code == 0, result.output
    table = result.output.splitlines()[1:6]
    assert table[2].startswith("성별") and table[4].startswith("total")
    assert len({display_width(line) for line in table}) == 1


def test_corpora_list_columns_line_up():
    result = run("corpora", "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()[1:]
    assert lines[0].split()[:4] == ["name", "lang", "splits", "status"]
    starts = {tuple(column_starts(line, line.split()[:3])) for line in lines}
    assert len(starts) == 1
