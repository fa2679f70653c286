"""Analogy accuracy and word-pair correlation: known answers, then parity with gensim and scipy."""

import numpy as np
import pytest

from tests.embeddings.test_vectors import toy_vectors
from w2vlm.embeddings.correlation import average_ranks, correlation_pvalue, incomplete_beta, pearson, spearman
from w2vlm.embeddings.vectors import WordVectors
from w2vlm.errors import CorpusError

ANALOGIES = """\
: capital-world
France Paris Germany Berlin
france paris japan tokyo
Korea Seoul Italy Rome
Korea Seoul Italy Paris
Korea Seoul Atlantis Rome
: gender
man king woman queen
man king woman woman
남자 왕 여자 여왕
this line is broken here
남자 왕 여자 외계인
"""


@pytest.fixture
def wv():
    return toy_vectors()


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_accuracy_known_answer(tmp_path, wv, method):
    result = wv.evaluate_analogies(_write(tmp_path, "q.txt", ANALOGIES), method=method)
    capitals, gender = result["sections"]
    assert capitals == {"section": "capital-world", "accuracy": 0.75, "correct": 3, "evaluated": 4, "oov": 1,
                        "questions": 5, "coverage": 0.8}
    # "man king woman woman": the answer may not be a question word, so this one is wrong by design
    assert gender == {"section": "gender", "accuracy": 2 / 3, "correct": 2, "evaluated": 3, "oov": 1,
                      "questions": 4, "coverage": 0.75}
    assert (result["correct"], result["evaluated"], result["oov"], result["questions"]) == (5, 7, 2, 9)
    assert result["accuracy"] == pytest.approx(5 / 7) and result["oov_ratio"] == pytest.approx(2 / 9)
    assert result["skipped_lines"] == 1 and result["method"] == method


def test_per_question_verdicts_and_per_pair_cosines(tmp_path, wv):
    result = wv.evaluate_analogies(_write(tmp_path, "q.txt", ANALOGIES), per_question=True)
    capitals, gender = result["sections"]
    assert capitals["verdicts"] == {0: True, 1: True, 2: True, 3: False}   # question 4 (Atlantis) has no vector
    assert gender["verdicts"] == {0: True, 1: False, 2: True}
    assert "verdicts" not in wv.evaluate_analogies(_write(tmp_path, "q.txt", ANALOGIES))["sections"][0]
    pairs = wv.evaluate_pairs(_write(tmp_path, "p.tsv", PAIRS_TSV), per_pair=True)
    assert pairs["scores"] == [8.5, 8.0, 9.0, 8.6, 0.5, 5.0]
    assert pairs["cosines"][:2] == [pytest.approx(wv.similarity("king", "queen")),
                                    pytest.approx(wv.similarity("man", "woman"))]
    assert pairs["cosines"].count(None) == pairs["oov"] == 1
    assert spearman(*zip(*[(g, c) for g, c in zip(pairs["scores"], pairs["cosines"]) if c is not None])) == \
        pytest.approx(pairs["spearman"])


def test_analogy_options(tmp_path, wv):
    path = _write(tmp_path, "q.txt", ANALOGIES)
    strict = wv.evaluate_analogies(path, case_insensitive=False)
    assert strict["sections"][0]["oov"] == 4  # France, Paris, ... are capitalized in the file only
    small = wv.evaluate_analogies(path, restrict_vocab=5)  # the, king, queen, man, woman
    assert (small["evaluated"], small["oov"], small["correct"]) == (2, 7, 1)
    with_bom = wv.evaluate_analogies(_write(tmp_path, "bom.txt", ANALOGIES, encoding="utf-8-sig"))
    assert with_bom["sections"][0]["section"] == "capital-world" and with_bom["correct"] == 5
    headless = wv.evaluate_analogies(_write(tmp_path, "nohead.txt", "man king woman queen\n"))
    assert headless["sections"][0]["section"] == "(no section)" and headless["accuracy"] == 1.0
    with pytest.raises(CorpusError, match="no analogy questions"):
        wv.evaluate_analogies(_write(tmp_path, "empty.txt", ": only-a-header\n\n"))
    (tmp_path / "cp949.txt").write_bytes("남자 왕 여자 여왕\n".encode("cp949"))
    with pytest.raises(CorpusError, match="not UTF-8"):
        wv.evaluate_analogies(tmp_path / "cp949.txt")
    with pytest.raises(ValueError, match="method"):
        wv.evaluate_analogies(path, method="nope")


