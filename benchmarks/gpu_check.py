"""One prepared check of w2vlm's GPU path on a lent GPU: one JSON and one log under --out ($OUT), in <= 8 minutes.

    python3 benchmarks/gpu_check.py [--out DIR] [--budget 450] [--data DIR] [--steps env,word2vec] [--dry-run]

Every step runs in its own subprocess with a hard wall-clock cap inside the budget: past it the step's process
group is killed (a hung CUDA call ignores signals) and the step fails; a step that no longer fits is skipped and
says so. Every result row names the path that actually ran (fused CUDA kernel, layered fallback after a failed
first-use self-check, layered CuPy, CPU) and a verdict; a fallback fails its row and the script exits nonzero.
``--steps`` reruns a subset. Preparing a device run: benchmarks/gpu_prep.py and docs/gpu.md.
Steps:
  env        Python/NumPy/numba/CuPy/PyTorch/gensim versions, the device name, numba + numpy + cupy imported together
  tests      the GPU test suite (pytest tests/gpu) on the device
  sanitizer  compute-sanitizer memcheck and racecheck on one tiny word2vec epoch and one LSTM training step
             ("unsupported", not a failure, where the tool or the runtime refuses it)
  word2vec   w2vlm GPU vs w2vlm CPU (all cores) vs gensim (all cores) on PTB: words/s, analogy %, WS353
  lm_speed   2 x LSTM 650 tied, dropout 0.5: w2vlm layered / fused vs PyTorch cuDNN nn.LSTM, tokens/s at batch
             20, 64, 128
  ptb        PTB 2 x 650 training for as many epochs as fit (SGD lr 20, clip 0.25, batch 20, bptt 35), valid and
             test perplexity reached
--dry-run runs every step that needs no device at toy sizes on whatever ``cupy`` imports (CI runs it on the
NumPy-backed stand-in of tests/support: that proves the script and the plumbing, never the GPU); steps that need
a device (tests, sanitizer) are skipped. How to run it on a lent GPU: docs/gpu.md, "Checking a GPU".
"""

import argparse
import json
import os
import platform
import signal
import tempfile
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
import gpu_check_steps as steps  # noqa: E402

STEPS = [("env", 10), ("tests", 60), ("sanitizer", 60), ("word2vec", 60), ("lm_speed", 45), ("ptb", 60)]
CAPS = {"env": 60, "tests": 150, "sanitizer": 100, "word2vec": 100, "lm_speed": 90}  # seconds; ptb: what is left
FAILED = ("failed", "killed")  # step statuses that fail the run ("unsupported" and "skipped" do not)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.environ.get("OUT") or "gpu_check_out", help="folder for the JSON and log")
    p.add_argument("--budget", type=float, default=450.0, help="seconds for all steps together")
    p.add_argument("--data", default=os.environ.get("W2VLM_DATA"), help="folder with ptb/ and en-eval/")
    p.add_argument("--dry-run", action="store_true", help="toy sizes, no device-only steps")
    p.add_argument("--steps", type=_step_list, default=[name for name, _ in STEPS],
                   help="comma-separated subset of " + ",".join(name for name, _ in STEPS))
    p.add_argument("--tiny", choices=["word2vec", "lstm"], help=argparse.SUPPRESS)  # a sanitizer workload
    p.add_argument("--step", help=argparse.SUPPRESS)  # run one step in this process (the subprocess side)
    return p.parse_args(argv)


def _step_list(text):
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in dict(STEPS)]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown step(s) {', '.join(unknown) or '(none)'}; "
                                         f"choose from {', '.join(n for n, _ in STEPS)}")
    return [n for n, _ in STEPS if n in names]


