"""Tests pass parameters instead of patching the package: no test replaces an attribute of a w2vlm/w2vlm_cli module
(or of a class or function imported from one), and the library neither reads os.environ at import time nor writes it.

Patching third-party or standard-library objects to simulate the environment (jpype, sys.stdin, os.access,
ctypes.CDLL, builtins.__import__) stays allowed."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OURS = ("w2vlm", "w2vlm_cli", "w2vlm_corpora", "cli")
# Patches that remain, each to be removed by the change named (none now).
ALLOWED = set()


def _ours(module):
    return (module or "").split(".")[0] in OURS


def _bound_to_package(tree):
    """Names a test file binds to a module, class or function of the package (imports anywhere in the file)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and _ours(node.module):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names if _ours(alias.name))
    return names


def _dotted(node):
    """``a.b.c`` of an attribute chain on a name, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    return ".".join([node.id, *reversed(parts)]) if isinstance(node, ast.Name) else None


def _root(node):
    """The name an expression such as ``catalog.load_catalog()["ptb"]`` starts from, else None."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def patches_of_package(source):
    """The package attributes ``source`` (a test file's text) replaces: ``monkeypatch.setattr/delattr(target,
    "name", ...)`` or ``setattr(target, "name", ...)`` on a package object, ``monkeypatch.setattr("w2vlm.x.y", ...)``,
    ``monkeypatch.setitem/delitem`` on a table reached from the package, and plain assignments
    ``module.name = value``."""
    tree = ast.parse(source)
    bound = _bound_to_package(tree)
    found = []

    def of_package(target):
        dotted = _dotted(target)
        return dotted if dotted and dotted.split(".")[0] in bound else None

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("setitem", "delitem") and node.args and _root(node.args[0]) in bound:
                found.append(f"{ast.unparse(node.args[0])}[...]")
                continue
            if name not in ("setattr", "delattr") or not node.args:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if _ours(first.value):
                    found.append(first.value)
                continue
            target = of_package(first)
            if target:
                attr = node.args[1].value if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) else "?"
                found.append(f"{target}.{attr}")
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Attribute) and of_package(target.value):
                    found.append(_dotted(target))
    return found


def test_no_test_patches_the_package():
    found = {(path.relative_to(ROOT).as_posix(), patch)
             for path in sorted((ROOT / "tests").rglob("*.py"))
             for patch in patches_of_package(path.read_text(encoding="utf-8"))}
    unexpected = sorted(found - ALLOWED)
    assert not unexpected, ("tests patch the package; give the code a parameter (or drive the real behaviour) "
                            "instead: " + ", ".join(f"{where}: {what}" for where, what in unexpected))
    stale = sorted(ALLOWED - found)
    assert not stale, "remove these from ALLOWED, the patches are gone: " + ", ".join(map(str, stale))


def test_the_check_sees_each_kind_of_patch():
    source = ("from w2vlm import model_dir\nfrom w2vlm.embeddings.training import runners as r\nimport w2vlm.text.catalog\n"
              "import os\n"
              "def test(monkeypatch):\n"
              "    from w2vlm_cli import options\n"
              "    monkeypatch.setattr(r, 'BLOCK_WORDS', 7)\n"
              "    monkeypatch.setattr(options.StopRequest, '__call__', None)\n"
              "    monkeypatch.setattr('w2vlm.interrupt.StopRequest', None)\n"
              "    monkeypatch.delattr(w2vlm.text.catalog, 'package_dir')\n"
              "    setattr(model_dir, '_exchange', None)\n"
              "    model_dir._exchange = None\n"
              "    monkeypatch.setitem(w2vlm.text.catalog.load_catalog()['ptb'], 'url', '')\n"
              "    monkeypatch.setattr(os, 'access', None)\n"        # the environment: allowed
              "    monkeypatch.setitem(os.environ, 'A', '1')\n"
              "    vectors = object()\n    vectors.config = {}\n")    # an instance, not the package
    assert sorted(patches_of_package(source)) == sorted([
        "r.BLOCK_WORDS", "options.StopRequest.__call__", "w2vlm.interrupt.StopRequest", "w2vlm.text.catalog.package_dir",
        "model_dir._exchange", "model_dir._exchange", "w2vlm.text.catalog.load_catalog()['ptb'][...]"])


def _import_time_code(tree):
    """The expressions that run when the module is imported: module-level statements (through if/try/with/for
    blocks and class bodies), decorators and default values, but not function bodies."""
    pending = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield from node.decorator_list + node.args.defaults + [d for d in node.args.kw_defaults if d]
        elif isinstance(node, ast.ClassDef):
            yield from node.decorator_list + node.bases
            pending += node.body
        elif isinstance(node, (ast.If, ast.While)):
            yield node.test
            pending += node.body + node.orelse
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            yield node.iter
            pending += node.body + node.orelse
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            yield from (item.context_expr for item in node.items)
            pending += node.body
        elif isinstance(node, ast.Try):
            pending += node.body + node.orelse + node.finalbody
            for handler in node.handlers:
                yield from [handler.type] if handler.type else []
                pending += handler.body
        else:
            yield node


def _environ_uses(node):
    for sub in ast.walk(node):
        dotted = _dotted(sub) if isinstance(sub, ast.Attribute) else None
        if dotted in ("os.environ", "os.getenv", "os.putenv", "os.unsetenv") or (
                isinstance(sub, ast.Name) and sub.id in ("environ", "getenv")):
            yield sub


def environ_findings(source):
    """(lines that read the environment at import time, lines that write it) of a module's ``source``."""
    tree = ast.parse(source)
    at_import = sorted({use.lineno for code in _import_time_code(tree) for use in _environ_uses(code)})
    writes = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else \
            [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
        writes.update(node.lineno for target in targets
                      if isinstance(target, ast.Subscript) and _dotted(target.value) == "os.environ")
        if isinstance(node, ast.Call):
            dotted = _dotted(node.func) or ""
            if dotted in ("os.putenv", "os.unsetenv") or (dotted.startswith("os.environ.") and dotted.rsplit(".", 1)[1]
                                                          in ("update", "setdefault", "pop", "clear", "popitem")):
                writes.add(node.lineno)
    return at_import, sorted(writes)


def test_the_library_reads_no_environment_at_import_and_writes_none():
    at_import, writes = [], []
    for path in sorted((ROOT / "w2vlm").rglob("*.py")) + sorted((ROOT / "cli").glob("*.py")):
        where = path.relative_to(ROOT).as_posix()
        reads, written = environ_findings(path.read_text(encoding="utf-8"))
        at_import += [f"{where}:{line}" for line in reads]
        writes += [f"{where}:{line}" for line in written]
    assert not at_import, "os.environ read at import time (read it where it is used): " + ", ".join(at_import)
    assert not writes, "the library writes os.environ (only the user may): " + ", ".join(writes)


def test_the_environment_check_sees_reads_at_import_and_writes():
    source = ("import os\n"
              "SWITCH = os.environ.get('A') == '1'\n"                    # 2: read at import
              "class C:\n    size = int(os.getenv('B', '3'))\n"         # 4: read at import (class body)
              "try:\n    import cupy\nexcept ImportError:\n    FAST = 'C' in os.environ\n"   # 8
              "def f(home=os.environ.get('HOME')):\n"                      # 9: a default, evaluated at import
              "    os.environ['D'] = '1'\n"                                 # 10: a write
              "    os.environ.setdefault('E', '2')\n"                       # 11: a write
              "    return os.environ.get('F')\n")                           # read when called: fine
    assert environ_findings(source) == ([2, 4, 8, 9], [10, 11])
