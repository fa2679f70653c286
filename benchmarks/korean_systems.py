"""The systems korean_embeddings.py compares: each trains on the same NSMC tokens and is evaluated by w2vlm's own code.

Run as a worker (``python benchmarks/korean_systems.py SYSTEM TOKENIZER SEED OUT.json [settings]``) so that each
training has its own process and ``/usr/bin/time -v`` sees its peak memory. Every system is turned into a
``WordVectors`` that carries the corpus tokenizer's settings, so kor2vec's eojeol resolve the same way for all:
vocabulary row, the tokenizer's single token, subword n-grams (subword systems only: w2vlm's own, or gensim
FastText's n-gram vectors through a small adapter), then the sum of the tokens' vectors.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

SUBWORD_SYSTEMS = ("w2vlm-korean", "w2vlm-korean-pairs", "w2vlm-jamo", "w2vlm-jamo-target", "gensim-fasttext",
                   "gensim-fasttext-jamo", "w2vlm-jamo-char", "w2vlm-char", "fasttext", "fasttext-jamo")
SYSTEMS = SUBWORD_SYSTEMS[:2] + ("w2vlm-word", "gensim-word2vec") + SUBWORD_SYSTEMS[2:]
W2VLM_SUBWORDS = {"w2vlm-korean": dict(subwords="auto"),   # the default for Hangul text: batched (subword/choice.py)
                  "w2vlm-korean-pairs": dict(subwords="auto", kernel="pairs"),   # the default with the per-pair kernel
                  "w2vlm-word": dict(subwords=None),
                  "w2vlm-jamo": dict(subwords="jamo"), "w2vlm-jamo-target": dict(subwords="jamo"),
                  "w2vlm-jamo-char": dict(subwords="jamo+char", max_n=5),  # Park et al.: jamo 3-5, syllables 1-4
                  "w2vlm-char": dict(subwords="char")}  # syllable n-grams 3-6: gensim FastText's own n-grams
EVAL_FILES = {"semantic": "kor_analogy_semantic.txt", "syntactic": "kor_analogy_syntactic.txt",
              "ws353": "kor_ws353.csv"}


def encoded_corpus(data, tokenizer, cache_dir):
    """NSMC's review column tokenized once (the w2vlm cache makes every later call a cache hit)."""
    from w2vlm.text.corpus import open_corpus
    from w2vlm.text.encode import encode_corpus
    from w2vlm.text.tokenize import get_tokenizer
    os.environ["W2VLM_DATA"] = str(data)
    return encode_corpus(open_corpus(["nsmc"]), get_tokenizer(tokenizer), cache_dir=cache_dir, progress=False)


class GensimSubwords:
    """gensim FastText's own vector for an out-of-vocabulary string (mean of its n-gram buckets), in w2vlm's
    ``subwords`` protocol; ``transform`` maps a word to what gensim was trained on (jamo for the jamo run)."""

    def __init__(self, ft_vectors, transform=None):
        self.wv, self.transform = ft_vectors, transform or (lambda word: word)

    def pieces(self, word):
        from gensim.models.fasttext_inner import compute_ngrams
        return compute_ngrams(self.transform(word), self.wv.min_n, self.wv.max_n)

    def vector(self, word):
        return np.asarray(self.wv.get_vector(self.transform(word)), dtype=np.float32) if self.pieces(word) else None


def _gensim(system, encoded, settings, seed):
    """Train gensim on the same token strings; returns (WordVectors, words/s)."""
    from gensim.models import FastText, Word2Vec
    from w2vlm.embeddings.subword.ngrams import decompose_jamo
    from w2vlm.embeddings.vectors import WordVectors
    jamo = system.endswith("-jamo")
    names = [decompose_jamo(word) for word in encoded.types] if jamo else encoded.types
    ids, offsets = encoded.ids, encoded.line_offsets
    sentences = [[names[i] for i in ids[a:b]] for a, b in zip(offsets[:-1], offsets[1:]) if b > a]
    common = dict(vector_size=settings["dim"], window=settings["window"], negative=settings["negatives"],
                  min_count=settings["min_count"], sample=settings["sample"], sg=int(settings["model"] == "skipgram"),
                  alpha=settings["lr"], min_alpha=0.0001, workers=1, seed=seed)
    if system.startswith("gensim-fasttext"):
        model = FastText(bucket=settings["buckets"], min_n=3, max_n=6, **common)
    else:
        model = Word2Vec(**common)
    model.build_vocab(sentences)
    start = time.perf_counter()
    model.train(sentences, total_examples=model.corpus_count, epochs=settings["epochs"])
    rate = model.corpus_total_words * settings["epochs"] / (time.perf_counter() - start)
    original = {}  # a jamo spelling can be shared (감, typed ㄱㅏㅁ): it stands for its most frequent type
    for name, word, count in sorted(zip(names, encoded.types, encoded.counts), key=lambda item: item[2]):
        original[name] = word
    words = [original[key] for key in model.wv.index_to_key]
    subwords = None
    if system.startswith("gensim-fasttext"):
        subwords = GensimSubwords(model.wv, decompose_jamo if jamo else None)
    vectors = WordVectors(words, model.wv.vectors, model.wv.expandos["count"],
                          tokenizer_config=encoded.tokenizer_config, subwords=subwords)
    return vectors, rate


