"""w2vlm vs gensim 4 word2vec on PTB, side by side: words/s and vector quality (analogies, WS353, SimLex-999).

    OPENBLAS_NUM_THREADS=1 python benchmarks/word2vec_vs_gensim.py --data ../shared/data [--repeats 3] [--threads 1 2]
        [--kernels pairs batched]

``--kernels`` adds one w2vlm row per numba kernel (``pairs``: word2vec.c's per-pair updates; ``batched``: shared
negatives, HogBatch); the quality table then also gives each kernel's mean paired difference to ``pairs`` (same
seeds) with its 95 % t interval, and the achieved GFLOP/s of the update arithmetic against this machine's one-thread
sgemm rate (measured here).

Runs alternate (gensim, w2vlm, then w2vlm, gensim on the next repeat) with the same corpus and settings; repeat r
uses seed r for both. Words/s = raw corpus words x epochs / training seconds (vocabulary building and
tokenization excluded for both). Quality is measured on the one-thread runs (one seed per repeat) with gensim's
own KeyedVectors.evaluate_word_analogies / evaluate_word_pairs for both systems: our vectors are loaded into a
KeyedVectors, so the same code scores both. Prints markdown tables.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import argparse  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

TARGETS = {"analogy": 0.5, "ws353": 0.02, "simlex": 0.02}  # allowed shortfall vs gensim's mean (points, rho, rho)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("W2VLM_DATA"),
                        help="folder with ptb/ and en-eval/ (default: $W2VLM_DATA)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per system and thread count (= quality seeds)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--model", choices=["cbow", "skipgram"], default="cbow")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--min-count", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--kernels", nargs="+", choices=["pairs", "batched"], default=["pairs"])
    return parser.parse_args()


def train_gensim(sentences, args, threads, seed):
    from gensim.models import Word2Vec
    model = Word2Vec(vector_size=args.dim, window=args.window, negative=args.negatives, ns_exponent=0.75,
                     sample=args.sample, min_count=args.min_count, sg=int(args.model == "skipgram"), cbow_mean=1,
                     hs=0, alpha=0.025, min_alpha=0.0001, workers=threads, seed=seed)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=args.epochs)
    seconds = time.perf_counter() - start
    return model.wv, model.corpus_total_words * args.epochs / seconds


def train_w2vlm(encoded, args, threads, seed, kernel="pairs"):
    from gensim.models import KeyedVectors
    from w2vlm.embeddings.train import Word2VecConfig, train_vectors
    config = Word2VecConfig(model=args.model, dim=args.dim, window=args.window, negatives=args.negatives,
                            sample=args.sample, min_count=args.min_count, epochs=args.epochs, threads=threads,
                            seed=seed, lr=0.025, min_lr=0.0001, kernel=kernel)
    vectors, history = train_vectors(encoded, config, progress=False)
    kv = KeyedVectors(args.dim)
    kv.add_vectors(vectors.words, vectors.vectors)
    # the update arithmetic: per prediction, (1+K) dot products and two axpys of dim (6 flops per element)
    predictions = sum(e.examples for e in history.epochs)
    flops = 6.0 * args.dim * (1 + args.negatives) * predictions
    return kv, history.words_per_sec, vectors, flops / history.train_seconds / 1e9


def quality(kv, eval_dir):
    """Google analogy accuracy (%), WS353 and SimLex-999 Spearman, all by gensim's evaluators."""
    analogy, _ = kv.evaluate_word_analogies(str(eval_dir / "questions-words.txt"), restrict_vocab=300000,
                                            case_insensitive=True)
    ws = kv.evaluate_word_pairs(str(eval_dir / "wordsim353.tsv"), case_insensitive=True)[1][0]
    simlex = kv.evaluate_word_pairs(str(eval_dir / "simlex999.txt"), case_insensitive=True)[1][0]
    return {"analogy": 100 * analogy, "ws353": ws, "simlex": simlex}


def fmt_rate(values):
    return f"{statistics.median(values) / 1e3:,.0f}k ({min(values) / 1e3:,.0f}k–{max(values) / 1e3:,.0f}k)"