def test_average_ranks_and_correlations_against_known_values():
    np.testing.assert_array_equal(average_ranks([10, 20, 20, 5]), [2, 3.5, 3.5, 1])
    assert spearman([1, 2, 3, 4], [10, 20, 30, 1000]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0)
    # rho = 1 - 6 * sum(d^2) / (n (n^2 - 1)) without ties: ranks (1,2,3,4,5) vs (2,1,4,3,5) -> d^2 sum 4
    assert spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(1 - 6 * 4 / (5 * 24))
    assert spearman([1], [1]) is None and pearson([1, 1, 1], [1, 2, 3]) is None


def test_correlations_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, size=200).astype(float)  # many ties
    y = x + rng.normal(size=200)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)
    for n in (3, 4, 10, 200):
        for r in (-0.99, -0.3, 0.0, 0.05, 0.5, 0.9):
            expected = stats.pearsonr(*_correlated(n, r))
            assert correlation_pvalue(expected[0], n) == pytest.approx(expected[1], rel=1e-9, abs=1e-300)


def _correlated(n, r):
    """Two series of ``n`` values whose Pearson correlation is about ``r`` (exactly some value near it)."""
    rng = np.random.default_rng(n)
    x = rng.normal(size=n)
    return x, r * x + np.sqrt(1 - r * r) * rng.normal(size=n)


def test_pvalues_against_closed_forms():
    for x in (0.0, 0.2, 0.7, 1.0):   # I_x(1, 1) = x and I_x(a, 1) = x^a
        assert incomplete_beta(1.0, 1.0, x) == pytest.approx(x, abs=1e-14)
        assert incomplete_beta(3.5, 1.0, x) == pytest.approx(x ** 3.5, abs=1e-14)
    for r in (0.1, 0.5, 0.95):       # n = 3: Student's t with 1 degree of freedom, p = 1 - 2 atan(|t|) / pi
        t = r / np.sqrt(1 - r * r)
        assert correlation_pvalue(r, 3) == pytest.approx(1 - 2 * np.arctan(t) / np.pi, rel=1e-12)
    assert correlation_pvalue(1.0, 10) == 0.0 and correlation_pvalue(0.0, 10) == pytest.approx(1.0)
    assert np.isnan(correlation_pvalue(0.5, 2)) and np.isnan(correlation_pvalue(None, 10))


PAIRS_TSV = """\
# a comment line
Word 1\tWord 2\tHuman (mean)
King\tqueen\t8.5
man\twoman\t8.0
paris\tfrance\t9.0
왕\t여왕\t8.6
king\tfiller3\t0.5
paris\tunknownword\t5.0
"""


def test_pairs_known_answer_tsv_csv_and_bom(tmp_path, wv):
    result = wv.evaluate_pairs(_write(tmp_path, "p.tsv", PAIRS_TSV))
    assert (result["pairs"], result["evaluated"], result["oov"], result["skipped_lines"]) == (6, 5, 1, 1)
    assert result["oov_ratio"] == pytest.approx(1 / 6)
    model = [wv.similarity(a, b) for a, b in [("king", "queen"), ("man", "woman"), ("paris", "france"),
                                               ("왕", "여왕"), ("king", "filler3")]]
    gold = [8.5, 8.0, 9.0, 8.6, 0.5]
    assert result["spearman"] == pytest.approx(spearman(gold, model))
    assert result["pearson"] == pytest.approx(pearson(gold, model))
    csv_text = "\ufeffword1,word2,score\n" + "\n".join(",".join(line.split("\t"))
                                                        for line in PAIRS_TSV.splitlines()[2:]) + "\n"
    as_csv = wv.evaluate_pairs(_write(tmp_path, "p.csv", csv_text))
    assert as_csv["spearman"] == pytest.approx(result["spearman"]) and as_csv["oov"] == 1
    quoted = wv.evaluate_pairs(_write(tmp_path, "q.csv", '"man","woman","8"\n"king",queen,9\npar,"x",1\n'))
    assert quoted["evaluated"] == 2 and quoted["oov"] == 1
    strict = wv.evaluate_pairs(_write(tmp_path, "p2.tsv", PAIRS_TSV), case_insensitive=False)
    assert strict["oov"] == 2  # "King" is not in the vocabulary as written
    with pytest.raises(CorpusError, match="no word pairs"):
        wv.evaluate_pairs(_write(tmp_path, "bad.tsv", "# nothing\nfoo bar\n"))


