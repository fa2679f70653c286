"""benchmarks/gpu_check.py --dry-run on the CuPy stand-in: every step that needs no device runs, at toy sizes, each
in its own subprocess (which imports the stand-in as ``cupy`` from tests/support/standin_site)."""

import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "benchmarks"


def _load_gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", BENCHMARKS / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def dry_env(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    site = ROOT / "tests" / "support" / "standin_site"
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(site), str(ROOT)]))
    return _load_gpu_check()


def test_dry_run_runs_every_step_that_needs_no_device(dry_env, tmp_path):
    assert dry_env.main(["--dry-run", "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "gpu_check.json").read_text())
    steps = results["steps"]
    assert results["dry_run"] and list(steps) == ["env", "tests", "sanitizer", "word2vec", "lm_speed", "ptb"]
    assert steps["env"]["status"] == "ok" and "stand-in" in steps["env"]["device"]
    assert steps["tests"]["status"] == "skipped"  # needs a device
    assert steps["sanitizer"]["status"] == "skipped"
    assert {"word2vec", "lstm"} <= set(steps["sanitizer"])  # the sanitizer workloads themselves ran
    rows = steps["word2vec"]["rows"]
    assert [r["system"] for r in rows] == ["w2vlm-gpu", "w2vlm-cpu", "gensim"]
    assert all(r["words_per_sec"] > 0 and 0 <= r["analogy"] <= 100 for r in rows)
    assert [(r["path"], r["verdict"]) for r in rows] == [("fused CUDA kernel", "ok"), ("CPU numba kernel", "ok"),
                                                         ("CPU gensim", "ok")]
    lm = steps["lm_speed"]["rows"]
    assert {r["system"] for r in lm} >= {"w2vlm-xp", "w2vlm-fused"}
    assert all(r["verdict"] == "ok" and r["path"] for r in lm)
    assert {r["path"] for r in lm if r["system"] == "w2vlm-fused"} == {"fused CUDA kernel"}
    ptb = steps["ptb"]
    assert ptb["status"] == "ok" and len(ptb["epochs"]) == 1 and ptb["test_ppl"] > 1
    assert (ptb["path"], ptb["verdict"]) == ("fused CUDA kernel", "ok") and all(ptb["self_checks"].values())
    report = (tmp_path / "gpu_check.md").read_text()
    assert "dry run" in report and "| ptb | ok |" in report and "| w2vlm-gpu | fused CUDA kernel | ok |" in report
    log = (tmp_path / "gpu_check.log").read_text()
    assert [line.split("--- ")[1] for line in log.splitlines() if "s] --- " in line] == list(steps)


def test_a_failed_self_check_makes_its_rows_fallbacks_that_fail_the_step(dry_env, monkeypatch):
    from tests.support import cupy_standin
    from w2vlm.nn.fused import self_checked
    cupy = cupy_standin.install(monkeypatch, cupy_standin.make_cupy())
    assert not self_checked(cupy, "lstm", lambda xp: "lstm_forward: relative error 1")
    path, verdict = dry_env.steps.gpu_path(("lstm", "softmax"))
    assert verdict == "FAIL" and path == "layered fallback (self-check failed: lstm)"
    assert dry_env.steps.gpu_path("word2vec") == ("layered fallback (self-check failed: none ran)", "FAIL")
    assert dry_env.steps.rows_status([{"verdict": "ok"}, {"verdict": verdict}]) == "failed"
    assert dry_env.steps.sanitizer_refused(["========= Error: Device not supported"])


def test_steps_reruns_a_subset(dry_env, tmp_path):
    assert dry_env.main(["--dry-run", "--out", str(tmp_path), "--steps", "env,ptb"]) == 0
    assert list(json.loads((tmp_path / "gpu_check.json").read_text())["steps"]) == ["env", "ptb"]
    with pytest.raises(SystemExit) as exit_info:
        dry_env.parse_args(["--steps", "env,nope"])
    assert exit_info.value.code == 2


def test_prep_builds_one_carry_folder_within_the_limit(tmp_path):
    spec = importlib.util.spec_from_file_location("gpu_prep", BENCHMARKS / "gpu_prep.py")
    prep = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prep)
    data = tmp_path / "data"
    (data / "ptb").mkdir(parents=True)
    (data / "en-eval").mkdir()
    for name in prep.DATA["ptb"]:
        (data / "ptb" / name).write_text("a b c\n")
    (data / "en-eval" / "questions-words.txt").write_text(": x\na b c d\n")
    out = tmp_path / "carry"
    assert prep.main(["--data", str(data), "--out", str(out), "--no-wheels"]) == 0
    assert (out / "data" / "ptb" / "ptb.train.txt").read_text() == "a b c\n"
    assert "gpu_check.py --data" in (out / "run.sh").read_text()
    assert prep.main(["--data", str(data), "--out", str(out), "--no-wheels", "--limit-mib", "0.000001"]) == 1
    assert prep.main(["--data", str(tmp_path / "none"), "--out", str(out), "--no-wheels"]) == 1


def test_a_step_past_its_cap_is_killed_and_fails(dry_env, tmp_path):
    check = dry_env.Check(dry_env.parse_args(["--dry-run", "--out", str(tmp_path)]))
    result = dry_env.run_step(check, "env", cap=0.05)  # far less than the interpreter needs to start
    assert result["status"] == "killed" and "hard wall-clock limit" in result["error"]
    assert "killed" in dry_env.FAILED
