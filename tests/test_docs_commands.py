"""Every `w2vlm ...` command shown in README.md and docs/*.md parses with click, and every local link exists."""

import ast
import copy
import re
import shlex
from pathlib import Path

import click
import pytest

from w2vlm_cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`(w2vlm [^`]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
SEPARATORS = {"|", "||", "&&", ";", "&"}
REDIRECTS = {">", ">>", "<", "2>"}
SYNOPSIS = ("...", "…", "[", "COMMAND")   # `w2vlm [--device ...] COMMAND ...` describes a syntax, not a command


def shell_lines(lang, block):
    """Command lines of a fenced block: console blocks' `$ ` lines, every non-comment line of a shell block,
    backslash continuations joined."""
    lines, pending = [], ""
    for line in block.splitlines():
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        line, pending = pending.strip(), ""
        if lang == "console":
            if line.startswith("$ "):
                lines.append(line[2:])
        elif line and not line.startswith("#"):
            lines.append(line)
    return lines


def w2vlm_calls(line):
    """The argument lists of every `w2vlm` call in one shell line (pipes, &&, redirections and comments handled)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    calls, current, skip_next = [], [], False
    for token in lexer:
        if skip_next:
            skip_next = False
        elif token in SEPARATORS:
            calls.append(current)
            current = []
        elif token in REDIRECTS:
            skip_next = True
        else:
            current.append(token)
    calls.append(current)
    return [call[1:] for call in calls if call[:1] == ["w2vlm"]]


def shown_commands():
    """(page, argument list) for every w2vlm command line of every page."""
    found = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for lang, block in FENCE.findall(text):
            if lang in ("console", "bash", "sh", "shell"):
                found += [(page.name, args) for line in shell_lines(lang, block) for args in w2vlm_calls(line)]
        prose = FENCE.sub("", text)
        for span in INLINE.findall(prose):   # an inline command with options is an example to copy; the others
            calls = w2vlm_calls(span)           # (`w2vlm plot-vectors`, `w2vlm --no-fused`) name things
            if not any(mark in span for mark in SYNOPSIS):
                found += [(page.name, args) for args in calls if _names_a_command_with_options(args)]
    return found


def _names_a_command_with_options(args):
    named = [index for index, arg in enumerate(args) if arg in cli.commands]
    return bool(named) and any(arg.startswith("-") for arg in args[named[0] + 1:])


def without_existence_checks(command):
    """A copy of ``command`` whose path parameters accept paths that do not exist here (the pages' model
    directories and data files); every other type, choice and count is checked as the real command checks it."""
    relaxed = copy.copy(command)
    relaxed.params = []
    for param in command.params:
        if isinstance(param.type, click.Path) and param.type.exists:
            param = copy.copy(param)
            param.type = copy.copy(param.type)
            param.type.exists = False
        relaxed.params.append(param)
    return relaxed


def parse(args):
    """Parse ``w2vlm ARGS`` down to the leaf command with click's make_context; returns the leaf's name."""
    context = cli.make_context("w2vlm", list(args))
    command, rest = cli, context._protected_args + context.args
    while isinstance(command, click.Group):
        name, command, rest = command.resolve_command(context, rest)
        command = without_existence_checks(command)
        context = command.make_context(name, rest, parent=context)
        rest = context._protected_args + context.args if isinstance(command, click.Group) else []
    return context.info_name


COMMANDS = shown_commands()


def test_the_pages_show_commands_of_every_kind():
    shown = {arg for _, args in COMMANDS for arg in args if arg in cli.commands}
    assert {"tokenize", "train-embeddings", "similar", "train-lm", "generate", "evaluate-embeddings", "encode",
            "corpora", "export", "plot-vectors"} <= shown, shown


@pytest.mark.parametrize("page, args", COMMANDS, ids=[f"{page}:{' '.join(args)[:60]}" for page, args in COMMANDS])
def test_shown_command_parses(page, args, monkeypatch):
    monkeypatch.chdir(ROOT)   # pictures are shown written to docs/
    try:
        parse(args)
    except click.exceptions.Exit as done:   # --help, --version
        assert done.exit_code == 0
    except click.ClickException as exc:
        pytest.fail(f"{page}: `w2vlm {shlex.join(args)}` does not parse: {exc.format_message()}")


def test_a_wrong_command_fails_to_parse():
    for args in (["similar"], ["train-embeddings", "--dim", "ten"], ["similar", "v", "x", "--nope"],
                 ["analogy", "v", "a", "b", "c", "--method", "div"], ["corpora", "fetchh"]):
        with pytest.raises(click.UsageError):
            parse(args)


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
def test_local_links_exist(page):
    text = page.read_text(encoding="utf-8")
    targets = [link.split("#")[0] for link in LINK.findall(text) if "://" not in link and not link.startswith("#")]
    missing = [target for target in targets if target and not (page.parent / target).exists()]
    assert not missing, f"{page.name} links to missing files: {missing}"


def test_readme_python_snippet_is_python():
    readme = PAGES[0].read_text(encoding="utf-8")
    snippets = [block for lang, block in FENCE.findall(readme) if lang == "python"]
    assert snippets
    for snippet in snippets:
        ast.parse(snippet)
