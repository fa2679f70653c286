"""w2vlm vs gensim 4 word2vec on PTB, side by side: words/s and vector quality (analogies, WS353, SimLex-999).

    OPENBLAS_NUM_THREADS=1 python benchmarks/word2vec_vs_gensim.py --data ../shared/data [--repeats 3] [--threads 1 2]

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


def train_w2vlm(encoded, args, threads, seed):
    from gensim.models import KeyedVectors
    from w2vlm.embeddings.train import Word2VecConfig, train_vectors
    config = Word2VecConfig(model=args.model, dim=args.dim, window=args.window, negatives=args.negatives,
                            sample=args.sample, min_count=args.min_count, epochs=args.epochs, threads=threads,
                            seed=seed, lr=0.025, min_lr=0.0001)
    vectors, history = train_vectors(encoded, config, progress=False)
    kv = KeyedVectors(args.dim)
    kv.add_vectors(vectors.words, vectors.vectors)
    return kv, history.words_per_sec, vectors


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

    speed = {(system, t): [] for system in ("gensim", "w2vlm") for t in args.threads}
    scores = {"gensim": [], "w2vlm": []}
    own_eval = []
    for rep in range(args.repeats):
        for threads in args.threads:
            order = ("gensim", "w2vlm") if (rep + threads) % 2 == 0 else ("w2vlm", "gensim")
            for system in order:
                if system == "gensim":
                    kv, rate = train_gensim(sentences, args, threads, seed=rep)
                else:
                    kv, rate, vectors = train_w2vlm(encoded, args, threads, seed=rep)
                speed[(system, threads)].append(rate)
                line = f"rep {rep} threads {threads} {system:6s} {rate / 1e3:8,.0f}k words/s"
                if threads == args.threads[0]:
                    scores[system].append(quality(kv, eval_dir))
                    line += "  " + "  ".join(f"{k} {v:.4f}" for k, v in scores[system][-1].items())
                    if system == "w2vlm" and hasattr(vectors, "evaluate_analogies"):
                        own_eval.append(_own_analogy(vectors, eval_dir))
                print(line, file=sys.stderr, flush=True)

    print(f"\nPTB train ({encoded.n_tokens:,} words), {args.model}, dim {args.dim}, window {args.window}, "
          f"negatives {args.negatives}, sample {args.sample:g}, min-count {args.min_count}, {args.epochs} epochs; "
          f"gensim {gensim.__version__}; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load avg {os.getloadavg()[0]:.1f}; n={args.repeats}\n")
    print("| threads | gensim words/s | w2vlm words/s | ratio (median) |")
    print("|---|---|---|---|")
    for t in args.threads:
        g, w = speed[("gensim", t)], speed[("w2vlm", t)]
        print(f"| {t} | {fmt_rate(g)} | {fmt_rate(w)} | {statistics.median(w) / statistics.median(g):.2f} |")
    print(f"\nQuality, {args.threads[0]} thread, seeds 0..{args.repeats - 1} "
          "(mean ± sd; gensim's evaluators for both)\n")
    print("| metric | gensim | w2vlm | w2vlm − gensim | allowed | ok |")
    print("|---|---|---|---|---|---|")
    for key, label in (("analogy", "Google analogy acc. (%)"), ("ws353", "WordSim353 Spearman"),
                       ("simlex", "SimLex-999 Spearman")):
        g = [s[key] for s in scores["gensim"]]
        w = [s[key] for s in scores["w2vlm"]]
        diff = np.mean(w) - np.mean(g)
        print(f"| {label} | {_mean_sd(g)} | {_mean_sd(w)} | {diff:+.3f} | ≥ −{TARGETS[key]} | "
              f"{'yes' if diff >= -TARGETS[key] else 'NO'} |")
    if own_eval:
        print(f"\nw2vlm's own evaluate_analogies on the same vectors: {_mean_sd(own_eval)} % "
              f"(gensim's evaluator: {_mean_sd([s['analogy'] for s in scores['w2vlm']])} %)")
    return 0


def _own_analogy(vectors, eval_dir):
    result = vectors.evaluate_analogies(eval_dir / "questions-words.txt", restrict_vocab=300000)
    accuracy = result["accuracy"] if isinstance(result, dict) else getattr(result, "accuracy")
    return 100 * accuracy


def _mean_sd(values):
    return f"{np.mean(values):.3f} ± {np.std(values, ddof=1) if len(values) > 1 else 0.0:.3f}"


if __name__ == "__main__":
    sys.exit(main())
