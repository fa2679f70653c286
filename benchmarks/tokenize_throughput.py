"""Tokenization throughput of the text pipeline (encode_corpus, no cache) for kiwi, mecab and okt on NSMC.

Every (tokenizer, workers, repeat) runs in a fresh process. The tagger is warmed up (model load, JVM start) on
one line before the clock starts; with workers > 1 the start of the spawned worker processes (mecab, okt) is
inside the timed region, as a user of ``--workers`` pays it. The cache-hit time is that of the same
encode_corpus call once the cache holds the result (corpus hash + verifying and opening the shards).

    W2VLM_DATA=../shared/data python benchmarks/tokenize_throughput.py [--repeats 2] [--limit LINES]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measure(name, workers, path, limit):
    """One run in this process: {"seconds", "tokens", "lines", "chars", "hit_seconds"}."""
    from w2vlm.text import encode
    from w2vlm.text.corpus import open_corpus
    from w2vlm.text.tokenize import get_tokenizer

    corpus = open_corpus("nsmc")  # the `document` column of the TSV (W2VLM_DATA is set by main)
    assert corpus.files == [path], corpus.files
    if limit:
        lines = [line for _, line in zip(range(limit), corpus)]
        sample = Path(tempfile.mkdtemp()) / "sample.txt"
        sample.write_text("\n".join(lines) + "\n", encoding="utf-8")
        corpus = open_corpus(str(sample))
    chars = sum(len(line) for line in corpus)
    tokenizer = get_tokenizer(name)
    # warm-up outside the clock: model load / JVM start (kiwi: the instance with this many threads)
    list(tokenizer.tokenize_lines(["이 영화 진짜 재밌어요"], workers=workers if name == "kiwi" else 1))
    with tempfile.TemporaryDirectory() as cache_dir:
        start = time.perf_counter()   # a cold run writes the shards into the cache, as every first run does
        encoded = encode.encode_corpus(corpus, tokenizer, workers=workers, cache_dir=cache_dir, progress=False)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        hit = encode.encode_corpus(corpus, tokenizer, cache_dir=cache_dir, progress=False)
        hit_seconds = time.perf_counter() - start
        assert hit.cache_hit and not encoded.cache_hit
    return {"seconds": seconds, "tokens": encoded.n_tokens, "lines": encoded.n_lines, "chars": chars,
            "hit_seconds": hit_seconds}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("W2VLM_DATA"), help="folder with ko-corpus/ratings_test.txt")
    parser.add_argument("--tokenizers", default="kiwi,mecab,okt")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0, help="only the first LINES reviews (0: all)")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "WORKERS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.data or not (Path(args.data) / "ko-corpus" / "ratings_test.txt").is_file():
        sys.exit("set W2VLM_DATA (or --data) to the folder that holds ko-corpus/ratings_test.txt")
    path = Path(args.data) / "ko-corpus" / "ratings_test.txt"
    if args.child:
        os.environ["W2VLM_DATA"] = args.data
        print(json.dumps(measure(args.child[0], int(args.child[1]), path, args.limit)))
        return
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "W2VLM_DATA": args.data}
    rows = []
    for name in args.tokenizers.split(","):
        for workers in map(int, args.workers.split(",")):
            runs = []
            for _ in range(args.repeats):
                command = [sys.executable, __file__, "--data", args.data, "--limit", str(args.limit),
                           "--child", name, str(workers)]
                done = subprocess.run(command, capture_output=True, text=True, env=env)
                if done.returncode != 0:
                    sys.exit(f"{name} workers={workers} failed:\n{done.stderr[-2000:]}")
                runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(f"# {name} workers={workers}: {runs[-1]}", file=sys.stderr, flush=True)
            rows.append((name, workers, runs))
    print(f"NSMC test split (document column): {runs[0]['lines']:,} reviews, {runs[0]['chars']:,} characters; "
          f"median of {args.repeats} runs, each in a fresh process\n")
    print("| tokenizer | workers | tokens | seconds (runs) | tokens/s | chars/s | cache hit (s) |")
    print("|---|---|---|---|---|---|---|")
    for name, workers, runs in rows:
        seconds = statistics.median(run["seconds"] for run in runs)
        hit = statistics.median(run["hit_seconds"] for run in runs)
        spread = ", ".join(f"{run['seconds']:.1f}" for run in runs)
        print(f"| {name} | {workers} | {runs[0]['tokens']:,} | {seconds:.1f} ({spread}) | "
              f"{runs[0]['tokens'] / seconds:,.0f} | {runs[0]['chars'] / seconds:,.0f} | {hit:.2f} |")


if __name__ == "__main__":
    main()