def _random_vectors_and_files(tmp_path, seed=1):
    """Random vectors with case variants (Apple/apple) and files built from their vocabulary plus OOV words."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(150)] + ["Apple", "apple", "APPLE", "사과", "배"]
    words[20], words[60] = "Word", "word"
    vectors = rng.normal(size=(len(words), 12)).astype(np.float32)
    vocab = words + ["oov1", "없는말"]
    lines = []
    for section in range(3):
        lines.append(f": section-{section}")
        for _ in range(120):
            lines.append(" ".join(rng.choice(vocab, size=4)))
    lines.append(": answers-in-questions")
    for _ in range(40):  # the expected word repeats a question word: gensim's fallback paths
        a, b, c = rng.choice(vocab, size=3)
        lines.append(f"{a} {b} {c} {rng.choice([a, b, c])}")
    analogies = tmp_path / "analogies.txt"
    analogies.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# header\n" + "".join(f"{rng.choice(vocab)}\t{rng.choice(vocab)}\t{rng.uniform(0, 10):.2f}\n"
                                            for _ in range(300)), encoding="utf-8")
    return words, vectors, analogies, pairs


@pytest.mark.parametrize("case_insensitive", [True, False])
@pytest.mark.parametrize("restrict_vocab", [300000, 100])
def test_parity_with_gensim(tmp_path, case_insensitive, restrict_vocab):
    gensim_models = pytest.importorskip("gensim.models")
    words, vectors, analogies, pairs = _random_vectors_and_files(tmp_path)
    ours = WordVectors(words, vectors)
    theirs = gensim_models.KeyedVectors(vectors.shape[1])
    theirs.add_vectors(words, vectors)

    score, sections = theirs.evaluate_word_analogies(analogies, restrict_vocab=restrict_vocab,
                                                     case_insensitive=case_insensitive)
    result = ours.evaluate_analogies(analogies, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    assert result["accuracy"] == pytest.approx(score)
    for mine, gensims in zip(result["sections"], sections[:-1]):
        assert mine["section"] == gensims["section"]
        assert mine["correct"] == len(gensims["correct"])
        assert mine["evaluated"] == len(gensims["correct"]) + len(gensims["incorrect"])
    assert result["oov"] > 0 and result["questions"] == 400

    (their_pearson, _), their_spearman, their_oov = theirs.evaluate_word_pairs(
        pairs, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    result = ours.evaluate_pairs(pairs, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive)
    assert result["spearman"] == pytest.approx(their_spearman[0], abs=1e-6)
    assert result["pearson"] == pytest.approx(their_pearson, abs=1e-6)
    assert 100 * result["oov_ratio"] == pytest.approx(their_oov)


@pytest.mark.parametrize("method", ["add", "mul"])
def test_batched_scoring_matches_one_query_at_a_time(tmp_path, method):
    """The batched evaluator against WordVectors.analogy run question by question with gensim's answer rule."""
    words, vectors, analogies, _ = _random_vectors_and_files(tmp_path, seed=5)
    wv = WordVectors(words, vectors)
    correct = evaluated = 0
    known = {word.upper(): word for word in reversed(words)}  # first case variant wins
    for line in analogies.read_text(encoding="utf-8").splitlines():
        if line.startswith(": "):
            continue
        question = [word.upper() for word in line.split()]
        if not all(word in known for word in question):
            continue
        evaluated += 1
        a, b, c = (known[word] for word in question[:3])
        predicted = None
        for word, _ in wv.analogy(a, b, c, method=method, topn=5):
            predicted = word.upper()
            if predicted not in question[:3]:
                break
        correct += predicted == question[3]
    result = wv.evaluate_analogies(analogies, method=method)
    assert (result["correct"], result["evaluated"]) == (correct, evaluated) and evaluated > 100