class Check:
    """The run's state: options, deadline, the log, and the results written after every step."""

    def __init__(self, args, log_name="gpu_check.log"):
        self.args, self.dry = args, args.dry_run
        self.out = Path(args.out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self.deadline = self.started + args.budget
        self.log_file = open(self.out / log_name, "a", encoding="utf-8")
        self.results = {"dry_run": self.dry, "budget_s": args.budget, "steps": {}}

    def log(self, message):
        line = f"[{time.monotonic() - self.started:6.1f}s] {message}"
        print(line, flush=True)
        self.log_file.write(line + "\n")
        self.log_file.flush()

    def left(self):
        return self.deadline - time.monotonic()

    def save(self):
        self.results["total_s"] = round(time.monotonic() - self.started, 1)
        path = self.out / "gpu_check.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.results, indent=1, default=str), encoding="utf-8")
        tmp.replace(path)

    def run(self, command, timeout, env=None):
        """A subprocess with its output in the log; returns (exit code or 'timeout', last 40 lines)."""
        self.log("$ " + " ".join(command))
        try:
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                                  env=dict(os.environ, **(env or {})))
        except subprocess.TimeoutExpired as exc:
            output, code = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else (
                exc.stdout or ""), "timeout"
        else:
            output, code = done.stdout + done.stderr, done.returncode
        self.log_file.write(output)
        return code, output.splitlines()[-40:]


def step_env(check):
    import numba
    import cupy
    info = {"python": platform.python_version(), "numpy": np.__version__, "numba": numba.__version__,
            "cupy": cupy.__version__, "numba_numpy_cupy_imported_together": True}
    props = cupy.cuda.runtime.getDeviceProperties(0)
    info["device"] = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    for name in ("torch", "gensim"):
        try:
            info[name] = __import__(name).__version__
        except ImportError:
            info[name] = None
    from w2vlm.embeddings.kernels import word2vec_cpu  # noqa: F401  (numba kernels compile beside this NumPy)
    return info


def step_tests(check):
    if check.dry:
        return {"status": "skipped", "reason": "needs a device"}
    code, tail = check.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "tests/gpu"],
                           timeout=min(CAPS["tests"], check.left()), env=steps.cli_env())
    summary = next((line for line in reversed(tail) if " passed" in line or " failed" in line), "")
    return {"status": "ok" if code == 0 else "failed", "exit": code, "summary": summary, "tail": tail[-15:]}


def step_sanitizer(check):
    results = {}
    if check.dry:
        for workload in ("word2vec", "lstm"):
            results[workload] = steps.tiny_workload(workload)
        results["status"], results["reason"] = "skipped", "compute-sanitizer needs a device; workloads ran"
        return results
    import shutil
    if shutil.which("compute-sanitizer") is None:
        return {"status": "unsupported", "reason": "compute-sanitizer is not on PATH"}
    verdicts = set()
    for tool in ("memcheck", "racecheck"):
        for workload in ("word2vec", "lstm"):
            cap = min(CAPS["sanitizer"] / 4, check.left() - 5)
            code, tail = check.run(["compute-sanitizer", "--tool", tool, "--error-exitcode", "9", sys.executable,
                                    str(Path(__file__).resolve()), "--tiny", workload], timeout=cap,
                                   env=steps.cli_env())
            summary = next((line for line in reversed(tail) if "ERROR SUMMARY" in line or "RACECHECK" in line), "")
            verdict = "ok" if code == 0 else "unsupported" if steps.sanitizer_refused(tail) else "failed"
            results[f"{tool}/{workload}"] = {"exit": code, "summary": summary, "status": verdict}
            verdicts.add(verdict)
    results["status"] = "failed" if "failed" in verdicts else "ok" if "ok" in verdicts else "unsupported"
    return results


def step_word2vec(check):
    rows = steps.word2vec_rows(check)
    return {"rows": rows, "table": steps.word2vec_table(rows), "status": steps.rows_status(rows)}


def step_lm_speed(check):
    rows = steps.lm_speed_rows(check)
    return {"rows": rows, "table": steps.lm_speed_table(rows), "status": steps.rows_status(rows)}


