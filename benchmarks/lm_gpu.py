"""w2vlm's RNNLM on CuPy vs PyTorch's cuDNN nn.LSTM on the same GPU: training and evaluation tokens/s on PTB.

    W2VLM_DATA=../shared/data python benchmarks/lm_gpu.py [--batches 20 64 128] [--steps 60] [--repeats 3] [--tf32]

The network is the book's BetterRnnlm / PyTorch word_language_model "medium": embedding 650 -> 2 x LSTM 650 ->
linear tied to the embedding, dropout 0.5 on the embedding, between layers and on the output; bptt 35, SGD lr 20,
global-norm clipping 0.25. Both systems read device-resident batches cut from the same PTB stream and carry the
hidden state across windows (truncated BPTT). w2vlm runs twice: with the plain xp layers ("w2vlm-xp") and with
``w2vlm.nn.fast_gpu`` (fused LSTM gates + softmax-CE, "w2vlm-fused": ``RNNLM(..., fused=True)``). Evaluation: dropout off, the same batch size, loss of each window. Each repeat
times --steps windows after warm-up, synchronizing the device before reading the clock; systems alternate order.
TF32 is off for both unless --tf32 (cuDNN's own default is on; it is switched off here for a like-for-like run).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

D = H = 650
BPTT, LR, CLIP, DROPOUT = 35, 20.0, 0.25, 0.5


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", default=os.environ.get("W2VLM_DATA"), help="folder holding ptb/ (default $W2VLM_DATA)")
    p.add_argument("--batches", type=int, nargs="+", default=[20, 64, 128])
    p.add_argument("--steps", type=int, default=60, help="timed windows per repeat")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--systems", default="w2vlm-xp,w2vlm-fused,pytorch")
    p.add_argument("--tf32", action="store_true", help="TF32 matmuls for both (CUPY_TF32=1, torch allow_tf32)")
    return p.parse_args()


def load_ptb(data_dir):
    """(train ids, vocabulary size): whitespace words plus <eos> after every line."""
    vocab, ids = {"<eos>": 0}, []
    with open(Path(data_dir) / "ptb" / "ptb.train.txt", encoding="utf-8") as lines:
        for line in lines:
            ids.extend(vocab.setdefault(word, len(vocab)) for word in line.split() + ["<eos>"])
    return np.array(ids, dtype=np.int32), len(vocab)


def windows(stream, batch, count):
    """``count`` (xs, ts) device views of (batch, BPTT) from ``batch`` contiguous rows of ``stream``, cycling."""
    width = (len(stream) - 1) // batch
    xs, ts = stream[:batch * width].reshape(batch, width), stream[1:batch * width + 1].reshape(batch, width)
    starts = [(i * BPTT) % (width - BPTT) for i in range(count)]
    return [(xs[:, s:s + BPTT], ts[:, s:s + BPTT]) for s in starts]


class W2VLM:
    def __init__(self, name, vocab_size, hidden=H):
        import cupy
        from w2vlm.lm import LMConfig, RNNLM
        from w2vlm.nn.optim import SGD, clip_grads
        self.name, self.cupy, self.clip_grads = name, cupy, clip_grads
        config = LMConfig(vocab_size=vocab_size, num_layers=2, embed_size=hidden, hidden_size=hidden,
                          dropout=DROPOUT, tie_weights=True)
        self.model = RNNLM(config, xp=cupy, rng=np.random.default_rng(0), fused=name == "w2vlm-fused")
        self.optimizer = SGD(lr=LR)

    def reset(self):
        """Forget the carried hidden state (a new batch size starts)."""
        self.model.reset_state()

    def train(self, data):
        model = self.model
        model.train()
        for xs, ts in data:
            loss = model.forward(xs, ts)
            model.backward()
            self.clip_grads(model.grads, CLIP)
            self.optimizer.update(model.params, model.grads)
        return loss

    def evaluate(self, data):
        model = self.model
        model.eval()
        total = 0.0
        for xs, ts in data:
            total = total + model.forward(xs, ts)
        return total / len(data)

    def sync(self):
        self.cupy.cuda.Device().synchronize()


class Torch:
    name = "pytorch"

    def __init__(self, vocab_size, tf32, hidden=H):
        import torch
        from torch import nn
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        torch.manual_seed(0)
        self.torch = torch

        class Model(nn.Module):  # PyTorch examples/word_language_model RNNModel (LSTM, tied)
            def __init__(self):
                super().__init__()
                self.drop = nn.Dropout(DROPOUT)
                self.encoder = nn.Embedding(vocab_size, hidden)
                self.rnn = nn.LSTM(hidden, hidden, 2, dropout=DROPOUT, batch_first=True)
                self.decoder = nn.Linear(hidden, vocab_size)
                self.decoder.weight = self.encoder.weight
                nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
                nn.init.zeros_(self.decoder.bias)

            def forward(self, x, hidden):
                out, hidden = self.rnn(self.drop(self.encoder(x)), hidden)
                return self.decoder(self.drop(out)), hidden

        self.model = Model().cuda()
        self.loss = nn.CrossEntropyLoss()
        self.hidden = None

    def reset(self):
        self.hidden = None

    def to_device(self, data):
        import torch.utils.dlpack
        return [(self.torch.from_dlpack(xs).long().contiguous(), self.torch.from_dlpack(ts).long().contiguous())
                for xs, ts in data]

    def train(self, data):
        torch, model = self.torch, self.model
        model.train()
        for x, t in data:
            if self.hidden is not None:
                self.hidden = tuple(h.detach() for h in self.hidden)
            model.zero_grad(set_to_none=True)
            logits, self.hidden = model(x, self.hidden)
            loss = self.loss(logits.reshape(-1, logits.shape[-1]), t.reshape(-1))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(p.grad, alpha=-LR)
        return loss

    def evaluate(self, data):
        torch, model = self.torch, self.model
        model.eval()
        hidden, total = None, 0.0
        with torch.no_grad():
            for x, t in data:
                logits, hidden = model(x, hidden)
                total = total + self.loss(logits.reshape(-1, logits.shape[-1]), t.reshape(-1))
        return total / len(data)

    def sync(self):
        self.torch.cuda.synchronize()


def timed(system, fn, data):
    system.sync()
    start = time.perf_counter()
    result = fn(data)
    system.sync()
    return data_tokens(data) / (time.perf_counter() - start), float(result)


def data_tokens(data):
    return sum(int(np.prod(xs.shape)) for xs, _ in data)


def run_batch(batch, systems, stream, args):
    data = windows(stream, batch, args.warmup + args.steps * args.repeats)
    per_system = {s.name: (s.to_device(data) if hasattr(s, "to_device") else data) for s in systems}
    results = {(s.name, kind): [] for s in systems for kind in ("train", "eval", "loss")}
    for s in systems:  # compile kernels, create cuBLAS/cuDNN handles, fill the allocators
        s.reset()  # the hidden state of the previous batch size does not fit this one
        s.train(per_system[s.name][:args.warmup])
        s.evaluate(per_system[s.name][:2])
    for rep in range(args.repeats):
        chunk = slice(args.warmup + rep * args.steps, args.warmup + (rep + 1) * args.steps)
        order = systems if rep % 2 == 0 else systems[::-1]
        for s in order:
            rate, loss = timed(s, s.train, per_system[s.name][chunk])
            results[(s.name, "train")].append(rate)
            results[(s.name, "loss")].append(loss)
        for s in order:
            results[(s.name, "eval")].append(timed(s, s.evaluate, per_system[s.name][chunk])[0])
        print(f"batch {batch} repeat {rep + 1}: " + ", ".join(
            f"{name} {kind} {values[-1]:,.0f}" for (name, kind), values in results.items() if kind != "loss"),
            file=sys.stderr, flush=True)
    return results


def main():
    args = parse_args()
    if args.tf32:
        os.environ["CUPY_TF32"] = "1"  # read when CuPy loads
    if not args.data or not (Path(args.data) / "ptb" / "ptb.train.txt").exists():
        print(f"skipped: PTB not found under --data or $W2VLM_DATA ({args.data!r})")
        return 0
    from w2vlm.backend import gpu_available
    if not gpu_available():
        print("skipped: no usable CUDA device for CuPy (run this on the GPU machine)")
        return 0
    import cupy
    ids, vocab_size = load_ptb(args.data)
    stream = cupy.asarray(ids)
    names = args.systems.split(",")
    systems = [W2VLM(n, vocab_size) for n in names if n.startswith("w2vlm")]
    if "pytorch" in names:
        try:
            systems.append(Torch(vocab_size, args.tf32))
        except ImportError:
            print("PyTorch is not installed: comparing w2vlm variants only", file=sys.stderr)
    rows = []
    for batch in args.batches:
        res = run_batch(batch, systems, stream, args)
        med = {k: statistics.median(v) for k, v in res.items()}
        ref = "pytorch" if any(s.name == "pytorch" for s in systems) else systems[0].name
        for s in systems:
            rows.append(f"| {batch} | {s.name} | {med[(s.name, 'train')]:,.0f} | "
                        f"{med[(s.name, 'train')] / med[(ref, 'train')]:.2f}x | {med[(s.name, 'eval')]:,.0f} | "
                        f"{med[(s.name, 'eval')] / med[(ref, 'eval')]:.2f}x | {res[(s.name, 'loss')][-1]:.3f} |")
    torch = sys.modules.get("torch")
    print(f"\n2 x LSTM {H}, tied, dropout {DROPOUT}, V={vocab_size:,}, bptt {BPTT}, SGD lr {LR:g}, clip {CLIP}; "
          f"TF32 {'on' if args.tf32 else 'off'}; median of {args.repeats} x {args.steps} windows; "
          f"{cupy.cuda.runtime.getDeviceProperties(0)['name'].decode()}, cupy {cupy.__version__}, "
          f"torch {torch.__version__ if torch else 'absent'}\n")
    print(f"| batch | system | train tok/s | vs {ref} | eval tok/s | vs {ref} | last train loss |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
