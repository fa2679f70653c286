"""New-word discovery for a kiwi user dictionary: kiwi's extract_words over a corpus, as user-dictionary lines."""

from .tokenizers_korean import KiwiTokenizer

DISCOVERED_TAG = "NNP"  # extract_words proposes nouns; kiwi's own extract_add_words adds them as NNP


def discover_words(lines, min_count=10, max_length=10, min_score=0.25):
    """Candidate new words in ``lines`` (a restartable iterable of text) by kiwi's extract_words, best first:
    ``[{"word", "tag", "score", "frequency", "noun_score"}, ...]``; ``tag`` is the guess kiwi itself uses (NNP)."""
    kiwi = KiwiTokenizer()._kiwi()  # the process's shared analyzer: extract_words adds nothing to it
    found = kiwi.extract_words(lines, min_cnt=int(min_count), max_word_len=int(max_length),
                               min_score=float(min_score))
    words = [{"word": word, "tag": DISCOVERED_TAG, "score": float(score), "frequency": int(frequency),
              "noun_score": float(noun_score)} for word, score, frequency, noun_score in found]
    return sorted(words, key=lambda w: (-w["score"], -w["frequency"], w["word"]))


def format_user_dict_line(candidate):
    """One user-dictionary line for a discovered word, its evidence in a trailing comment."""
    return (f"{candidate['word']}\t{candidate['tag']}\t0.0\t# word score {candidate['score']:.3f}, "
            f"frequency {candidate['frequency']}, noun score {candidate['noun_score']:.2f}")
