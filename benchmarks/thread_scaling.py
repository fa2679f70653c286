"""Where two threads go: one word2vec trainer with 2 threads vs two 1-thread trainers in separate processes.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 python benchmarks/thread_scaling.py \\
        --data $W2VLM_DATA [--repeats 3] [--model cbow] [--systems w2vlm-pairs w2vlm-batched gensim]

For each system, three measurements on PTB (the settings of word2vec_vs_gensim.py):
``solo``: one process, 1 thread; ``2 processes``: two 1-thread processes started together, each training its own
copy of the model (nothing shared, so only the machine's cores, caches and memory bandwidth are shared); ``2
threads``: one process, 2 threads on one shared model (Hogwild), which also shares the model's cache lines.
If two processes reach about 2x solo but two threads do not, the loss is in the shared model (cache lines written
by both threads), not in the machine. Each measurement is a fresh process; words/s = corpus words x epochs /
training seconds. A second table isolates the model from everything else a run shares (its blocks, barriers and
stream): the per-pair numba loop over each half of PTB (one epoch) from two Python threads at once (the loop
releases the GIL), on one shared model and on a model each, against one thread over all of PTB. Prints markdown
tables of medians over repeats.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("W2VLM_DATA"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", choices=["cbow", "skipgram"], default="cbow")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--systems", nargs="+", default=["w2vlm-pairs", "w2vlm-batched", "gensim"])
    parser.add_argument("--worker", nargs=3, metavar=("SYSTEM", "THREADS", "SEED"), help=argparse.SUPPRESS)
    return parser.parse_args()


def worker(args, system, threads, seed):
    """Train once and print {"words_per_sec": ...} (run in its own process)."""
    import logging
    sys.path.insert(0, str(HERE.parent))
    from word2vec_vs_gensim import train_gensim, train_w2vlm
    from w2vlm.text.corpus import open_corpus
    from w2vlm.text.encode import encode_corpus
    from w2vlm.text.tokenize import get_tokenizer
    logging.getLogger("gensim").setLevel(logging.WARNING)
    settings = argparse.Namespace(model=args.model, dim=100, window=5, negatives=5, sample=1e-3, min_count=1,
                                  epochs=args.epochs)
    train_path = Path(args.data) / "ptb" / "ptb.train.txt"
    if system == "gensim":
        sentences = [line.split() for line in train_path.read_text(encoding="utf-8").splitlines() if line.split()]
        _, rate = train_gensim(sentences, settings, threads, seed)
    else:
        with tempfile.TemporaryDirectory() as cache:
            encoded = encode_corpus(open_corpus([str(train_path)]), get_tokenizer("whitespace"), cache_dir=cache,
                                    progress=False)
            _, rate, _, _ = train_w2vlm(encoded, settings, threads, seed, system.split("-")[1])
    print(json.dumps({"words_per_sec": rate}))


def private_or_shared(args):
    """{mode: words/s}: the per-pair loop on all lines (one thread), or on two halves from two Python threads
    sharing one model or each with its own."""
    import threading
    import time
    import numpy as np
    from w2vlm.embeddings.cbow import init_weights
    from w2vlm.embeddings.kernels import word2vec_cpu
    from w2vlm.embeddings.training.sampling import UnigramSampler, keep_probabilities
    from w2vlm.embeddings.training.stream import CorpusStream
    from w2vlm.text.corpus import open_corpus
    from w2vlm.text.encode import encode_corpus
    from w2vlm.text.tokenize import get_tokenizer
    from w2vlm.text.vocab import Vocab
    with tempfile.TemporaryDirectory() as cache:
        encoded = encode_corpus(open_corpus([str(Path(args.data) / "ptb" / "ptb.train.txt")]),
                                get_tokenizer("whitespace"), cache_dir=cache, progress=False)
        vocab = Vocab.from_counts(encoded.types, encoded.counts, min_count=1, specials=())
        (ids, offsets), = CorpusStream(encoded, vocab).pieces()   # PTB is one piece
    counts = np.asarray(vocab.counts)
    keep, sampler = keep_probabilities(counts, 1e-3), UnigramSampler(counts, 0.75, np.random.default_rng(0))
    lines, cbow = len(offsets) - 1, args.model == "cbow"

    def model():
        return init_weights(len(counts), 100, np.random.default_rng(1))

    def chunk(weights, first, last, seed):
        word2vec_cpu._train_chunk(weights[0], weights[1], weights[0][:0], weights[1][:0], ids, offsets, first, last,
                                  keep, True, sampler.alias_prob, sampler.alias, 5, True, 5, cbow, 0.025, 0.02,
                                  np.uint64(seed))

    chunk(model(), 0, 10, 1)   # compile (or load) the loop untimed
    rates = {"one thread": [], "two threads, one shared model": [], "two threads, a model each": []}
    for rep in range(args.repeats):
        for mode in rates:
            start = time.perf_counter()
            if mode == "one thread":
                chunk(model(), 0, lines, rep)
            else:
                models = [model(), model()] if mode.endswith("each") else [model()] * 2
                half = lines // 2
                workers = [threading.Thread(target=chunk, args=(models[k], k * half, half + k * (lines - half),
                                                                 2 * rep + k)) for k in range(2)]
                for worker_thread in workers:
                    worker_thread.start()
                for worker_thread in workers:
                    worker_thread.join()
            rates[mode].append(len(ids) / (time.perf_counter() - start))
    return rates


def launch(args, system, threads, seed):
    command = [sys.executable, str(HERE), "--data", args.data, "--model", args.model, "--epochs", str(args.epochs),
               "--worker", system, str(threads), str(seed)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rate_of(process):
    out, err = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"a worker failed:\n{err[-2000:]}")
    return json.loads(out.strip().splitlines()[-1])["words_per_sec"]


def main():
    args = parse_args()
    if args.worker:
        system, threads, seed = args.worker
        worker(args, system, int(threads), int(seed))
        return 0
    if not args.data or not (Path(args.data) / "ptb" / "ptb.train.txt").exists():
        print("skipped: no data folder with ptb/ptb.train.txt (pass --data DIR or set W2VLM_DATA)")
        return 0
    results = {(system, mode): [] for system in args.systems for mode in ("solo", "procs", "threads")}
    for rep in range(args.repeats):
        for system in (args.systems if rep % 2 == 0 else args.systems[::-1]):
            results[(system, "solo")].append(rate_of(launch(args, system, 1, rep)))
            pair = [launch(args, system, 1, rep), launch(args, system, 1, rep + 100)]
            results[(system, "procs")].append(sum(rate_of(p) for p in pair))
            results[(system, "threads")].append(rate_of(launch(args, system, 2, rep)))
            print(f"rep {rep} {system}: " + ", ".join(f"{mode} {results[(system, mode)][-1] / 1e3:,.0f}k"
                                                      for mode in ("solo", "procs", "threads")),
                  file=sys.stderr, flush=True)
    print(f"\nPTB, {args.model}, {args.epochs} epochs, dim 100, window 5, negatives 5, sample 1e-3; {os.cpu_count()} "
          f"cores, load avg {os.getloadavg()[0]:.1f}; medians of {args.repeats} (words/s; for two processes the sum "
          f"of both).\n")
    print("| system | 1 thread | 2 processes x 1 thread (sum) | vs 1 thread | 1 process x 2 threads | vs 1 thread |")
    print("|---|---|---|---|---|---|")
    for system in args.systems:
        solo, procs, threads = (statistics.median(results[(system, mode)]) for mode in ("solo", "procs", "threads"))
        print(f"| {system} | {solo / 1e3:,.0f}k | {procs / 1e3:,.0f}k | {procs / solo:.2f}x | {threads / 1e3:,.0f}k "
              f"| {threads / solo:.2f}x |")
    rates = private_or_shared(args)
    one = statistics.median(rates["one thread"])
    print(f"\nThe per-pair loop alone, one epoch of PTB, {args.model}, medians of {args.repeats}:\n")
    print("| run | words/s | vs one thread |")
    print("|---|---|---|")
    for mode, values in rates.items():
        print(f"| {mode} | {statistics.median(values) / 1e3:,.0f}k | {statistics.median(values) / one:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
