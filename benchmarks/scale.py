"""Scale: tokenization in-process vs on Dask (1 and 2 local workers), and peak RSS of encode and train at 100/316 MB.

1. Throughput (tokens/s, median (min-max) of --repeats): whitespace on the first --slice-mb MB of the English
   file and kiwi on the first --kiwi-lines NSMC reviews; in-process (``encode_corpus``) vs ``--scheduler`` with a
   LocalCluster of 1 and 2 worker processes. The cluster is started once and every tagger loaded once (one
   untimed run), outside the clock, as on a running cluster; the cluster start time is printed.
2. Memory: every command runs in a fresh process under ``/usr/bin/time -v`` (peak RSS, wall time): ``w2vlm
   encode``, ``train-embeddings DIR`` (dim 100, 1 epoch, 1 thread), ``train-embeddings FILE`` with an empty
   cache and again with the cache filled (cache hit), and the pipeline before shards (``--before COMMIT``: that
   commit's library in a fresh process, the same call train-embeddings made) as the peer.

The English files are PTB's training text, lines shuffled and repeated up to 100 MB and 316 MB; they are made
under --out and never committed. The machine is shared and noisy; times are medians.

    W2VLM_DATA=../shared/data python benchmarks/scale.py --out /tmp/w2vlm-scale [--before 8aaee02]
"""

import argparse
import logging
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
W2VLM = [str(Path(sys.executable).with_name("w2vlm"))]   # the console script beside this Python
TRAIN = ["--epochs", "1", "--threads", "1", "--dim", "100"]


def make_english(path, megabytes, seed):
    """PTB train lines, shuffled and repeated until the file holds ``megabytes`` MB."""
    if path.exists() and path.stat().st_size >= megabytes * 10**6:
        return path
    lines = (Path(os.environ["W2VLM_DATA"]) / "ptb" / "ptb.train.txt").read_text(encoding="utf-8").splitlines(True)
    rng, size = random.Random(seed), 0
    with open(path, "w", encoding="utf-8") as out:
        while size < megabytes * 10**6:
            rng.shuffle(lines)
            for line in lines:
                out.write(line)
                size += len(line)
                if size >= megabytes * 10**6:
                    break
    return path


def head(path, out, megabytes=None, lines=None, column=None):
    """The first MB or lines of a file (of one TSV column) as a plain text file."""
    with open(path, encoding="utf-8") as source, open(out, "w", encoding="utf-8") as target:
        size = count = 0
        for i, line in enumerate(source):
            if column is not None:
                if i == 0:
                    continue
                line = line.rstrip("\n").split("\t")[column] + "\n"
            target.write(line)
            size, count = size + len(line), count + 1
            if (megabytes and size >= megabytes * 10**6) or (lines and count >= lines):
                break
    return out


def throughput(files, repeats):
    """{(tokenizer, setting): [tokens/s, ...]} plus the cluster start times."""
    from distributed import Client, LocalCluster

    from w2vlm.text.corpus import open_corpus
    from w2vlm.text.encode import encode_corpus
    from w2vlm.text.tokenize import get_tokenizer
    results, starts = {}, {}
    clusters = {}
    for workers in (1, 2):
        began = time.perf_counter()
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               silence_logs=logging.ERROR)
        clusters[workers] = (cluster, Client(cluster))
        starts[workers] = time.perf_counter() - began
    try:
        for name, path in files.items():
            tokenizer = get_tokenizer(name)
            list(tokenizer.tokenize_lines(["warm up 이 영화"]))   # model load outside the clock, in-process
            corpus = open_corpus(str(path))
            settings = [("in-process", None)] + [(f"Dask {w} worker{'s' if w > 1 else ''}", clusters[w][1])
                                                 for w in (1, 2)]
            for _, client in settings[1:]:   # the tagger loads once per worker process, outside the clock
                encode_corpus(corpus, tokenizer, cache=False, progress=False, scheduler=client)
            for _ in range(repeats):
                for label, client in settings:
                    began = time.perf_counter()
                    encoded = encode_corpus(corpus, tokenizer, cache=False, progress=False, scheduler=client)
                    seconds = time.perf_counter() - began
                    results.setdefault((name, label), []).append(encoded.n_tokens / seconds)
                    results.setdefault((name, "tokens"), [encoded.n_tokens])
    finally:
        for cluster, client in clusters.values():
            client.close()
            cluster.close()
    return results, starts