def main():
    args = parse_args()
    if not args.data or not (Path(args.data) / "ptb" / "ptb.train.txt").exists():
        print("skipped: no data folder with ptb/ptb.train.txt (pass --data DIR or set W2VLM_DATA)")
        return 0
    try:
        import gensim
    except ImportError:
        print("skipped: gensim is not installed (pip install 'w2vlm[bench]')")
        return 0
    logging.getLogger("gensim").setLevel(logging.WARNING)
    logging.getLogger("w2vlm").setLevel(logging.WARNING)
    from w2vlm.text.corpus import open_corpus
    from w2vlm.text.encode import encode_corpus
    from w2vlm.text.tokenize import get_tokenizer

    data, eval_dir = Path(args.data), Path(args.data) / "en-eval"
    train_path = data / "ptb" / "ptb.train.txt"
    sentences = [line.split() for line in train_path.read_text(encoding="utf-8").splitlines() if line.split()]
    cache = tempfile.TemporaryDirectory()  # training memory-maps the shards from here: keep it until main returns
    encoded = encode_corpus(open_corpus([str(train_path)]), get_tokenizer("whitespace"), cache_dir=cache.name,
                            progress=False)
    assert encoded.n_tokens == sum(map(len, sentences)), "both systems must see the same tokens"

    systems = ["gensim"] + [f"w2vlm-{kernel}" for kernel in args.kernels]
    speed = {(system, t): [] for system in systems for t in args.threads}
    gflops = {(system, t): [] for system in systems for t in args.threads}
    scores = {system: [] for system in systems}
    own_eval = []
    for rep in range(args.repeats):
        for threads in args.threads:
            order = systems if (rep + threads) % 2 == 0 else systems[::-1]
            for system in order:
                if system == "gensim":
                    kv, rate = train_gensim(sentences, args, threads, seed=rep)
                else:
                    kv, rate, vectors, rate_flops = train_w2vlm(encoded, args, threads, rep, system.split("-")[1])
                    gflops[(system, threads)].append(rate_flops)
                speed[(system, threads)].append(rate)
                line = f"rep {rep} threads {threads} {system:13s} {rate / 1e3:8,.0f}k words/s"
                if threads == args.threads[0]:
                    scores[system].append(quality(kv, eval_dir))
                    line += "  " + "  ".join(f"{k} {v:.4f}" for k, v in scores[system][-1].items())
                    if system == "w2vlm-pairs":
                        own_eval.append(_own_analogy(vectors, eval_dir))
                print(line, file=sys.stderr, flush=True)

    print(f"\nPTB train ({encoded.n_tokens:,} words), {args.model}, dim {args.dim}, window {args.window}, "
          f"negatives {args.negatives}, sample {args.sample:g}, min-count {args.min_count}, {args.epochs} epochs; "
          f"gensim {gensim.__version__}; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load avg {os.getloadavg()[0]:.1f}; n={args.repeats}; {_blas()}\n")
    peak = _sgemm_gflops()
    print(f"one-thread sgemm (1024^2 float32, NumPy's BLAS): {peak:.1f} GFLOP/s\n")
    print("| threads | system | words/s (median, min–max) | vs gensim | update GFLOP/s (% of sgemm) |")
    print("|---|---|---|---|---|")
    for t in args.threads:
        g = statistics.median(speed[("gensim", t)])
        for system in systems:
            rate = speed[(system, t)]
            flops = f"{statistics.median(gflops[(system, t)]):.2f} ({100 * statistics.median(gflops[(system, t)]) / peak:.0f} %)" \
                if gflops[(system, t)] else "-"
            print(f"| {t} | {system} | {fmt_rate(rate)} | {statistics.median(rate) / g:.2f} | {flops} |")
    print(f"\nQuality, {args.threads[0]} thread, seeds 0..{args.repeats - 1} "
          "(mean ± sd; gensim's evaluators for both; paired: the same seed's pairs run subtracted)\n")
    print("| metric | " + " | ".join(systems) + " | w2vlm-pairs − gensim | allowed | paired diff to pairs (95 % CI) |")
    print("|---|" + "---|" * (len(systems) + 3))
    for key, label in (("analogy", "Google analogy acc. (%)"), ("ws353", "WordSim353 Spearman"),
                       ("simlex", "SimLex-999 Spearman")):
        columns = {system: [s[key] for s in scores[system]] for system in systems}
        diff = np.mean(columns["w2vlm-pairs"]) - np.mean(columns["gensim"]) if "w2vlm-pairs" in columns else np.nan
        paired = "; ".join(f"{system}: {_paired(columns[system], columns['w2vlm-pairs'])}" for system in systems
                           if system.startswith("w2vlm-") and system != "w2vlm-pairs" and "w2vlm-pairs" in columns)
        print(f"| {label} | " + " | ".join(_mean_sd(columns[s]) for s in systems)
              + f" | {diff:+.3f} {'ok' if diff >= -TARGETS[key] else 'NO'} | ≥ −{TARGETS[key]} | {paired or '-'} |")
    if own_eval:
        print(f"\nw2vlm's own evaluate_analogies on the same vectors: {_mean_sd(own_eval)} % "
              f"(gensim's evaluator: {_mean_sd([s['analogy'] for s in scores['w2vlm-pairs']])} %)")
    return 0


def _paired(values, baseline):
    """Mean paired difference and its 95 % t interval."""
    from scipy import stats
    d = np.asarray(values) - np.asarray(baseline)
    if len(d) < 2:
        return f"{d.mean():+.3f}"
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return f"{d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}]"


def _sgemm_gflops():
    """float32 matrix-product rate of NumPy's BLAS on this machine (threads as set for the run)."""
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(np.float32)
    a @ a
    start = time.perf_counter()
    for _ in range(5):
        a @ a
    return 5 * 2 * 1024 ** 3 / (time.perf_counter() - start) / 1e9


def _blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS: unknown (no threadpoolctl)"
    found = [f"{p.get('internal_api')} {p.get('version')} ({p.get('architecture')}, {p.get('num_threads')} threads)"
             for p in threadpool_info() if p.get("user_api") == "blas"]
    return "BLAS: " + (", ".join(found) or "none loaded")


def _own_analogy(vectors, eval_dir):
    result = vectors.evaluate_analogies(eval_dir / "questions-words.txt", restrict_vocab=300000)
    accuracy = result["accuracy"] if isinstance(result, dict) else getattr(result, "accuracy")
    return 100 * accuracy


def _mean_sd(values):
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0.0:.3f}"


if __name__ == "__main__":
    sys.exit(main())
