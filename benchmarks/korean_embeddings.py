"""Korean word vectors side by side on NSMC: w2vlm word-level and --subwords jamo vs gensim Word2Vec and FastText.

    OPENBLAS_NUM_THREADS=1 python benchmarks/korean_embeddings.py --data $W2VLM_DATA [--repeats 3] [--model skipgram]

One run trains every system on the same tokens (NSMC's 50k test reviews, tokenized once through w2vlm's cache:
kiwi morphemes and whitespace eojeol) with the same settings (dim 100, window 5, negatives 5, sample 1e-3,
min-count 5, lr 0.025, 10 epochs, 1 thread). Repeat r uses seed r for every system, and the order of the systems
alternates between repeats. Each training runs in its own process under ``/usr/bin/time -v``: "process peak"
is its maximum RSS, evaluation included (which loads the kiwi tagger for query words); "training peak" is the
same counter read right after training, before evaluation.
Words/s = corpus tokens x epochs / training seconds (vocabulary building excluded for all). Quality: kor2vec's
semantic and syntactic analogies (3CosAdd) and WS353-ko Spearman, all scored by w2vlm's evaluation code (test
words resolved through each model: vocabulary, tokenizer token, subword n-grams, composed tokens), with coverage.
``gensim-fasttext`` is gensim's FastText on the tokens as they are (character n-grams); ``gensim-fasttext-jamo``
gets the tokens in w2vlm's jamo spelling, so it computes the same n-grams as ``w2vlm-jamo``. ``w2vlm-jamo-char``
is ``--subwords jamo+char --max-n 5`` (Park et al. 2018's setting: jamo n-grams 3-5 plus syllable n-grams 1-4).
``w2vlm-char`` is ``--subwords char``: syllable n-grams 3-6, the n-grams gensim's FastText computes.
Prints markdown.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from korean_systems import SYSTEMS, encoded_corpus  # noqa: E402

PEER, SAME_NGRAMS_PEER = "gensim-fasttext", "gensim-fasttext-jamo"
BASELINE = "w2vlm-word"   # the paired table's reference (--baseline)
TARGETS = "the Korean default (w2vlm-korean): coverage 100 %, syntactic >= 95 %, semantic and WS353 on the " \
          "items w2vlm-word answers >= w2vlm-word - 1 point / - 0.02 (paired), words/s >= 1.5x gensim FastText"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("W2VLM_DATA"),
                        help="folder with ko-corpus/ratings_test.txt and ko-eval/ (default: $W2VLM_DATA)")
    parser.add_argument("--cache", default=os.environ.get("W2VLM_CACHE"), help="w2vlm's token cache folder")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tokenizers", nargs="+", default=["kiwi", "whitespace"])
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    parser.add_argument("--model", choices=["cbow", "skipgram"], default="skipgram")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--buckets", type=int, default=2_000_000)
    parser.add_argument("--baseline", default=BASELINE, help="the system every other is paired with, seed by seed, "
                        "on the items it answers (default: the word-level model)")
    return parser.parse_args()


def run_worker(system, tokenizer, seed, settings):
    """One training + evaluation in a child process; returns its result dict with the peak RSS in MB."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        command = ["/usr/bin/time", "-v", sys.executable, str(HERE / "korean_systems.py"), system, tokenizer,
                   str(seed), str(out), json.dumps(settings)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0 or not out.exists():
            raise SystemExit(f"{system} on {tokenizer} failed:\n{done.stderr[-3000:]}")
        result = json.loads(out.read_text(encoding="utf-8"))
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    result["peak_mb"] = int(peak.group(1)) / 1024 if peak else None
    return result


