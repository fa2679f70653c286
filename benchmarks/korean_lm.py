"""Korean LMs side by side on NSMC: kiwi --pos morphemes (8k vocabulary), characters, SentencePiece pieces.

    OPENBLAS_NUM_THREADS=1 python benchmarks/korean_lm.py --data $W2VLM_DATA [--epochs 3] [--hidden-size 100]

NSMC's 50k reviews (the ``document`` column) are cut into train (the first 45,000 non-empty reviews), valid and
test (2,500 each), written as plain files; every system runs the same ``w2vlm train-lm`` command (LSTM, the
same embedding and hidden sizes, epochs, batch, bptt, SGD schedule and seed, ``--threads 1``) with only
``--tokenizer`` changed, then ``w2vlm perplexity`` scores the test file and ``w2vlm generate`` draws samples.
Bits per character = the test text's summed log-likelihood in bits / its characters (spaces and one newline per
line included: comparable across tokenizers); <unk> rate = test tokens scored as <unk> / test tokens. Wall-clock
is the whole train-lm command (tokenizing, SentencePiece training, training, test scoring). Note that kiwi and
char drop the spaces (their detokenizer puts them back by rule) while SentencePiece models them: its bits pay
for spaces the others get free; "char, spaces as ▁" is char on the same text with every space spelled ▁, which
pays for them too. kiwi's bits are also low because every word outside its 8k vocabulary is one <unk> token
(the model never says which word). Prints markdown.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SPACE = "▁"   # "char, spaces as ▁": every space spelled ▁, so that the char model predicts spaces too
SYSTEMS = {   # name -> train-lm options
    "kiwi --pos, 8k vocab": ["--tokenizer", "kiwi", "--pos", "--max-vocab", "8000"],
    "char": ["--tokenizer", "char"],
    f"char, spaces as {SPACE}": ["--tokenizer", "char"],
    "sentencepiece:vocab=8000": ["--tokenizer", "sentencepiece:vocab=8000"],
}
PROMPTS = ["이 영화", "배우들 연기가"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=os.environ.get("W2VLM_DATA"),
                        help="folder with ko-corpus/ratings_test.txt (default: $W2VLM_DATA)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--embed-size", type=int, default=100)
    parser.add_argument("--hidden-size", type=int, default=100)
    parser.add_argument("--train-lines", type=int, default=45_000)
    parser.add_argument("--held-lines", type=int, default=2_500, help="lines each for valid and test")
    parser.add_argument("--systems", nargs="+", choices=SYSTEMS, default=list(SYSTEMS))
    return parser.parse_args()


def split_reviews(data, folder, train_lines, held_lines, space=" "):
    """train.txt / valid.txt / test.txt from NSMC's document column (empty reviews skipped; spaces spelled
    ``space``)."""
    with open(Path(data) / "ko-corpus" / "ratings_test.txt", encoding="utf-8", newline="") as handle:
        reviews = [row["document"].strip() for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    reviews = [review for review in reviews if review]
    cuts = {"train": (0, train_lines), "valid": (train_lines, train_lines + held_lines),
            "test": (train_lines + held_lines, train_lines + 2 * held_lines)}
    paths = {}
    for name, (start, end) in cuts.items():
        paths[name] = Path(folder) / f"{name}{'-spaced' if space != ' ' else ''}.txt"
        paths[name].write_text("\n".join(reviews[start:end]).replace(" ", space) + "\n", encoding="utf-8")
    return paths


def w2vlm(*args):
    """Run the w2vlm CLI of this interpreter; returns stdout (stderr passes through)."""
    command = [sys.executable, "-c", "from w2vlm_cli.main import cli; cli()", *map(str, args)]
    return subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout


def run_system(name, options, paths, folder, args):
    out = Path(folder) / "".join(c for c in name if c.isalnum())
    started = time.perf_counter()
    summary = json.loads(w2vlm("--quiet", "--seed", 0, "train-lm", paths["train"], "-o", out, "--valid", paths["valid"],
                               "--test", paths["test"], "--epochs", args.epochs, "--embed-size", args.embed_size,
                               "--hidden-size", args.hidden_size, "--threads", 1, "--json", *options))
    wall = time.perf_counter() - started
    scored = json.loads(w2vlm("--quiet", "perplexity", out, paths["test"], "--json"))
    prompts = [prompt.replace(" ", SPACE) for prompt in PROMPTS] if SPACE in name else PROMPTS
    samples = [json.loads(w2vlm("--quiet", "generate", out, "--prompt", prompt, "--length", 40, "--seed", seed,
                                "--temperature", 0.8, "--stop-at-eos", "--skip", "<unk>", "--json"))["text"]
               .replace(SPACE, " ") for seed, prompt in enumerate(prompts)]
    vocab = len(json.loads((out / "vocab.json").read_text(encoding="utf-8"))["words"])
    return {"system": name, "vocab": vocab, "bpc": scored["bits_per_char"], "ppl": scored["perplexity"],
            "tokens": scored["tokens"], "unk": scored["unk_tokens"] / scored["tokens"], "wall": wall,
            "train_seconds": summary["train_seconds"], "tokens_per_sec": summary["train_tokens_per_sec"],
            "samples": samples}


def main():
    args = parse_args()
    if not args.data or not (Path(args.data) / "ko-corpus" / "ratings_test.txt").is_file():
        sys.exit("give --data (or set W2VLM_DATA) to the folder holding ko-corpus/ratings_test.txt")
    with tempfile.TemporaryDirectory() as folder:
        os.environ.setdefault("W2VLM_CACHE", str(Path(folder) / "cache"))
        paths = split_reviews(args.data, folder, args.train_lines, args.held_lines)
        spaced = split_reviews(args.data, folder, args.train_lines, args.held_lines, space=SPACE)
        results = [run_system(name, SYSTEMS[name], spaced if SPACE in name else paths, folder, args)
                   for name in args.systems]
    print(f"LSTM, embed {args.embed_size}, hidden {args.hidden_size}, {args.epochs} epochs, SGD lr 20 (÷4 on a "
          f"plateau), batch 20, bptt 35, seed 0, 1 thread; train {args.train_lines:,} / valid and test "
          f"{args.held_lines:,} NSMC reviews each\n")
    print("| tokenizer | vocabulary | test bits/char | test ppl | test tokens | <unk> | train tokens/s | "
          "train s | wall-clock s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['system']} | {r['vocab']:,} | {r['bpc']:.3f} | {r['ppl']:.1f} | {r['tokens']:,} | "
              f"{100 * r['unk']:.2f} % | {r['tokens_per_sec']:,.0f} | {r['train_seconds']:.0f} | {r['wall']:.0f} |")
    print()
    for r in results:
        print(f"- {r['system']}: " + " / ".join(f"«{sample}»" for sample in r["samples"]))


if __name__ == "__main__":
    main()
