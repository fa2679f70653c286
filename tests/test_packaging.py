"""setup.cfg as the code and README use it: every install hint names a declared extra, every glob and package exists."""

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HINT = re.compile(r"w2vlm\[([^\]]+)\]")


def _setup():
    parser = configparser.ConfigParser()
    parser.read(ROOT / "setup.cfg", encoding="utf-8")
    return parser


def _lines(value):
    return [line.strip() for line in value.splitlines() if line.strip() and not line.strip().startswith("#")]


def test_install_hints_name_extras_that_exist():
    extras = set(_setup()["options.extras_require"])
    sources = (sorted((ROOT / "w2vlm").rglob("*.py")) + sorted((ROOT / "cli").glob("*.py")) + [ROOT / "README.md"]
               + sorted((ROOT / "docs").glob("*.md")))
    hints = {(path.relative_to(ROOT).as_posix(), name.strip())
             for path in sources for match in HINT.finditer(path.read_text(encoding="utf-8"))
             for name in match.group(1).split(",")}
    assert {name for _, name in hints} >= {"korean", "plot", "distributed", "gpu"}   # the scan finds the hints
    unknown = sorted(f"{where}: w2vlm[{name}]" for where, name in hints if name not in extras)
    assert not unknown, "install hints name extras setup.cfg does not declare: " + ", ".join(unknown)


def test_the_korean_extra_holds_every_optional_korean_tokenizer():
    extras = _setup()["options.extras_require"]
    assert any(req.startswith("mecab-ko") for req in _lines(extras["korean"]))
    # what the test extra installs covers the korean extra, so CI runs the mecab tests
    assert {req for req in _lines(extras["korean"])} <= set(_lines(extras["test"]))


def test_packages_and_package_data_globs_name_files_that_exist():
    options = _setup()
    package_dirs = dict(line.replace(" ", "").split("=") for line in _lines(options["options"]["package_dir"]))

    def folder(package):
        top, _, rest = package.partition(".")
        return ROOT / package_dirs.get(top, top) / rest.replace(".", "/")

    missing = [package for package in _lines(options["options"]["packages"])
               if not (folder(package) / "__init__.py").is_file()]
    assert not missing, "setup.cfg lists packages without a folder: " + ", ".join(missing)
    empty = [f"{package} = {pattern}" for package, patterns in options["options.package_data"].items()
             for pattern in re.split(r"[,\s]+", patterns.strip()) if not list(folder(package).glob(pattern))]
    assert not empty, "setup.cfg package_data globs that match no file: " + ", ".join(empty)


def test_all_cuda_code_is_in_packaged_cu_files():
    """No kernel source in Python strings (issue 19): __global__ appears only in .cu/.cuh files, all package data."""
    python = [p for folder in ("w2vlm", "cli", "benchmarks") for p in (ROOT / folder).rglob("*.py")]
    in_python = [str(p.relative_to(ROOT)) for p in python if "__global__" in p.read_text(encoding="utf-8")]
    assert not in_python, "CUDA code in Python files: " + ", ".join(in_python)
    patterns = re.split(r"[,\s]+", _setup()["options.package_data"]["w2vlm"].strip())
    shipped = {p for pattern in patterns for p in (ROOT / "w2vlm").glob(pattern)}
    sources = set((ROOT / "w2vlm").rglob("*.cu")) | set((ROOT / "w2vlm").rglob("*.cuh"))
    assert sources and sources <= shipped, f"not package data: {sorted(map(str, sources - shipped))}"
