"""Build everything a device run of gpu_check.py needs into one carry folder within the device tool's limits.

    python3 benchmarks/gpu_prep.py [--data $W2VLM_DATA] [--out .gpu_carry] [--no-wheels]

The folder holds the wheels the device image lacks (it has Python 3.12, CuPy, NumPy, numba and PyTorch, and no
network), PTB and the English evaluation sets, and ``run.sh``, which installs the wheels into the folder and runs
gpu_check.py with ``--data`` pointing at the carried data. It is one ignored path (the tool carries at most 8, 64
MiB in all) and the script refuses to finish over the limit. How to use it: docs/gpu.md.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEELS = ["gensim==4.4.0", "smart_open==7.1.0", "wcwidth==0.2.13"]  # what the H200 image lacks (README)
PLATFORMS = ["manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"]
DATA = {"ptb": ["ptb.train.txt", "ptb.valid.txt", "ptb.test.txt"],
        "en-eval": ["questions-words.txt", "wordsim353.tsv", "simlex999.txt"]}
LIMIT_MIB = 64
RUN_SH = """#!/usr/bin/env bash
# Written by benchmarks/gpu_prep.py. On the device, from the checkout: bash .gpu_carry/run.sh [gpu_check options]
set -u
here="$(cd "$(dirname "$0")" && pwd)"
if ls "$here"/wheels/*.whl >/dev/null 2>&1; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/w2vlm-site \\
    "$here"/wheels/*.whl || echo "wheels: install failed (the rows that need them will say so)"
fi
export PYTHONPATH="$PWD:/tmp/w2vlm-site${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
exec python3 benchmarks/gpu_check.py --data "$here/data" --out "${OUT:-gpu_check_out}" "$@"
"""


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("W2VLM_DATA"), help="folder with ptb/ and en-eval/")
    p.add_argument("--out", default=str(ROOT / ".gpu_carry"), help="the carry folder (rebuilt)")
    p.add_argument("--no-wheels", action="store_true", help="data and run.sh only (no pip download)")
    p.add_argument("--limit-mib", type=float, default=LIMIT_MIB, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def folder_size(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not args.data or not (Path(args.data) / "ptb" / "ptb.train.txt").exists():
        print("Error: PTB not found: pass --data DIR (with ptb/ and en-eval/) or set W2VLM_DATA", file=sys.stderr)
        return 1
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    (out / "wheels").mkdir(parents=True)
    for folder, names in DATA.items():
        (out / "data" / folder).mkdir(parents=True)
        for name in names:
            if (Path(args.data) / folder / name).exists():
                shutil.copy(Path(args.data) / folder / name, out / "data" / folder / name)
    (out / "run.sh").write_text(RUN_SH, encoding="utf-8")
    if not args.no_wheels:
        platforms = [arg for platform in PLATFORMS for arg in ("--platform", platform)]
        done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                               "--python-version", "3.12", "--implementation", "cp", *platforms,
                               "--dest", str(out / "wheels"), *WHEELS], capture_output=True, text=True)
        if done.returncode:
            print(f"Error: pip download failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
            return 1
    size = folder_size(out)
    if size > args.limit_mib * 2 ** 20:
        print(f"Error: {out} is {size / 2 ** 20:.1f} MiB, over the {args.limit_mib:g} MiB carry limit",
              file=sys.stderr)
        return 1
    print(f"{out}: {size / 2 ** 20:.1f} MiB ({len(list((out / 'wheels').glob('*.whl')))} wheels, data, run.sh); "
          f"carry [\"{out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}\"] and run: bash {out.name}/run.sh")
    return 0


if __name__ == "__main__":
    sys.exit(main())
