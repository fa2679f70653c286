"""Analogy accuracy and word-pair correlation as gensim scores them, in w2vlm's result dicts and in gensim's shapes."""

import logging

import numpy as np

from ..errors import CorpusError
from .correlation import pearson, spearman, with_pvalue
from .eval_formats import parse_analogies, parse_pairs
from .resolve import Resolver
from .similarity import COSMUL_EPS, GENSIM_COSMUL_EPS

logger = logging.getLogger("w2vlm")

_CANDIDATES = 5           # gensim looks at the 5 best answers and skips question words among them
_BATCH_SCORES = 1 << 23   # questions are scored in blocks of about this many floats


def _ratio(part, whole):
    return part / whole if whole else None


def _unit(vector):
    return vector / max(float(np.linalg.norm(vector)), 1e-30)


class _CandidateSet:
    """The analogy answer candidates: the first ``limit`` vocabulary rows plus every test-file word that resolves
    to a vector outside them (composed or subword vectors), each a unit row with a key it is compared by."""

    def __init__(self, wv, resolver, words, fold):
        limit = resolver.limit
        self.keys = [fold(word) for word in wv.words[:limit]]
        self.index, self.sources, extra = {}, {}, []
        for word in words:
            resolved = resolver.resolve(word)
            if resolved is None:
                self.sources[word] = "unknown"
                continue
            self.sources[word] = resolved.source
            if resolved.row is not None:
                self.index[word] = resolved.row
            else:
                self.index[word] = limit + len(extra)
                self.keys.append(fold(word))
                extra.append(_unit(resolved.vector))
        unit = wv.unit_vectors[:limit]
        self.unit = np.vstack([unit, np.asarray(extra, dtype=np.float32)]) if extra else unit  # (V' + extra, D)
        self.n_extra = len(extra)

    def __len__(self):
        return len(self.keys)


def _source_counts(sources):
    counts = {"vocabulary": 0, "token": 0, "subwords": 0, "composed": 0, "unknown": 0}
    for source in sources.values():
        counts[source] += 1
    return counts


def _answer_candidates(unit, rows, method, eps):
    """(n, 5) best candidate rows for questions rows (n, 3) = (a, b, c), question rows themselves excluded."""
    a, b, c = (unit[rows[:, i]] for i in range(3))  # each (n, D)
    if method == "add":
        scores = (b + c - a) @ unit.T  # (n, C): ranks as the cosine with the normalized b - a + c
    else:
        def shifted_cosine(x):  # (n, C) cosines moved to [0, 1], in place to spare memory
            cos = x @ unit.T
            cos += 1.0
            cos *= 0.5
            return cos

        scores = shifted_cosine(b)
        scores *= shifted_cosine(c)
        scores /= shifted_cosine(a) + eps
    np.put_along_axis(scores, rows, -np.inf, axis=1)
    k = min(_CANDIDATES, len(unit))
    best = np.empty((len(rows), k), dtype=np.int64)
    valid = np.empty((len(rows), k), dtype=bool)
    every = np.arange(len(rows))
    for j in range(k):  # k argmax passes are ~10x faster than argpartition over a wide row
        best[:, j] = scores.argmax(axis=1)
        valid[:, j] = scores[every, best[:, j]] != -np.inf
        scores[every, best[:, j]] = -np.inf
    return best, valid


def _judge_section(candidates, questions, method, eps, batch):
    """True/False per question of ``questions`` (lists of 4 words, all resolved): is its 4th word the answer?"""
    verdicts, keys = [], candidates.keys
    for begin in range(0, len(questions), batch):
        block = questions[begin:begin + batch]
        rows = np.array([[candidates.index[word] for word in question] for question in block], dtype=np.int64)
        best, valid = _answer_candidates(candidates.unit, rows[:, :3], method, eps)
        for question_rows, ranked, ok in zip(rows, best, valid):
            asked = {keys[row] for row in question_rows[:3]}
            predicted = None
            for row in ranked[ok]:  # gensim's rule: the best candidate that is not a question word
                predicted = keys[row]
                if predicted not in asked:
                    break
            verdicts.append(predicted == keys[question_rows[3]])
    return verdicts