def _spread(values, scale=1.0, digits=0, unit=""):
    values = [v * scale for v in values if v is not None]
    if not values:
        return "-"
    return (f"{statistics.median(values):,.{digits}f}{unit} ({min(values):,.{digits}f}–"
            f"{max(values):,.{digits}f})")


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def print_tables(results, args, tokens):
    for tokenizer in args.tokenizers:
        rows = {system: [r for r in results if r["system"] == system and r["tokenizer"] == tokenizer]
                for system in args.systems}
        peer_rate = _median([r["words_per_sec"] for r in rows.get(PEER, [])])
        jamo_rate = _median([r["words_per_sec"] for r in rows.get(SAME_NGRAMS_PEER, [])])
        print(f"\n**{tokenizer}** tokens ({tokens[tokenizer]:,} per epoch; vocabulary "
              f"{_median([r['vocab'] for r in next(iter(rows.values()))]):,.0f} at min-count 5)\n")
        print("| system | words/s | vs gensim FastText | vs gensim FastText on jamo | training peak MB "
              "| process peak MB | semantic acc % (coverage) | syntactic acc % (coverage) "
              "| WS353 Spearman (coverage) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for system, runs in rows.items():
            rates = [r["words_per_sec"] for r in runs]
            ratios = [f"{_median(rates) / rate:.2f}x" if rate else "-" for rate in (peer_rate, jamo_rate)]
            cells = [system, _spread(rates, 1e-3, 0, "k"), *ratios, _spread([r["train_peak_mb"] for r in runs]),
                     _spread([r["peak_mb"] for r in runs])]
            for name, key in (("semantic", "accuracy"), ("syntactic", "accuracy"), ("ws353", "spearman")):
                value = _median([r["scores"][name][key] for r in runs])
                coverage = _median([r["scores"][name]["coverage"] for r in runs])
                shown = "-" if value is None else (f"{100 * value:.1f}" if key == "accuracy" else f"{value:.3f}")
                cells.append(f"{shown} ({100 * coverage:.0f} %)")
            print("| " + " | ".join(cells) + " |")


def _summary(scores):
    """The headline numbers of one run's scores (without the per-question verdicts and per-pair cosines)."""
    return {name: {key: value for key, value in score.items() if key in ("accuracy", "spearman", "coverage")}
            for name, score in scores.items()}


def _paired(differences):
    """Mean of paired differences with its 95 % t interval."""
    from scipy import stats
    d = np.asarray(differences, dtype=np.float64)
    if len(d) < 2:
        return f"{d.mean():+.3f}"
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return f"{d.mean():+.3f} [{d.mean() - half:+.3f}, {d.mean() + half:+.3f}]"


def _accuracy_on(scores, base_scores, name):
    """Accuracy % of ``scores`` on the ``name`` questions ``base_scores`` answered (NaN when none)."""
    covered = base_scores[name]["verdicts"]
    verdicts = [scores[name]["verdicts"][key] for key in covered if key in scores[name]["verdicts"]]
    return 100 * np.mean(verdicts) if verdicts else float("nan")


def _on_items(scores, word_scores):
    """(semantic accuracy %, WS353 Spearman) of ``scores`` on the questions and pairs ``word_scores`` answered."""
    from w2vlm.embeddings.correlation import spearman
    covered = word_scores["semantic"]["verdicts"]
    answered = sum(key in scores["semantic"]["verdicts"] for key in covered)
    pairs = [i for i, cosine in enumerate(word_scores["ws353"]["cosines"]) if cosine is not None
             and scores["ws353"]["cosines"][i] is not None]
    rho = spearman([scores["ws353"]["scores"][i] for i in pairs], [scores["ws353"]["cosines"][i] for i in pairs])
    return _accuracy_on(scores, word_scores, "semantic"), rho, answered / max(len(covered), 1)


def print_paired(results, args):
    """Each system against the baseline with the same seed, on the items the baseline covers."""
    baseline = args.baseline
    if baseline not in args.systems:
        return
    print(f"\nPaired with `{baseline}` (same seed), on the questions and WS353 pairs `{baseline}` answers: mean "
          f"difference [95 % t interval] over seeds.\n")
    print("| tokens | system | semantic acc % on those | difference (points) | WS353 ρ on those | difference "
          "| syntactic difference (points) |")
    print("|---|---|---|---|---|---|---|")
    for tokenizer in args.tokenizers:
        base = {r["seed"]: r for r in results if r["system"] == baseline and r["tokenizer"] == tokenizer}
        for system in args.systems:
            if system == baseline:
                continue
            rows = [(_on_items(r["scores"], base[r["seed"]]["scores"]), _on_items(base[r["seed"]]["scores"],
                                                                               base[r["seed"]]["scores"]))
                    for r in results if r["system"] == system and r["tokenizer"] == tokenizer and r["seed"] in base]
            if not rows or any(mine[2] < 1 for mine, _ in rows):   # a system that misses some of those items
                continue
            accuracy = [mine[0] for mine, _ in rows]
            rho = [mine[1] for mine, _ in rows]
            syntactic = [_accuracy_on(r["scores"], base[r["seed"]]["scores"], "syntactic")
                         - _accuracy_on(base[r["seed"]]["scores"], base[r["seed"]]["scores"], "syntactic")
                         for r in results if r["system"] == system and r["tokenizer"] == tokenizer and r["seed"] in base]
            print(f"| {tokenizer} | {system} | {statistics.median(accuracy):.1f} | "
                  f"{_paired([m[0] - b[0] for m, b in rows])} | {statistics.median(rho):.3f} | "
                  f"{_paired([m[1] - b[1] for m, b in rows])} | {_paired(syntactic)} |")


def main():
    args = parse_args()
    if not args.data or not (Path(args.data) / "ko-corpus" / "ratings_test.txt").exists():
        print("skipped: no data folder with ko-corpus/ratings_test.txt (pass --data DIR or set W2VLM_DATA)")
        return 0
    try:
        import gensim
    except ImportError:
        print("skipped: gensim is not installed (pip install 'w2vlm[bench]')")
        return 0
    cache = args.cache or tempfile.mkdtemp(prefix="w2vlm-bench-cache-")
    settings = {"data": str(Path(args.data).resolve()), "cache": cache, "model": args.model, "dim": 100,
                "window": 5, "negatives": 5, "min_count": 5, "sample": 1e-3, "lr": 0.025, "epochs": args.epochs,
                "buckets": args.buckets}
    tokens = {t: encoded_corpus(settings["data"], t, cache).n_tokens for t in args.tokenizers}  # tokenize once
    results = []
    for tokenizer in args.tokenizers:
        for rep in range(args.repeats):
            order = args.systems if rep % 2 == 0 else list(reversed(args.systems))
            for system in order:
                result = run_worker(system, tokenizer, rep, settings)
                results.append(result)
                print(f"{tokenizer:10s} rep {rep} {system:22s} {result['words_per_sec'] / 1e3:7,.0f}k words/s "
                      f"{result['peak_mb'] or 0:6,.0f} MB  " + json.dumps(_summary(result["scores"])), file=sys.stderr,
                      flush=True)
    print(f"\nNSMC ratings_test (50k reviews), {args.model}, dim 100, window 5, negatives 5, sample 1e-3, "
          f"min-count 5, lr 0.025, {args.epochs} epochs, 1 thread, buckets {args.buckets:,}, n-grams 3-6; "
          f"gensim {gensim.__version__}; {platform.machine()}, {os.cpu_count()} cores, load avg "
          f"{os.getloadavg()[0]:.1f}; medians (min–max) of {args.repeats} runs, seeds 0..{args.repeats - 1}. "
          f"Targets: {TARGETS}.")
    print_tables(results, args, tokens)
    print_paired(results, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
