"""Seeded single-token mutants of the .cu files, each run against ``pytest -m kernels``: the kernel tests' kill rate.

    python benchmarks/kernel_mutants.py --mutants 30 --seed 0

Each mutant changes one token of word2vec.cu or lstm_softmax.cu (an operator, a comparison, a constant, a shuffle
mask or offset, two swapped arguments, a deleted store, an index), in a copy of the package; a mutant g++ cannot
build is redrawn. A mutant is killed when the kernel tests fail, crash or time out in their subprocess. Prints one
row per mutant, the kill rate and the survivors (judge each: a survivor is a missing test or an equivalent mutant).
"""

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import cuda_on_cpu  # noqa: E402
from w2vlm.embeddings.kernels import word2vec_gpu  # noqa: E402
from w2vlm.nn import fast_gpu  # noqa: E402

FILES = {"w2vlm/embeddings/kernels/word2vec.cu": "tests/kernels/test_word2vec_kernels.py",
         "w2vlm/nn/lstm_softmax.cu": "tests/kernels/test_lstm_softmax_kernels.py"}
SWAPS = {" + ": " - ", " - ": " + ", " * ": " / ", " / ": " * ", " < ": " <= ", " <= ": " < ", " > ": " >= ",
         " >= ": " > ", " == ": " != ", " != ": " == ", " += ": " -= ", " -= ": " += ", " |= ": " &= ", " & ": " | ",
         ">>= ": "<<= ", " >> ": " << ", "&&": "||", "||": "&&"}
COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}


def _code_spans(text):
    """(start, end) of each line's code part: comments, #include and #pragma lines are left alone."""
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        code = line.split("//")[0]
        if not code.lstrip().startswith(("#pragma", "#include", "#if", "#else", "#endif")):
            spans.append((pos, pos + len(code)))
        pos += len(line)
    return spans


def _calls(text, start, end):
    """(argument spans) of each call in text[start:end], split at top-level commas."""
    for m in re.finditer(r"\b(\w+)\s*\(", text[start:end]):
        i, depth, args, a0 = start + m.end(), 1, [], start + m.end()
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            if (text[i] == "," and depth == 1) or depth == 0:
                args.append((a0, i))
                a0 = i + 1
            i += 1
        yield m.group(1), args


def candidates(text):
    """Every (kind, start, end, replacement) single-token mutation of a source (some do not compile: redrawn)."""
    out = []
    for start, end in _code_spans(text):
        line = text[start:end]
        for old, new in SWAPS.items():
            kind = "comparison" if old.strip() in COMPARISONS else "operator"
            out += [(kind, start + m.start(), start + m.end(), new) for m in re.finditer(re.escape(old), line)]
        for m in re.finditer(r"(?<![\w.])(\d+\.\d*f?|\d+)(?![\w.])", line):
            value = m.group(1)
            new = (str(int(value) + random.choice((-1, 1))) if value.isdigit() and value != "0" else
                   "1" if value == "0" else repr(2 * float(value.rstrip("f"))) + ("f" if value.endswith("f") else ""))
            out.append(("constant", start + m.start(1), start + m.end(1), new))
        for m in re.finditer(r"0x[0-9A-Fa-f]+", line):
            out.append(("constant", start + m.start(), start + m.end(),
                        m.group()[:-1] + ("0" if m.group()[-1] != "0" else "1")))
        for name, args in _calls(text, start, end):
            if name.startswith(("__shfl", "__ballot")) and args:
                out.append(("shuffle mask", *args[0], "0x7fffffffu"))
                if len(args) > 2:  # - 1, not + 1: off + 1 over 16, 8, 4, 2, 1 is another basis of the xor
                    out.append(("shuffle offset", args[2][1], args[2][1], " - 1"))  # butterfly (equivalent)
            for (a, b), (c, d) in zip(args, args[1:]):
                if text[a:b].strip() != text[c:d].strip() and end >= d:
                    out.append(("swapped arguments", a, d, " " + text[c:d].strip() + ", " + text[a:b].strip()))
        for m in re.finditer(r"[^;{}]+;", line):
            if re.search(r"[^=!<>+\-*/|&]=[^=]|[+\-*|]=", m.group()) and not re.search(r"\b(for|return)\b", m.group()):
                out.append(("deleted store", start + m.start(), start + m.end(), ";"))
        for m in re.finditer(r"\[([^\[\]]+)\]", line):
            declared = re.search(r"\b(int|float|double|T|vec_t|__shared__)\s+\w+(\[[^\]]*\])*$", line[:m.start()])
            if not declared and not m.group(1).isdigit():
                out.append(("index", start + m.end(1), start + m.end(1), " + 1"))
        for m in re.finditer(r"\b(?:atomicAdd|add_row)\(", line):
            out.append(("deleted store", start + m.start(), start + m.start(), "0 && "))
    return out


def _buildable(path, text):
    toolchain = cuda_on_cpu.Toolchain()
    code = word2vec_gpu.kernel_source(8, 3, 2, 1).replace(word2vec_gpu._SOURCE, text) if "word2vec" in path else text
    try:
        toolchain.module(code, None if "word2vec" in path else fast_gpu._NAMES)
        return True
    except cuda_on_cpu.KernelError:
        return False


def run_mutant(copy, path, text, timeout):
    (copy / path).write_text(text)
    env = dict(os.environ, PYTHONPATH=str(copy))
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "kernels",
                               "-c", str(copy / "setup.cfg"), "--rootdir", str(copy), str(copy / "tests/kernels")],
                              cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
        verdict = "killed" if done.returncode else "SURVIVED"
        if done.returncode not in (0, 1):
            verdict = f"killed (exit {done.returncode})"
    except subprocess.TimeoutExpired:
        verdict = "killed (timeout)"
    return verdict, time.perf_counter() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=180)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    sources = {path: (ROOT / path).read_text() for path in FILES}
    pools = {path: candidates(text) for path, text in sources.items()}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp)
        for part in ("w2vlm", "tests", "setup.cfg"):
            (shutil.copytree if (ROOT / part).is_dir() else shutil.copy)(ROOT / part, copy / part)
        for n in range(args.mutants):
            path = list(FILES)[n % len(FILES)]
            text = sources[path]
            while True:  # kinds in turn, so that every kind of change is drawn
                kinds = sorted({c[0] for c in pools[path]})
                want = kinds[(n // len(FILES)) % len(kinds)]
                pick = random.choice([i for i, c in enumerate(pools[path]) if c[0] == want])
                kind, a, b, new = pools[path].pop(pick)
                mutant = text[:a] + new + text[b:]
                if mutant != text and _buildable(path, mutant):
                    break
            line = text.count("\n", 0, a) + 1
            verdict, seconds = run_mutant(copy, path, mutant, args.timeout)
            (copy / path).write_text(text)
            rows.append((path, line, kind, text[a:b].strip() or "(insert)", new.strip(), verdict))
            print(f"{n + 1:3d} {Path(path).name}:{line:<4d} {kind:18s} {text[a:b].strip()[:40]!r:44s} -> "
                  f"{new.strip()[:30]!r:34s} {verdict} ({seconds:.0f} s)", flush=True)
    killed = sum(r[-1].startswith("killed") for r in rows)
    print(f"\nkilled {killed} of {len(rows)} mutants ({100 * killed / len(rows):.0f} %)")
    for path, line, kind, old, new, verdict in rows:
        if verdict == "SURVIVED":
            print(f"survivor: {path}:{line} {kind}: {old!r} -> {new!r}")
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