def _judge_analogies(wv, path, restrict_vocab, case_insensitive, method, eps, compose):
    """Read and answer an analogy file: ``(sections, skipped, resolver, candidates)``; each section also holds
    ``verdicts``, {question number: answered correctly?} for its questions whose four words got a vector."""
    if method not in ("add", "mul"):
        raise ValueError(f"unknown analogy method {method!r}; use 'add' (3CosAdd) or 'mul' (3CosMul)")
    resolver = Resolver(wv, compose=compose, limit=restrict_vocab, case_insensitive=case_insensitive)
    sections, skipped = parse_analogies(path)
    if not any(section["questions"] for section in sections):
        raise CorpusError(f"{path} holds no analogy questions (lines of 4 words after ': section' or "
                          "'# section' lines)")
    fold = str.upper if case_insensitive else str
    words = dict.fromkeys(word for section in sections for question in section["questions"] for word in question)
    candidates = _CandidateSet(wv, resolver, words, fold)
    batch = max(1, _BATCH_SCORES // max(len(candidates), 1))
    for section in sections:
        answerable = [number for number, question in enumerate(section["questions"])
                      if all(word in candidates.index for word in question)]
        verdicts = _judge_section(candidates, [section["questions"][n] for n in answerable], method, eps, batch)
        section["verdicts"] = dict(zip(answerable, verdicts))
    return sections, skipped, resolver, candidates


def evaluate_analogies(wv, path, restrict_vocab=300000, case_insensitive=True, method="add", eps=COSMUL_EPS,
                       compose="sum", per_question=False):
    """Accuracy on "a b c d" questions (a is to b as c is to d), Google (': section') or kor2vec ('# section',
    blank lines) format, as gensim's evaluate_word_analogies scores them, with one extension: every test word is
    resolved through the model (WordVectors.resolve: vocabulary row, the tokenizer's single token, subword
    n-grams, or its tokens composed by ``compose``; ``compose=None`` keeps gensim's vocabulary-only rule).

    Only the first ``restrict_vocab`` words take part, in lookups and as answers. The answer candidates are those
    words plus every test-file word with a resolved vector of its own (so a composed 밥을 can be the answer); the
    answer is the best candidate that is not a question word. A question with a word that gets no vector is not
    answered (counted in ``oov``); ``coverage`` = answered / questions. ``per_question``: each section also lists
    ``verdicts``, {question number in the section: answered correctly?} for the answered questions (to compare two
    models on the same questions)."""
    sections, skipped, resolver, candidates = _judge_analogies(wv, path, restrict_vocab, case_insensitive, method,
                                                               eps, compose)
    results = []
    for section in sections:
        correct, answered = sum(section["verdicts"].values()), len(section["verdicts"])
        asked = len(section["questions"])
        results.append({"section": section["section"], "accuracy": _ratio(correct, answered), "correct": correct,
                        "evaluated": answered, "oov": asked - answered, "questions": asked,
                        "coverage": _ratio(answered, asked)})
        if per_question:
            results[-1]["verdicts"] = section["verdicts"]
        if answered:
            logger.debug("%s: %.1f%% (%d/%d)", section["section"], 100.0 * correct / answered, correct, answered)
    correct = sum(section["correct"] for section in results)
    evaluated = sum(section["evaluated"] for section in results)
    questions = sum(section["questions"] for section in results)
    return {"accuracy": _ratio(correct, evaluated), "correct": correct, "evaluated": evaluated,
            "oov": questions - evaluated, "questions": questions, "coverage": _ratio(evaluated, questions),
            "oov_ratio": _ratio(questions - evaluated, questions), "skipped_lines": skipped,
            "method": method, "compose": compose, "restrict_vocab": resolver.limit,
            "case_insensitive": case_insensitive, "candidates": len(candidates),
            "extra_candidates": candidates.n_extra, "words": _source_counts(candidates.sources),
            "path": str(path), "sections": results}


def evaluate_word_analogies(wv, analogies, restrict_vocab=300000, case_insensitive=True, dummy4unknown=False,
                            similarity_function="most_similar"):
    """gensim's evaluate_word_analogies: ``(score, sections)``, sections being ``{"section", "correct",
    "incorrect"}`` dicts of (a, b, c, d) tuples (upper-cased when ``case_insensitive``) and a last "Total accuracy"
    one; score = correct / (correct + incorrect) of the total, 0.0 when nothing was answered. Vocabulary words
    only (the first ``restrict_vocab``); a question with another word is skipped, or counted incorrect with
    ``dummy4unknown``. ``similarity_function="most_similar_cosmul"`` answers by 3CosMul (gensim's eps 1e-6)."""
    methods = {"most_similar": ("add", None), "most_similar_cosmul": ("mul", GENSIM_COSMUL_EPS)}
    if similarity_function not in methods:
        raise ValueError(f"unknown similarity_function {similarity_function!r}; use 'most_similar' or "
                         "'most_similar_cosmul'")
    method, eps = methods[similarity_function]
    sections, _, _, _ = _judge_analogies(wv, analogies, restrict_vocab, case_insensitive, method, eps, None)
    fold = str.upper if case_insensitive else str
    results = []
    for section in sections:
        judged = {"section": section["section"], "correct": [], "incorrect": []}
        for number, question in enumerate(section["questions"]):
            verdict = section["verdicts"].get(number)
            if verdict is not None or dummy4unknown:
                judged["correct" if verdict else "incorrect"].append(tuple(fold(word) for word in question))
        results.append(judged)
    total = {"section": "Total accuracy", "correct": [q for s in results for q in s["correct"]],
             "incorrect": [q for s in results for q in s["incorrect"]]}
    results.append(total)
    return _ratio(len(total["correct"]), len(total["correct"]) + len(total["incorrect"])) or 0.0, results


def _pair_cosines(resolver, rows):
    """``(cosines, sources)``: each (word1, word2, score) row's cosine, None when a word has no vector, and each
    word's resolution kind."""
    cosines, sources = [], {}
    for first, second, _ in rows:
        resolved = [resolver.resolve(word) for word in (first, second)]
        for word, found in zip((first, second), resolved):
            sources[word] = found.source if found is not None else "unknown"
        cosines.append(None if None in resolved else float(_unit(resolved[0].vector) @ _unit(resolved[1].vector)))
    return cosines, sources


def _score_pairs(resolver, rows, dummy4unknown=False):
    """``(gold, cosines, oov, sources, per_row)`` for (word1, word2, score) rows; a pair with a word without a
    vector is left out, or scored 0.0 with ``dummy4unknown``; ``per_row`` is every row's cosine or None."""
    per_row, sources = _pair_cosines(resolver, rows)
    scored = [(score, 0.0 if cosine is None else cosine) for (_, _, score), cosine in zip(rows, per_row)
              if cosine is not None or dummy4unknown]
    return [g for g, _ in scored], [m for _, m in scored], per_row.count(None), sources, per_row


def evaluate_pairs(wv, path, delimiter=None, case_insensitive=True, restrict_vocab=300000, compose="sum",
                   per_pair=False):
    """Spearman and Pearson correlation of cosine similarity with human scores, as gensim's evaluate_word_pairs,
    with every word resolved through the model as in :func:`evaluate_analogies` (``compose=None``: vocabulary
    words only).

    Lines are ``word1 <delimiter> word2 <delimiter> score``; the delimiter (tab, comma or spaces) is taken from
    the first data line unless given, and a BOM is dropped. Pairs with a word that gets no vector are counted in
    ``oov`` / ``oov_ratio`` (a fraction) and not scored; ``coverage`` = evaluated / pairs. ``per_pair``: also
    ``scores`` (the human score of every pair) and ``cosines`` (each pair's cosine, None when not evaluated)."""
    resolver = Resolver(wv, compose=compose, limit=restrict_vocab, case_insensitive=case_insensitive)
    rows, skipped = _read_pairs(path, delimiter)
    gold, model, oov, sources, cosines = _score_pairs(resolver, rows)
    result = {"spearman": spearman(gold, model), "pearson": pearson(gold, model),
              "oov_ratio": oov / len(rows), "pairs": len(rows), "evaluated": len(gold), "oov": oov,
              "coverage": len(gold) / len(rows), "skipped_lines": skipped, "restrict_vocab": resolver.limit,
              "case_insensitive": case_insensitive, "compose": compose, "words": _source_counts(sources),
              "path": str(path)}
    if per_pair:
        result.update(scores=[score for _, _, score in rows], cosines=cosines)
    if result["spearman"] is not None:
        logger.debug("%s: Spearman %.4f, Pearson %.4f, %d/%d pairs without a vector", path,
                     result["spearman"], result["pearson"] or float("nan"), oov, len(rows))
    return result


def _read_pairs(path, delimiter, encoding="utf-8"):
    rows, skipped = parse_pairs(path, delimiter, encoding)
    if not rows:
        raise CorpusError(f"{path} holds no word pairs (lines 'word1<TAB>word2<TAB>score', or comma-separated)")
    return rows, skipped


def evaluate_word_pairs(wv, pairs, delimiter="\t", encoding="utf8", restrict_vocab=300000, case_insensitive=True,
                        dummy4unknown=False):
    """gensim's evaluate_word_pairs: ``(pearson, spearman, oov_ratio)``, each correlation a ``(statistic,
    pvalue)`` pair as SciPy's, oov_ratio in percent of the pairs (of the scored ones with ``dummy4unknown``, which
    scores a pair with an unknown word 0.0 instead of leaving it out). Vocabulary words only (the first
    ``restrict_vocab``); '#' lines are comments."""
    resolver = Resolver(wv, compose=None, limit=restrict_vocab, case_insensitive=case_insensitive)
    rows, _ = _read_pairs(pairs, delimiter, encoding)
    gold, model, oov, _, _ = _score_pairs(resolver, rows, dummy4unknown)
    if not gold:
        raise CorpusError(f"no pair of {pairs} has both words among the first {resolver.limit:,} words")
    scored = len(gold)
    oov_ratio = 100.0 * oov / (scored if dummy4unknown else scored + oov)
    return with_pvalue(pearson(gold, model), scored), with_pvalue(spearman(gold, model), scored), oov_ratio
