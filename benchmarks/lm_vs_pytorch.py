"""w2vlm RNNLM vs a PyTorch CPU LSTM language model of the same shape on PTB: train and eval tokens/s, 1 thread.

    W2VLM_DATA=../shared/data python benchmarks/lm_vs_pytorch.py [--configs small,medium] [--repeats 5]

Both models are embedding -> LSTM x L -> linear (tied for medium), trained by SGD (lr 20) with global-norm
clipping 0.25 on the same contiguous batches (batch 20, bptt 35); evaluation is the mean cross-entropy of
batch-10 windows with dropout off (PyTorch under no_grad). The two systems run alternately, each repeat timing
N batches after a warm-up, so that load from other processes hits both alike; medians (min-max) are printed as a
markdown table. The PTB ids come from a plain whitespace vocabulary plus <eos> (no dependency on w2vlm.text).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

CONFIGS = {
    "small": dict(num_layers=1, embed_size=100, hidden_size=100, dropout=0.0, tie_weights=False),
    "medium": dict(num_layers=2, embed_size=650, hidden_size=650, dropout=0.5, tie_weights=True),
}
BATCH, BPTT, EVAL_BATCH, LR, CLIP = 20, 35, 10, 20.0, 0.25


def load_ptb(data_dir):
    """(train_ids, valid_ids, vocab_size) from ptb.train.txt / ptb.valid.txt, <eos> after every line."""
    folder = Path(data_dir) / "ptb"
    vocab = {"<eos>": 0}
    splits = []
    for name in ("ptb.train.txt", "ptb.valid.txt"):
        ids = []
        with open(folder / name, encoding="utf-8") as lines:
            for line in lines:
                for word in line.split() + ["<eos>"]:
                    ids.append(vocab.setdefault(word, len(vocab)))
        splits.append(np.array(ids, dtype=np.int32))
    return splits[0], splits[1], len(vocab)


def batches(ids, batch_size, count):
    """``count`` (xs, ts) windows of (batch_size, BPTT) from ``batch_size`` contiguous streams, cycling."""
    width = (len(ids) - 1) // batch_size
    xs = ids[:batch_size * width].reshape(batch_size, width)
    ts = ids[1:batch_size * width + 1].reshape(batch_size, width)
    out, start = [], 0
    while len(out) < count:
        if start + BPTT > width:
            start = 0
        out.append((np.ascontiguousarray(xs[:, start:start + BPTT]), np.ascontiguousarray(ts[:, start:start + BPTT])))
        start += BPTT
    return out


class W2VLMRunner:
    name = "w2vlm"

    def __init__(self, vocab_size, shape):
        from w2vlm.lm import LMConfig, RNNLM
        from w2vlm.nn.optim import SGD, clip_grads
        self.model = RNNLM(LMConfig(vocab_size=vocab_size, **shape), rng=np.random.default_rng(0))
        self.optimizer, self.clip_grads = SGD(lr=LR), clip_grads

    def train(self, data):
        model = self.model
        model.train()
        model.reset_state()
        for xs, ts in data:
            loss = model.forward(xs, ts)
            model.backward()
            self.clip_grads(model.grads, CLIP)
            self.optimizer.update(model.params, model.grads)
        return float(loss)

    def evaluate(self, data):
        model = self.model
        model.eval()
        model.reset_state()
        total = 0.0
        for xs, ts in data:
            total += float(model.forward(xs, ts))
        return total / len(data)


class TorchRunner:
    name = "pytorch"

    def __init__(self, vocab_size, shape):
        import torch
        from torch import nn
        torch.manual_seed(0)
        self.torch, self.nn = torch, nn
        D, H, L, p = shape["embed_size"], shape["hidden_size"], shape["num_layers"], shape["dropout"]

        class Model(nn.Module):  # PyTorch's examples/word_language_model RNNModel, LSTM
            def __init__(self):
                super().__init__()
                self.drop = nn.Dropout(p)
                self.encoder = nn.Embedding(vocab_size, D)
                self.rnn = nn.LSTM(D, H, L, dropout=p if L > 1 else 0.0, batch_first=True)
                self.decoder = nn.Linear(H, vocab_size)
                if shape["tie_weights"]:
                    self.decoder.weight = self.encoder.weight
                nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
                nn.init.zeros_(self.decoder.bias)
                if not shape["tie_weights"]:
                    nn.init.uniform_(self.decoder.weight, -0.1, 0.1)

            def forward(self, x, hidden):
                out, hidden = self.rnn(self.drop(self.encoder(x)), hidden)
                return self.decoder(self.drop(out)), hidden

        self.model = Model()
        self.loss = nn.CrossEntropyLoss()

    def train(self, data):
        torch, model = self.torch, self.model
        model.train()
        hidden = None
        for xs, ts in data:
            x, t = torch.from_numpy(xs).long(), torch.from_numpy(ts).long()
            if hidden is not None:
                hidden = tuple(h.detach() for h in hidden)
            model.zero_grad()
            logits, hidden = model(x, hidden)
            loss = self.loss(logits.reshape(-1, logits.shape[-1]), t.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(p.grad, alpha=-LR)
        return loss.item()

    def evaluate(self, data):
        torch, model = self.torch, self.model
        model.eval()
        hidden, total = None, 0.0
        with torch.no_grad():
            for xs, ts in data:
                logits, hidden = model(torch.from_numpy(xs).long(), hidden)
                total += float(self.loss(logits.reshape(-1, logits.shape[-1]), torch.from_numpy(ts).long().reshape(-1)))
        return total / len(data)


def timed(fn, data):
    started = time.perf_counter()
    fn(data)
    seconds = time.perf_counter() - started
    return sum(xs.size for xs, _ in data) / seconds


def run_config(label, shape, train_ids, valid_ids, vocab_size, args):
    runners = [W2VLMRunner(vocab_size, shape), TorchRunner(vocab_size, shape)]
    n_train, n_eval = args.train_batches[label], args.eval_batches[label]
    train_data = batches(train_ids, BATCH, n_train * (args.repeats + 1))
    eval_data = batches(valid_ids, EVAL_BATCH, n_eval)
    results = {(r.name, kind): [] for r in runners for kind in ("train", "eval")}
    for r in runners:  # warm-up: numba kernels, BLAS buffers, torch's allocator
        r.train(train_data[:2])
        r.evaluate(eval_data[:2])
    for rep in range(args.repeats):
        chunk = train_data[(rep + 1) * n_train:(rep + 2) * n_train]
        order = runners if rep % 2 == 0 else runners[::-1]
        for r in order:
            results[(r.name, "train")].append(timed(r.train, chunk))
        for r in order:
            results[(r.name, "eval")].append(timed(r.evaluate, eval_data))
        if not args.quiet:
            print(f"  {label} repeat {rep + 1}/{args.repeats}: " + ", ".join(
                f"{name} {kind} {values[-1]:,.0f}" for (name, kind), values in results.items()), file=sys.stderr)
    return results


def fmt(values):
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("W2VLM_DATA"),
                        help="folder holding ptb/ (default $W2VLM_DATA)")
    parser.add_argument("--configs", default="small,medium")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--train-batches", default="small=20,medium=4", help="timed batches per repeat")
    parser.add_argument("--eval-batches", default="small=40,medium=8")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    args.train_batches = dict((k, int(v)) for k, v in (kv.split("=") for kv in args.train_batches.split(",")))
    args.eval_batches = dict((k, int(v)) for k, v in (kv.split("=") for kv in args.eval_batches.split(",")))
    if not args.data or not (Path(args.data) / "ptb" / "ptb.train.txt").exists():
        print(f"skipped: PTB not found (looked for ptb/ptb.train.txt under --data or $W2VLM_DATA = {args.data!r})")
        return 0
    try:
        import torch
    except ImportError:
        print("skipped: PyTorch is not installed (pip install torch==2.13.0; it is a benchmark dependency only)")
        return 0
    from w2vlm.backend import set_threads
    torch.set_num_threads(args.threads)
    set_threads(args.threads)

    train_ids, valid_ids, vocab_size = load_ptb(args.data)
    rows = []
    for label in args.configs.split(","):
        shape = CONFIGS[label]
        res = run_config(label, shape, train_ids, valid_ids, vocab_size, args)
        desc = (f"{label}: {shape['num_layers']}x{shape['hidden_size']}, V={vocab_size:,}"
                + (", dropout 0.5, tied" if shape["tie_weights"] else ""))
        ratio = {k: statistics.median(res[("w2vlm", k)]) / statistics.median(res[("pytorch", k)])
                 for k in ("train", "eval")}
        rows.append(f"| {desc} | {fmt(res[('w2vlm', 'train')])} | {fmt(res[('pytorch', 'train')])} | "
                    f"**{ratio['train']:.2f}x** | {fmt(res[('w2vlm', 'eval')])} | {fmt(res[('pytorch', 'eval')])} | "
                    f"**{ratio['eval']:.2f}x** |")
    print(f"\nLM tokens/s, {args.threads} thread(s) each, median (min-max) of {args.repeats} alternating repeats; "
          f"train batch {BATCH} x bptt {BPTT} (SGD lr {LR:g}, clip {CLIP}), eval batch {EVAL_BATCH} (dropout off); "
          f"torch {torch.__version__}, numpy {np.__version__}\n")
    print("| configuration | w2vlm train | PyTorch train | ratio | w2vlm eval | PyTorch eval | ratio |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
