"""The sweep that chose the Korean default (--subwords auto): candidate subword models paired with word-level vectors.

    OPENBLAS_NUM_THREADS=1 python benchmarks/korean_default_sweep.py --data $W2VLM_DATA [--seeds 0 1 2 3 4]
        [--tokenizer kiwi] [--model skipgram] [--candidates jamo jamo:30 jamo:100]

Each candidate ``KIND[:N]`` is ``--subwords KIND --whole-word-count N`` (N = 0 when left out: fastText's model),
trained with the same seeds as the word-level model (NSMC test split, dim 100, window 5, negatives 5, sample 1e-3,
min-count 5, lr 0.025, 10 epochs, 1 thread). Every model is scored on kor2vec's sets under both resolution orders
for words outside the vocabulary: "tokens first" (compose the tokenizer's tokens, an unknown token by its own
n-grams, then the whole word's n-grams) and "word n-grams first". Semantic accuracy and WS353 Spearman are also
taken on just the questions and pairs the word-level model answers, and paired with it seed by seed (mean
difference and 95 % t interval). Quality only: the speed of the chosen default is measured by
korean_embeddings.py beside gensim FastText. Prints markdown.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from korean_embeddings import _on_items, _paired  # noqa: E402
from korean_systems import encoded_corpus, evaluate  # noqa: E402

ORDERS = {"tokens first": "skipgram", "word n-grams first": "cbow"}   # Resolver reads the order off config["model"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("W2VLM_DATA"))
    parser.add_argument("--cache", default=os.environ.get("W2VLM_CACHE"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--tokenizer", default="kiwi")
    parser.add_argument("--model", choices=["cbow", "skipgram"], default="skipgram")
    parser.add_argument("--candidates", nargs="+", default=["jamo", "jamo:30", "jamo:100"])
    return parser.parse_args()


def train(encoded, args, seed, candidate=None):
    from w2vlm.embeddings.train import Word2VecConfig, train_vectors
    subwords = dict(subwords=None)
    if candidate:
        kind, _, count = candidate.partition(":")
        subwords = dict(subwords=kind, whole_word_count=int(count or 0))
    config = Word2VecConfig(model=args.model, dim=100, window=5, negatives=5, min_count=5, sample=1e-3, lr=0.025,
                            epochs=10, threads=1, seed=seed, **subwords)
    return train_vectors(encoded, config, progress=False)[0]


def scored(vectors, eval_dir):
    """{order: scores} with the model's Resolver set to each order in turn."""
    trained_as = vectors.config.get("model")
    out = {}
    for order, model in ORDERS.items():
        vectors.config["model"] = model
        vectors._resolvers.clear()   # resolvers cache their order and results
        out[order] = evaluate(vectors, eval_dir)
    vectors.config["model"] = trained_as
    return out


def main():
    args = parse_args()
    if not args.data or not (Path(args.data) / "ko-corpus" / "ratings_test.txt").exists():
        print("skipped: no data folder with ko-corpus/ratings_test.txt (pass --data DIR or set W2VLM_DATA)")
        return 0
    eval_dir = Path(args.data) / "ko-eval"
    encoded = encoded_corpus(str(Path(args.data).resolve()), args.tokenizer, args.cache)
    rows = {}
    for seed in args.seeds:
        word = evaluate(train(encoded, args, seed), eval_dir)
        rows.setdefault("word-level", []).append((word, word))
        for candidate in args.candidates:
            for order, scores in scored(train(encoded, args, seed, candidate), eval_dir).items():
                rows.setdefault(f"{candidate} ({order})", []).append((scores, word))
        print(f"seed {seed} done", file=sys.stderr, flush=True)
    print(f"\nNSMC {args.tokenizer} tokens, {args.model}, 10 epochs, seeds {args.seeds}: medians; paired differences "
          f"with the word-level model of the same seed on the items it answers (mean [95 % t interval]).\n")
    print("| model (resolution) | semantic acc % (cov.) | syntactic acc % (cov.) | WS353 ρ (cov.) "
          "| semantic on word-level's items: Δ points | WS353 on word-level's pairs: Δ ρ |")
    print("|---|---|---|---|---|---|")
    for name, runs in rows.items():
        cells = [name]
        for key, measure in (("semantic", "accuracy"), ("syntactic", "accuracy"), ("ws353", "spearman")):
            value = statistics.median(r[key][measure] for r, _ in runs)
            coverage = statistics.median(r[key]["coverage"] for r, _ in runs)
            cells.append(f"{100 * value:.1f} ({100 * coverage:.0f} %)" if measure == "accuracy"
                         else f"{value:.3f} ({100 * coverage:.0f} %)")
        paired = [(_on_items(r, w), _on_items(w, w)) for r, w in runs]
        cells.append(f"{statistics.median(m[0] for m, _ in paired):.1f}: {_paired([m[0] - b[0] for m, b in paired])}")
        cells.append(f"{statistics.median(m[1] for m, _ in paired):.3f}: {_paired([m[1] - b[1] for m, b in paired])}")
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