def step_ptb(check):
    seconds = max(5.0, check.left() - 20) if not check.dry else None  # dry: one epoch, no timer
    result = steps.ptb_training(check, seconds, _alarm)
    return dict(result, status=steps.rows_status([result]))


class _Deadline(KeyboardInterrupt):
    """Raised by the alarm: train() treats it as Ctrl-C, keeps the best model and scores the test set."""


def _alarm(seconds):
    """Arm (seconds > 0) or disarm (0) the training deadline."""
    def ring(signum, frame):
        raise _Deadline()
    signal.signal(signal.SIGALRM, ring)
    signal.setitimer(signal.ITIMER_REAL, max(0.0, seconds))


def run_step(check, name, cap=None):
    """The step in a subprocess killed at its cap (the whole process group); its result from steps/NAME.json."""
    cap = cap or (min(CAPS.get(name, check.left()), check.left()) if not check.dry else 600)
    result_file = check.out / "steps" / f"{name}.json"
    result_file.unlink(missing_ok=True)
    command = [sys.executable, str(Path(__file__).resolve()), "--step", name, "--out", str(check.out),
               "--budget", str(max(1.0, cap - 5))] + ["--dry-run"] * check.dry + \
              (["--data", check.args.data] if check.args.data else [])
    with tempfile.TemporaryFile("w+") as output:
        child = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
                                 env=dict(os.environ, **steps.cli_env()))
        try:
            code = child.wait(timeout=cap)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            code = None
        output.seek(0)
        check.log_file.write(output.read())
    if code is None:
        return {"status": "killed", "error": f"killed after its {cap:.0f}s cap (hard wall-clock limit)"}
    if not result_file.exists():
        return {"status": "failed", "error": f"exit {code} without a result (see gpu_check.log)"}
    return json.loads(result_file.read_text(encoding="utf-8"))


def one_step(args):
    """The subprocess side: run step ``args.step``, write its result JSON (atomically) for the parent."""
    check = Check(args, log_name=os.devnull)  # its output goes to the parent, which appends it to gpu_check.log
    functions = {"env": step_env, "tests": step_tests, "sanitizer": step_sanitizer, "word2vec": step_word2vec,
                 "lm_speed": step_lm_speed, "ptb": step_ptb}
    try:
        result = functions[args.step](check)
        result.setdefault("status", "ok")
    except Exception as exc:  # reported as the step's result, not a traceback in the parent
        result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    path = check.out / "steps" / f"{args.step}.json"
    path.parent.mkdir(exist_ok=True)
    path.with_suffix(".tmp").write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    path.with_suffix(".tmp").replace(path)
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    steps.make_cli_importable()
    if args.tiny:
        print(json.dumps(steps.tiny_workload(args.tiny)))
        return 0
    if args.step:
        return one_step(args)
    check = Check(args)
    check.log(f"gpu_check {'dry run' if check.dry else 'on the device'}, budget {args.budget:.0f}s, out {check.out}, "
              f"steps {','.join(args.steps)}")
    for name, needs in STEPS:
        if name not in args.steps:
            continue
        started = time.monotonic()
        if check.left() < (needs if not check.dry else 0):
            result = {"status": "skipped", "reason": f"{check.left():.0f}s left, the step needs {needs}s"}
        else:
            check.log(f"--- {name}")
            result = run_step(check, name)
        result["seconds"] = round(time.monotonic() - started, 1)
        check.results["steps"][name] = result
        check.log(f"{name}: {result['status']} in {result['seconds']}s"
                  + (f" ({result.get('error') or result.get('reason')})" if result["status"] != "ok" else ""))
        check.save()
    report = steps.summary(check.results)
    check.log("\n" + report)
    (check.out / "gpu_check.md").write_text(report + "\n", encoding="utf-8")
    failed = [n for n, r in check.results["steps"].items() if r["status"] in FAILED]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
