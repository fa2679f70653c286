"""benchmarks/gpu_check.py --dry-run on the CuPy stand-in: every step that needs no device runs, at toy sizes."""

import importlib.util
import json
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load_gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", BENCHMARKS / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dry_run_runs_every_step_that_needs_no_device(standin_cupy, tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    gpu_check = _load_gpu_check()
    assert gpu_check.main(["--dry-run", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "gpu_check.json").read_text())
    steps = results["steps"]
    assert results["dry_run"] and list(steps) == ["env", "tests", "sanitizer", "word2vec", "lm_speed", "ptb"]
    assert steps["env"]["status"] == "ok" and "stand-in" in steps["env"]["device"]
    assert steps["tests"]["status"] == "skipped"  # needs a device
    assert steps["sanitizer"]["status"] == "skipped"
    assert {"word2vec", "lstm"} <= set(steps["sanitizer"])  # the sanitizer workloads themselves ran
    systems = [r["system"] for r in steps["word2vec"]["rows"]]
    assert systems == ["w2vlm-gpu", "w2vlm-cpu", "gensim"]
    assert all(r["words_per_sec"] > 0 and 0 <= r["analogy"] <= 100 for r in steps["word2vec"]["rows"])
    assert {r["system"] for r in steps["lm_speed"]["rows"]} >= {"w2vlm-xp", "w2vlm-fused"}
    ptb = steps["ptb"]
    assert ptb["status"] == "ok" and ptb["epochs"] and ptb["test_ppl"] > 1
    assert all(ptb["self_checks"].values())  # the fused kernels (their emulations) passed and were used
    report = (tmp_path / "gpu_check.md").read_text()
    assert "dry run" in report and "| ptb | ok |" in report
    log = (tmp_path / "gpu_check.log").read_text()
    assert [line.split("--- ")[1] for line in log.splitlines() if "s] --- " in line] == list(steps)
