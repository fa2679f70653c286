"""Word-vector benchmarks as gensim scores them: Google analogy questions (3CosAdd/3CosMul) and word-pair Spearman."""

import csv
import logging

import numpy as np

from ..errors import CorpusError

logger = logging.getLogger("w2vlm")

_CANDIDATES = 5           # gensim looks at the 5 best answers and skips question words among them
_BATCH_SCORES = 1 << 23   # questions are scored in blocks of about this many floats


def _read_lines(path):
    """Lines of a UTF-8 file (a byte-order mark is dropped); undecodable bytes become a CorpusError."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.read().splitlines()
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path} is not UTF-8 ({exc.reason} at byte {exc.start}); convert it, "
                          "e.g. iconv -f cp949 -t utf-8") from None


def _known_words(wv, restrict_vocab, case_insensitive):
    """Folded word -> row among the first ``restrict_vocab`` words; the first (most frequent) case variant wins."""
    known = {}
    for row, word in enumerate(wv.words[:restrict_vocab]):
        known.setdefault(word.upper() if case_insensitive else word, row)
    return known


def _ratio(part, whole):
    return part / whole if whole else None


def _parse_analogies(path, known, case_insensitive):
    sections, skipped = [], 0
    for line in _read_lines(path):
        if line.startswith(": "):
            sections.append({"section": line.lstrip(": ").strip(), "questions": [], "oov": 0})
            continue
        words = line.split()
        if len(words) != 4:
            skipped += bool(words)
            continue
        if not sections:
            sections.append({"section": "(no section)", "questions": [], "oov": 0})
        if case_insensitive:
            words = [word.upper() for word in words]
        if all(word in known for word in words):
            sections[-1]["questions"].append(words)
        else:
            sections[-1]["oov"] += 1
    return sections, skipped


def _answer_candidates(wv, rows, limit, method, eps):
    """(n, 5) best rows for questions rows (n, 3) = (a, b, c), question rows themselves excluded."""
    unit = wv.unit_vectors[:limit]  # (V', D)
    a, b, c = (wv.unit_vectors[rows[:, i]] for i in range(3))  # each (n, D)
    if method == "add":
        scores = (b + c - a) @ unit.T  # (n, V'): ranks as the cosine with the normalized b - a + c
    else:
        def shifted_cosine(x):  # (n, V') cosines moved to [0, 1], in place to spare memory
            cos = x @ unit.T
            cos += 1.0
            cos *= 0.5
            return cos

        scores = shifted_cosine(b)
        scores *= shifted_cosine(c)
        scores /= shifted_cosine(a) + eps
    np.put_along_axis(scores, rows, -np.inf, axis=1)
    k = min(_CANDIDATES, limit)
    best = np.empty((len(rows), k), dtype=np.int64)
    valid = np.empty((len(rows), k), dtype=bool)
    every = np.arange(len(rows))
    for j in range(k):  # k argmax passes are ~10x faster than argpartition over a wide row
        best[:, j] = scores.argmax(axis=1)
        valid[:, j] = scores[every, best[:, j]] != -np.inf
        scores[every, best[:, j]] = -np.inf
    return best, valid


def evaluate_analogies(wv, path, restrict_vocab=300000, case_insensitive=True, method="add", eps=None):
    """Accuracy on "a b c d" questions (a is to b as c is to d) grouped by ': section' lines, as gensim's
    evaluate_word_analogies: questions with a word outside the first ``restrict_vocab`` words are counted as OOV
    and not scored; the answer is the best word that is not a question word."""
    from .vectors import COSMUL_EPS
    if method not in ("add", "mul"):
        raise ValueError(f"unknown analogy method {method!r}; use 'add' (3CosAdd) or 'mul' (3CosMul)")
    eps = COSMUL_EPS if eps is None else eps
    limit = len(wv) if restrict_vocab is None else min(int(restrict_vocab), len(wv))
    known = _known_words(wv, limit, case_insensitive)
    sections, skipped = _parse_analogies(path, known, case_insensitive)
    if not any(section["questions"] or section["oov"] for section in sections):
        raise CorpusError(f"{path} holds no analogy questions (lines of 4 words after ': section' lines)")
    fold = str.upper if case_insensitive else str
    batch = max(1, _BATCH_SCORES // max(limit, 1))
    results = []
    for section in sections:
        questions, correct = section["questions"], 0
        for begin in range(0, len(questions), batch):
            block = questions[begin:begin + batch]
            rows = np.array([[known[word] for word in question[:3]] for question in block], dtype=np.int64)
            best, valid = _answer_candidates(wv, rows, limit, method, eps)
            for question, candidates, ok in zip(block, best, valid):
                predicted = None
                for row in candidates[ok]:
                    predicted = fold(wv.words[row])
                    if predicted not in question[:3]:
                        break
                correct += predicted == question[3]
        evaluated = len(questions)
        results.append({"section": section["section"], "accuracy": _ratio(correct, evaluated), "correct": correct,
                        "evaluated": evaluated, "oov": section["oov"]})
        if evaluated:
            logger.debug("%s: %.1f%% (%d/%d)", section["section"], 100.0 * correct / evaluated, correct, evaluated)
    correct = sum(section["correct"] for section in results)
    evaluated = sum(section["evaluated"] for section in results)
    oov = sum(section["oov"] for section in results)
    if oov:
        logger.debug("%d of %d questions have words outside the first %d words and were not scored",
                    oov, oov + evaluated, limit)
    return {"accuracy": _ratio(correct, evaluated), "correct": correct, "evaluated": evaluated, "oov": oov,
            "questions": evaluated + oov, "oov_ratio": _ratio(oov, evaluated + oov), "skipped_lines": skipped,
            "method": method, "restrict_vocab": limit, "case_insensitive": case_insensitive,
            "path": str(path), "sections": results}


def _split_pair_line(line, delimiter):
    if delimiter == ",":
        fields = next(csv.reader([line]))
    else:
        fields = line.split(delimiter)
    return [field.strip() for field in fields]


def _parse_pairs(path, delimiter):
    """(word1, word2, score) rows; '#' lines, blank lines, headers and malformed lines are skipped (and counted)."""
    rows, skipped = [], 0
    for line in _read_lines(path):
        if not line.strip() or line.startswith("#"):
            continue
        if delimiter is None:
            delimiter = "\t" if "\t" in line else "," if "," in line else " "
        fields = _split_pair_line(line, delimiter if delimiter != " " else None)
        try:
            first, second, score = fields
            rows.append((first, second, float(score)))
        except ValueError:
            skipped += 1
    return rows, skipped


def average_ranks(values):
    """1-based ranks, ties sharing their mean rank (scipy.stats.rankdata's 'average')."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(values)]
    ranks = np.empty(len(values))
    ranks[order] = np.repeat((starts + 1 + ends) / 2.0, ends - starts)
    return ranks


def pearson(x, y):
    """Pearson's r, or None when either side is constant or has fewer than two values."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if len(x) < 2:
        return None
    x, y = x - x.mean(), y - y.mean()
    denominator = np.sqrt((x @ x) * (y @ y))
    return float(x @ y / denominator) if denominator > 0 else None


def spearman(x, y):
    """Spearman's rho: Pearson's r of the average ranks."""
    return pearson(average_ranks(x), average_ranks(y)) if len(x) >= 2 else None


def evaluate_pairs(wv, path, delimiter=None, case_insensitive=True, restrict_vocab=300000):
    """Spearman and Pearson correlation of cosine similarity with human scores, as gensim's evaluate_word_pairs.

    Lines are ``word1 <delimiter> word2 <delimiter> score``; the delimiter (tab, comma or spaces) is taken from
    the first data line unless given.  Pairs with a word outside the first ``restrict_vocab`` words are counted
    in ``oov`` / ``oov_ratio`` (a fraction) and not scored."""
    limit = len(wv) if restrict_vocab is None else min(int(restrict_vocab), len(wv))
    known = _known_words(wv, limit, case_insensitive)
    rows, skipped = _parse_pairs(path, delimiter)
    if not rows:
        raise CorpusError(f"{path} holds no word pairs (lines 'word1<TAB>word2<TAB>score', or comma-separated)")
    gold, model, oov = [], [], 0
    unit = wv.unit_vectors
    for first, second, score in rows:
        if case_insensitive:
            first, second = first.upper(), second.upper()
        if first not in known or second not in known:
            oov += 1
            continue
        gold.append(score)
        model.append(float(unit[known[first]] @ unit[known[second]]))
    result = {"spearman": spearman(gold, model), "pearson": pearson(gold, model),
              "oov_ratio": oov / len(rows), "pairs": len(rows), "evaluated": len(gold), "oov": oov,
              "skipped_lines": skipped, "restrict_vocab": limit, "case_insensitive": case_insensitive,
              "path": str(path)}
    if result["spearman"] is not None:
        logger.debug("%s: Spearman %.4f, Pearson %.4f, %d/%d pairs out of vocabulary", path,
                    result["spearman"], result["pearson"] or float("nan"), oov, len(rows))
    return result
