"""The workloads of gpu_check.py: tiny sanitizer runs, word2vec and LM peers side by side, PTB training, the report.

Real runs read PTB and the English evaluation sets under --data; dry runs write a toy corpus of the same layout
into a temporary folder and run the same code on it at toy sizes.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
_SHIM = Path(tempfile.gettempdir()) / "w2vlm_gpu_check_shim"
TOPICS = [[f"{t}{i}" for i in range(12)] for t in ("animal", "color", "verb", "place")]


def make_cli_importable():
    """Without ``pip install`` (the device image), link w2vlm_cli and w2vlm_corpora beside the checkout."""
    try:
        import w2vlm_cli  # noqa: F401
        return
    except ImportError:
        pass
    _SHIM.mkdir(exist_ok=True)
    for name, target in (("w2vlm_cli", "cli"), ("w2vlm_corpora", "corpora")):
        link = _SHIM / name
        if not link.exists():
            link.symlink_to(ROOT / target)
    sys.path.insert(0, str(_SHIM))


def cli_env():
    """Environment for subprocesses: the checkout and the shim first on PYTHONPATH."""
    paths = [str(ROOT), str(_SHIM), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(p for p in paths if p), "PYTHONUNBUFFERED": "1"}


def self_checks():
    import cupy
    from w2vlm.nn.fused import verdicts
    return verdicts(cupy)


def gpu_path(families):
    """(path, verdict) of w2vlm's fused GPU code for the self-check families starting with ``families``: the fused
    kernel ran ("ok"), or the layered fallback after a failed (or missing) first-use self-check ("FAIL")."""
    checks = {f: ok for f, ok in self_checks().items() if f.startswith(families)}
    if checks and all(checks.values()):
        return "fused CUDA kernel", "ok"
    failed = ", ".join(f for f, ok in checks.items() if not ok) or "none ran"
    return f"layered fallback (self-check failed: {failed})", "FAIL"


def rows_status(rows):
    """A step fails when any of its rows ran on a fallback."""
    return "failed" if any(r.get("verdict") == "FAIL" for r in rows) else "ok"


def sanitizer_refused(tail):
    """compute-sanitizer or the runtime declined to instrument (not a finding about w2vlm's kernels)."""
    text = "\n".join(tail).lower()
    return any(s in text for s in ("not supported", "unsupported", "no attachable process", "failed to initialize",
                                   "could not be initialized", "insufficient permission"))


def tiny_workload(name):
    """One word2vec epoch or one LSTM training step on the device, through the fused kernels (sanitizer target)."""
    import cupy
    rng = np.random.default_rng(0)
    if name == "word2vec":
        from w2vlm.embeddings.train import Word2VecConfig, train_word2vec
        ids = rng.integers(0, 40, 3000).astype(np.int32)
        offsets = np.arange(0, 3001, 30, dtype=np.int64)
        config = Word2VecConfig(dim=16, window=3, negatives=3, min_count=1, epochs=1, seed=1)
        _, _, history = train_word2vec(ids, offsets, np.bincount(ids, minlength=40), config, xp=cupy,
                                       progress=False)
        result = {"loss": history.loss}
    else:
        from w2vlm.lm import LMConfig, RNNLM
        from w2vlm.nn.optim import SGD, clip_grads
        model = RNNLM(LMConfig(vocab_size=50, embed_size=16, hidden_size=16, dropout=0.2), xp=cupy, rng=rng)
        xs, ts = (cupy.asarray(rng.integers(0, 50, (4, 7))) for _ in range(2))
        loss = model.forward(xs, ts)
        model.backward()
        clip_grads(model.grads, 0.25)
        SGD(1.0).update(model.params, model.grads)
        result = {"loss": float(loss)}
    cupy.cuda.Device().synchronize()
    return dict(result, self_checks=self_checks())


def data_dir(check):
    """--data (real run), or a toy PTB + en-eval of the same layout (dry run)."""
    if not check.dry:
        if not check.args.data or not (Path(check.args.data) / "ptb" / "ptb.train.txt").exists():
            raise FileNotFoundError("PTB not found: pass --data DIR (with ptb/ and en-eval/) or set W2VLM_DATA")
        return Path(check.args.data)
    root = check.out / "toy-data"
    (root / "ptb").mkdir(parents=True, exist_ok=True)
    (root / "en-eval").mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for split, lines in (("train", 1500), ("valid", 100), ("test", 100)):
        text = [" ".join(rng.choice(TOPICS[rng.integers(4)], rng.integers(4, 12))) for _ in range(lines)]
        (root / "ptb" / f"ptb.{split}.txt").write_text("\n".join(text) + "\n")
    questions = [": topics"] + [f"{a[i]} {a[i + 1]} {b[i]} {b[i + 1]}" for a, b in zip(TOPICS, TOPICS[1:])
                                for i in range(4)]
    (root / "en-eval" / "questions-words.txt").write_text("\n".join(questions) + "\n")
    pairs = [f"{t[i]}\t{t[i + 1]}\t9" for t in TOPICS for i in range(3)] + \
            [f"{a[i]}\t{b[i]}\t1" for a, b in zip(TOPICS, TOPICS[1:]) for i in range(3)]
    for name in ("wordsim353.tsv", "simlex999.txt"):
        (root / "en-eval" / name).write_text("\n".join(pairs) + "\n")
    return root


def word2vec_rows(check):
    """w2vlm on the GPU, on all CPU cores, and gensim on all cores, on PTB (dry: the toy corpus, 1 epoch)."""
    import logging
    import word2vec_gpu as bench
    logging.getLogger("gensim").setLevel(logging.WARNING)
    data = data_dir(check)
    args = argparse.Namespace(data=str(data), model="cbow", dim=16 if check.dry else 100, window=5, negatives=5,
                              sample=1e-3, min_count=1, epochs=1 if check.dry else 5, seed=0,
                              threads=os.cpu_count(), tile=16, vec=None, min_blocks=0)
    sentences, vocab, ids, offsets, raw = bench.load(args)
    try:
        import gensim  # noqa: F401
        has_gensim = True
    except ImportError:
        has_gensim = False
    rows = []
    for system in ("w2vlm-gpu", "w2vlm-cpu") + (("gensim",) if has_gensim else ()):
        if check.left() < 10 and not check.dry:
            rows.append({"system": system, "skipped": "out of time"})
            continue
        if system == "w2vlm-gpu":
            W, rate, extra = bench.run_gpu(args, vocab.words, ids, offsets, vocab.counts, raw, "auto")
        elif system == "w2vlm-cpu":
            W, rate, extra = bench.run_cpu(args, vocab.words, ids, offsets, vocab.counts, raw)
        else:
            W, rate, extra = bench.run_gensim(args, sentences)
        path, verdict = (gpu_path("word2vec") if system == "w2vlm-gpu" else
                         ("CPU numba kernel", "ok") if system == "w2vlm-cpu" else ("CPU gensim", "ok"))
        row = {"system": system, "path": path, "verdict": verdict, "words": raw * args.epochs,
               "words_per_sec": rate, **extra}
        if has_gensim:
            row.update(bench.quality(W if system == "gensim" else bench.keyed(vocab.words, W), data / "en-eval"))
        rows.append(row)
        check.log(f"word2vec {system}: {rate:,.0f} words/s")
    return rows


def word2vec_table(rows):
    base = next((r for r in rows if r["system"] == "gensim" and "words_per_sec" in r), None)
    lines = ["| system | path | verdict | words/s | vs gensim | analogy % | WS353 |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "words_per_sec" not in r:
            lines.append(f"| {r['system']} | - | skipped | {r.get('skipped', '-')} | | | |")
            continue
        ratio = f"{r['words_per_sec'] / base['words_per_sec']:.2f}x" if base else "-"
        lines.append(f"| {r['system']} | {r['path']} | {r['verdict']} | {r['words_per_sec']:,.0f} | {ratio} | "
                     f"{r.get('analogy', float('nan')):.2f} | {r.get('ws353', float('nan')):.3f} |")
    return "\n".join(lines)


def lm_speed_rows(check):
    """Training and evaluation tokens/s of w2vlm (layered, fused) and PyTorch cuDNN at several batch sizes."""
    import statistics
    import cupy
    import lm_gpu as bench
    data = data_dir(check)
    ids, vocab_size = bench.load_ptb(data)
    hidden = 16 if check.dry else bench.H
    systems = [bench.W2VLM(name, vocab_size, hidden) for name in ("w2vlm-xp", "w2vlm-fused")]
    try:
        systems.append(bench.Torch(vocab_size, False, hidden))
    except ImportError:
        check.log("PyTorch is not installed: w2vlm variants only")
    args = argparse.Namespace(warmup=1 if check.dry else 3, steps=2 if check.dry else 15,
                              repeats=1 if check.dry else 3)
    stream, rows = cupy.asarray(ids), []
    for batch in ((4, 8) if check.dry else (20, 64, 128)):
        if check.left() < 15 and not check.dry:
            rows.append({"batch": batch, "skipped": "out of time"})
            continue
        results = bench.run_batch(batch, systems, stream, args)
        for s in systems:
            path, verdict = (gpu_path(("lstm", "softmax")) if s.name == "w2vlm-fused" else
                             ("layered CuPy (fused off)", "ok") if s.name == "w2vlm-xp" else ("PyTorch cuDNN", "ok"))
            rows.append({"batch": batch, "system": s.name, "path": path, "verdict": verdict,
                         "train_tok_s": statistics.median(results[(s.name, "train")]),
                         "eval_tok_s": statistics.median(results[(s.name, "eval")]),
                         "min_max_train": [min(results[(s.name, "train")]), max(results[(s.name, "train")])],
                         "loss": results[(s.name, "loss")][-1]})
    return rows


def lm_speed_table(rows):
    lines = ["| batch | system | path | verdict | train tok/s (min-max) | vs pytorch | eval tok/s |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        if "system" not in r:
            lines.append(f"| {r['batch']} | - | - | skipped | {r['skipped']} | | |")
            continue
        ref = next((x for x in rows if x.get("batch") == r["batch"] and x.get("system") == "pytorch"), None)
        ratio = f"{r['train_tok_s'] / ref['train_tok_s']:.2f}x" if ref else "-"
        low, high = r["min_max_train"]
        lines.append(f"| {r['batch']} | {r['system']} | {r['path']} | {r['verdict']} | {r['train_tok_s']:,.0f} "
                     f"({low:,.0f}-{high:,.0f}) | {ratio} | {r['eval_tok_s']:,.0f} |")
    return "\n".join(lines)


def _ptb_streams(data):
    vocab, streams = {"<eos>": 0}, {}
    for split in ("train", "valid", "test"):
        ids = []
        for line in (data / "ptb" / f"ptb.{split}.txt").read_text(encoding="utf-8").splitlines():
            words = line.split() + ["<eos>"]
            ids.extend(vocab.setdefault(w, len(vocab)) if split == "train" else vocab.get(w, vocab.get("<unk>", 0))
                       for w in words)
        streams[split] = np.array(ids, dtype=np.int32)
    return streams, len(vocab)


def ptb_training(check, seconds, alarm):
    """2 x 650 tied LSTM, dropout 0.5, SGD lr 20 (/4 without improvement), clip 0.25, for ``seconds`` (None: one
    epoch, the dry run's size)."""
    import cupy
    from w2vlm.lm import LMConfig, RNNLM
    from w2vlm.lm.train import TrainConfig, train
    streams, vocab_size = _ptb_streams(data_dir(check))
    hidden = 16 if check.dry else 650
    rng = np.random.default_rng(0)
    model = RNNLM(LMConfig(vocab_size=vocab_size, num_layers=2, embed_size=hidden, hidden_size=hidden, dropout=0.5,
                           tie_weights=True), xp=cupy, rng=rng)
    config = TrainConfig(batch_size=20, bptt=35, lr=20.0, clip=0.25, epochs=100 if seconds else 1)
    check.log(f"ptb: training for {f'{seconds:.0f}s' if seconds else 'one epoch'}")
    started = time.monotonic()
    alarm(seconds or 0)
    try:
        history = train(model, streams["train"], streams["valid"], config, start_id=0,
                        test_ids=streams["test"], progress=False)
    finally:
        alarm(0)
    path, verdict = gpu_path(("lstm", "softmax"))
    return {"epochs": [dict(epoch=e.epoch, train_ppl=e.train_ppl, valid_ppl=e.valid_ppl, lr=e.lr,
                            tokens_per_sec=e.items_per_sec, seconds=e.seconds) for e in history.epochs],
            "best_valid_ppl": history.best_valid_ppl if history.best_epoch else None,
            "test_ppl": history.test_ppl, "seconds": time.monotonic() - started, "self_checks": self_checks(),
            "path": path, "verdict": verdict}


def summary(results):
    """The markdown report printed last (the device tool returns the end of the output)."""
    steps = results["steps"]
    lines = [f"## gpu_check {'(dry run: toy sizes on the CuPy stand-in, not GPU numbers)' if results['dry_run'] else ''}",
             "", "| step | status | seconds | note |", "|---|---|---|---|"]
    for name, r in steps.items():
        note = r.get("error") or r.get("reason") or r.get("summary") or ""
        lines.append(f"| {name} | {r['status']} | {r['seconds']} | {note} |")
    env = steps.get("env", {})
    lines += ["", "env: " + ", ".join(f"{k} {v}" for k, v in env.items() if k not in ("status", "seconds"))]
    for name in ("word2vec", "lm_speed"):
        if "table" in steps.get(name, {}):
            lines += ["", f"{name}:", steps[name]["table"]]
    ptb = steps.get("ptb", {})
    if "epochs" in ptb:
        lines += ["", f"ptb 2x650 ({ptb['path']}: {ptb['verdict']}): {len(ptb['epochs'])} epochs, best valid ppl "
                      f"{ptb['best_valid_ppl']}, test ppl {ptb['test_ppl']}; self-checks {ptb['self_checks']}"]
    return "\n".join(lines)