def timed(command, env=None):
    """Run ``command`` under /usr/bin/time -v; return (peak RSS MB, wall seconds, its output)."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(map(str, command))}\n{done.stderr[-2000:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr).group(1)
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall.split(":"))))
    return rss, seconds, done.stdout + done.stderr


BEFORE_DRIVER = """
import sys
sys.path.insert(0, sys.argv[1])
import w2vlm
assert w2vlm.__file__.startswith(sys.argv[1]), w2vlm.__file__
from w2vlm.embeddings.train import Word2VecConfig, train_vectors
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import encode_corpus
from w2vlm.text.tokenize import get_tokenizer
encoded = encode_corpus(open_corpus(sys.argv[2]), get_tokenizer("whitespace"), cache_dir=sys.argv[3], progress=False)
vectors, history = train_vectors(encoded, Word2VecConfig(dim=100, epochs=1, threads=1), progress=False)
vectors.save(sys.argv[4])
"""


def memory(sizes, out, before):
    """Rows of (size MB, what, peak RSS MB, seconds)."""
    rows = []
    old_root = None
    if before:
        old_root = out / f"before-{before}"
        if not old_root.exists():
            old_root.mkdir(parents=True)
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", before, "w2vlm"], capture_output=True,
                                     check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old_root)], input=archive, check=True)
    for size in sizes:
        text = make_english(out / f"en-{size}mb.txt", size, seed=size)
        env = dict(os.environ, W2VLM_CACHE=str(out / f"cache-{size}"))
        subprocess.run(W2VLM + ["cache", "clear"], env=env, capture_output=True, check=True)
        shards = out / f"shards-{size}"
        runs = [
            ("encode FILE -o DIR", W2VLM + ["encode", str(text), "-o", str(shards), "--tokenizer", "whitespace"]),
            ("train-embeddings DIR", W2VLM + ["train-embeddings", str(shards), "-o", str(out / "m"), *TRAIN]),
            ("train-embeddings FILE (empty cache)",
             W2VLM + ["train-embeddings", str(text), "--tokenizer", "whitespace", "-o", str(out / "m"), *TRAIN]),
            ("train-embeddings FILE (cache hit)",
             W2VLM + ["train-embeddings", str(text), "--tokenizer", "whitespace", "-o", str(out / "m"), *TRAIN]),
        ]
        if old_root is not None:
            with tempfile.TemporaryDirectory(dir=out) as cache:
                rss, seconds, _ = timed([sys.executable, "-c", BEFORE_DRIVER, str(old_root), str(text), cache,
                                         str(out / "m-before")], env)
            rows.append((size, f"before ({before}): train-embeddings FILE (empty cache)", rss, seconds))
        for what, command in runs:
            rss, seconds, _ = timed(command, env)
            rows.append((size, what, rss, seconds))
            print(f"  {size} MB  {what}: {rss:,.0f} MB, {seconds:.1f} s", file=sys.stderr)
    return rows


def fmt(values):
    if len(values) == 1:
        return f"{values[0]:,.0f}"
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "w2vlm-scale")
    parser.add_argument("--sizes", default="100,316", help="MB of English text for the memory runs")
    parser.add_argument("--slice-mb", type=float, default=20, help="MB of English text for the throughput runs")
    parser.add_argument("--kiwi-lines", type=int, default=3000, help="NSMC reviews for the kiwi throughput runs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", default=None, help="a commit of the pipeline before shards, run as the peer")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("W2VLM_DATA"):
        raise SystemExit("set W2VLM_DATA to the folder with ptb/ and ko-corpus/")
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, shared with other jobs (noisy); python {sys.version.split()[0]}\n")
    if not args.skip_throughput:
        english = head(make_english(args.out / "en-100mb.txt", 100, seed=100), args.out / "en-slice.txt",
                       megabytes=args.slice_mb)
        nsmc = head(Path(os.environ["W2VLM_DATA"]) / "ko-corpus" / "ratings_test.txt", args.out / "nsmc-slice.txt",
                    lines=args.kiwi_lines, column=1)
        results, starts = throughput({"whitespace": english, "kiwi": nsmc}, args.repeats)
        print(f"Tokenization throughput, tokens/s, median (min-max) of {args.repeats}; LocalCluster start "
              f"(not timed): 1 worker {starts[1]:.1f} s, 2 workers {starts[2]:.1f} s\n")
        print("| tokenizer | text | tokens | in-process | Dask 1 worker | Dask 2 workers | 2 workers / in-process |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for name, text in (("whitespace", f"PTB x, first {args.slice_mb:g} MB"),
                           ("kiwi", f"NSMC, first {args.kiwi_lines:,} reviews")):
            here, one, two = (results[(name, k)] for k in ("in-process", "Dask 1 worker", "Dask 2 workers"))
            print(f"| {name} | {text} | {results[(name, 'tokens')][0]:,} | {fmt(here)} | {fmt(one)} | {fmt(two)} | "
                  f"{statistics.median(two) / statistics.median(here):.2f}x |")
        print()
    if not args.skip_memory:
        rows = memory([int(s) for s in args.sizes.split(",")], args.out, args.before)
        print("Peak RSS (/usr/bin/time -v), one run each, whitespace tokenizer; training: dim 100, 1 epoch, "
              "1 thread\n")
        sizes = sorted({size for size, *_ in rows})
        print("| command | " + " | ".join(f"{s} MB: peak RSS | {s} MB: wall" for s in sizes) + " |")
        print("|---|" + "---:|---:|" * len(sizes))
        for what in dict.fromkeys(what for _, what, *_ in rows):
            cells = []
            for s in sizes:
                rss, seconds = next((r, t) for size, w, r, t in rows if size == s and w == what)
                cells += [f"{rss:,.0f} MB", f"{seconds:.1f} s"]
            print(f"| {what} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