class FastTextSubwords(GensimSubwords):
    """fastText's own vector for an out-of-vocabulary string (the mean of its n-gram rows, as ``getWordVector``)."""

    def pieces(self, word):
        return list(self.wv.get_subwords(self.transform(word))[0])

    def vector(self, word):
        return np.asarray(self.wv.get_word_vector(self.transform(word)), dtype=np.float32) if self.pieces(word) \
            else None


def _fasttext(system, encoded, settings, seed):
    """fastText's C++ trainer (the fasttext-community binding) on the same tokens, written one line per review;
    returns (WordVectors, words/s). Its seconds include fastText reading the file and counting its vocabulary,
    which it does inside ``train_unsupervised`` (a small part: one pass over the 1M-token file). The binding does
    not pass a seed on, so every repeat is fastText's seed-0 run (one thread: the same vectors each time)."""
    import tempfile
    import fasttext
    from w2vlm.embeddings.subword.ngrams import decompose_jamo
    from w2vlm.embeddings.vectors import WordVectors
    jamo = system.endswith("-jamo")
    names = [decompose_jamo(word) for word in encoded.types] if jamo else list(encoded.types)
    ids, offsets = encoded.ids, encoded.line_offsets
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tokens.txt"
        with open(path, "w", encoding="utf-8") as out:
            for a, b in zip(offsets[:-1], offsets[1:]):
                if b > a:
                    out.write(" ".join(names[i] for i in ids[a:b]) + "\n")
        start = time.perf_counter()
        model = fasttext.train_unsupervised(str(path), model=settings["model"], dim=settings["dim"],
                                            ws=settings["window"], neg=settings["negatives"],
                                            minCount=settings["min_count"], t=settings["sample"], lr=settings["lr"],
                                            epoch=settings["epochs"], thread=1, minn=3, maxn=6,
                                            bucket=settings["buckets"], verbose=0)   # the binding takes no seed
        rate = encoded.n_tokens * settings["epochs"] / (time.perf_counter() - start)
    original = {}  # a jamo spelling can be shared: it stands for its most frequent type
    for name, word, count in sorted(zip(names, encoded.types, encoded.counts), key=lambda item: item[2]):
        original[name] = word
    found, counts = model.get_words(include_freq=True)
    keep = [i for i, word in enumerate(found) if word in original]   # fastText's end-of-line token </s> is not a word
    words = [original[found[i]] for i in keep]
    matrix = np.stack([model.get_word_vector(found[i]) for i in keep]).astype(np.float32)
    vectors = WordVectors(words, matrix, np.asarray(counts)[keep], tokenizer_config=encoded.tokenizer_config,
                          subwords=FastTextSubwords(model, decompose_jamo if jamo else None))
    return vectors, rate


def _w2vlm(system, encoded, settings, seed):
    from w2vlm.embeddings.train import Word2VecConfig, train_vectors
    config = Word2VecConfig(model=settings["model"], dim=settings["dim"], window=settings["window"],
                            negatives=settings["negatives"], min_count=settings["min_count"],
                            sample=settings["sample"], lr=settings["lr"], epochs=settings["epochs"], threads=1,
                            seed=seed, **W2VLM_SUBWORDS.get(system, {}),
                            buckets=settings["buckets"],
                            subword_updates="target" if system.endswith("-target") else "window")
    vectors, history = train_vectors(encoded, config, progress=False)
    return vectors, history.words_per_sec


def evaluate(vectors, eval_dir):
    """kor2vec semantic and syntactic analogies (3CosAdd) and WS353-ko, through w2vlm's evaluation code."""
    scores = {}
    for name in ("semantic", "syntactic"):
        result = vectors.evaluate_analogies(eval_dir / EVAL_FILES[name], per_question=True)
        scores[name] = {"accuracy": result["accuracy"], "coverage": result["coverage"],
                        "correct": [section["correct"] for section in result["sections"]],  # per section
                        "verdicts": {f"{number}:{question}": verdict for number, section in enumerate(result["sections"])
                                     for question, verdict in section["verdicts"].items()}}
    result = vectors.evaluate_pairs(eval_dir / EVAL_FILES["ws353"], per_pair=True)
    scores["ws353"] = {"spearman": result["spearman"], "coverage": result["coverage"], "scores": result["scores"],
                       "cosines": result["cosines"]}
    return scores


def run(system, tokenizer, seed, out, settings):
    encoded = encoded_corpus(settings["data"], tokenizer, settings["cache"])
    train = _w2vlm if system.startswith("w2vlm") else _fasttext if system.startswith("fasttext") else _gensim
    vectors, rate = train(system, encoded, settings, seed)
    train_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # before evaluation loads kiwi
    result = {"system": system, "tokenizer": tokenizer, "seed": seed, "words_per_sec": rate,
              "tokens": encoded.n_tokens, "vocab": len(vectors),
              "train_peak_mb": train_peak_mb,
              "scores": evaluate(vectors, Path(settings["data"]) / "ko-eval")}
    if vectors.subwords is not None and hasattr(vectors.subwords, "buckets"):
        result["ngram_rows"] = len(vectors.subwords.buckets)
    Path(out).write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    import logging
    logging.getLogger("gensim").setLevel(logging.WARNING)
    run(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], json.loads(sys.argv[5]))
