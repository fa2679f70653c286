"""``--subwords auto``, the default: a mostly-Hangul corpus gets jamo n-gram vectors for its rarer words, any other
corpus plain word-level vectors, as before.

The Korean choice, ``--subwords jamo --whole-word-count 100``, was measured on NSMC against word-level vectors,
fastText's jamo model and the other candidates (docs/korean.md, "One Korean model"): a word seen 100 times or more
is its own vector alone, as in word2vec, so frequent words keep word-level meaning; rarer words add their jamo
n-grams, as in fastText, which trains the n-grams that give every unseen word a vector. Skip-gram trains with the
batched kernel unless told otherwise (``default_kernel``).
"""

import logging
from dataclasses import fields, replace

import numpy as np

from ...errors import OptionConflict

log = logging.getLogger("w2vlm")

HANGUL_SHARE = 0.5    # Hangul letters among all letters of the corpus tokens, counted by occurrence
DEFAULT_MODEL = "cbow"   # what an unset --model is for any other text (gensim's default)
KOREAN_DEFAULT = dict(model="skipgram", subwords="jamo", whole_word_count=100)
# options that only mean something for a subword model (compared against the config's own defaults)
SUBWORD_OPTIONS = ("whole_word_count", "min_n", "max_n", "buckets", "min_char_n", "max_char_n", "subword_updates")


def default_kernel(model, subwords):
    """What an unset --kernel is: ``batched`` for skip-gram word vectors and for the Korean default
    (``subwords`` None or "auto"), ``pairs`` for CBOW and for a named --subwords model (fastText's per-pair
    update). Measured in docs/benchmarks.md and docs/korean.md: word-level skip-gram with shared negatives ties at
    one thread and is faster at two on PTB, with vectors as good or better, and the Korean default trains 1.5-2.1x
    faster at the same quality; CBOW's shared negatives lose 0.8 analogy points on PTB (and the subword kernel is
    skip-gram only)."""
    return "batched" if model == "skipgram" and subwords in (None, "auto") else "pairs"


def _is_hangul(ch):
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def hangul_share(types, counts, pos=False):
    """Hangul letters / all letters over the tokens ``types`` weighted by ``counts`` (a ``--pos`` token's tag,
    the part after its last '/', is left out)."""
    hangul = letters = 0
    for word, count in zip(types, np.asarray(counts, dtype=np.int64).tolist()):
        if pos and "/" in word:
            word = word.rsplit("/", 1)[0]
        word_letters = [ch for ch in word if ch.isalpha()]
        letters += count * len(word_letters)
        hangul += count * sum(1 for ch in word_letters if _is_hangul(ch))
    return hangul / letters if letters else 0.0


def choose_subwords(config, encoded=None):
    """``config`` with ``subwords="auto"`` decided for ``encoded`` (an EncodedCorpus; the choice is logged): Korean
    text gets ``KOREAN_DEFAULT`` (options the caller set are kept), other text word vectors. Without ``encoded``
    (ids, no text) "auto" means word vectors. Any other config is returned as it is."""
    if config.subwords != "auto":
        return config
    model = config.model or DEFAULT_MODEL
    word_level = dict(subwords=None, model=model, kernel=config.kernel or default_kernel(model, None))
    if encoded is None:
        return replace(config, **word_level)
    pos = bool((encoded.tokenizer_config or {}).get("pos", False))
    share = hangul_share(encoded.types, encoded.counts, pos)
    if share >= HANGUL_SHARE:
        if config.kernel == "batched" and config.model == "cbow":
            raise OptionConflict(f"--kernel batched with subwords trains skip-gram only, and --subwords auto chose "
                                 f"jamo n-grams for this corpus ({100 * share:.0f}% Hangul letters); add --subwords "
                                 f"none or --model skipgram")
        unset = {key: value for key, value in KOREAN_DEFAULT.items()
                 if key == "subwords" or getattr(config, key) is None}
        unset["kernel"] = config.kernel or default_kernel(config.model or KOREAN_DEFAULT["model"], "auto")
        chosen = replace(config, **unset)
        log.info("--subwords auto: %.0f%% of the corpus letters are Hangul, so this trains %s with %s n-grams "
                 "(%d-%d) for the words seen fewer than %d times (--model %s --subwords %s --whole-word-count %d "
                 "--kernel %s); --subwords none trains word vectors only", 100 * share, chosen.model, chosen.subwords,
                 chosen.min_n, chosen.max_n, chosen.whole_word_count, chosen.model, chosen.subwords,
                 chosen.whole_word_count, chosen.kernel)
        return chosen
    defaults = {field.name: field.default for field in fields(config)}
    given = [name for name in SUBWORD_OPTIONS if getattr(config, name) != defaults[name]]
    if given:
        names = ", ".join("--" + name.replace("_", "-") for name in given)
        raise OptionConflict(f"{names} only appl{'y' if len(given) > 1 else 'ies'} to subword models, and "
                             f"--subwords auto chose word-level vectors for this corpus ({100 * share:.0f}% Hangul "
                             f"letters); add --subwords jamo|char|jamo+char or leave {names} out")
    log.info("--subwords auto: %.0f%% of the corpus letters are Hangul, so this trains word-level vectors "
             "(--subwords jamo|char|jamo+char adds n-gram vectors)", 100 * share)
    return replace(config, **word_level)
