"""score_perplexity: a text scored under a language model, read and tokenized the model's own way (the perplexity
command's body)."""

import os
from dataclasses import dataclass

import numpy as np

from ..errors import CorpusError
from ..text import Corpus, encode_corpus, open_corpus
from .checkpoint import LanguageModel, load_lm
from .evaluate import Perplexity, count_characters, score_stream


@dataclass
class TextPerplexity(Perplexity):
    """What ``score_perplexity`` measured: a ``Perplexity`` plus the text's characters (see
    ``evaluate.count_characters``) and the tokens outside the vocabulary, which were scored as <unk>."""
    characters: int = 0
    unk_tokens: int = 0

    @property
    def cross_entropy(self):
        """Mean nats per token."""
        return self.nll / self.tokens

    @property
    def bits_per_char(self):
        """The summed log-likelihood in bits over the characters: unlike perplexity, comparable across tokenizers."""
        return self.bits_per_character(self.characters)

    def to_dict(self):
        """The JSON object of ``w2vlm perplexity --json``."""
        return {"perplexity": self.ppl, "bits_per_char": self.bits_per_char, "tokens": self.tokens,
                "characters": self.characters, "unk_tokens": self.unk_tokens, "cross_entropy": self.cross_entropy,
                "tokens_per_sec": self.tokens_per_sec}


def score_perplexity(model, corpus, *, split="test", encoding="utf-8", errors="strict", column=None,
                     delimiter=None, batch_size=10, bptt=35, workers=1, scheduler=None, xp=np, fused=True,
                     progress=False):
    """Perplexity and bits per character of ``corpus`` under ``model``; returns a ``TextPerplexity``.

    ``model``: a ``LanguageModel`` or the directory of one (loaded onto ``xp``; ``fused``: see ``RNNLM``).
    ``corpus``: a ``text.Corpus``, or what ``open_corpus`` takes (files, a corpus name such as ptb, whose
    ``split`` is scored; None: the embedded corpus), opened with ``encoding``/``errors``/``column``/``delimiter`` and the model's own Unicode
    normalization. The text is tokenized with the model's tokenizer; every token counts, <eos> after every line
    included, and words outside the vocabulary are scored as <unk>. ``batch_size``/``bptt``: see
    ``evaluate.score_stream``.
    """
    lm = model if isinstance(model, LanguageModel) else load_lm(model, xp=xp, fused=fused)
    if not isinstance(corpus, Corpus):
        normalize = lm.config.get("run", {}).get("normalize")
        specs = [corpus] if isinstance(corpus, (str, os.PathLike)) else corpus
        corpus = open_corpus(None if specs is None else [str(spec) for spec in specs], encoding=encoding,
                             errors=errors, normalize=normalize, split=split, column=column, delimiter=delimiter)
    encoded = encode_corpus(corpus, lm.tokenizer, workers=workers, scheduler=scheduler, progress=progress)
    ids, _ = encoded.to_ids(lm.vocab, oov="unk", eos=True)
    result = score_stream(lm.model, ids, lm.start_id, batch_size=batch_size, bptt=bptt, progress=progress)
    unk = int((ids == lm.vocab.unk_id).sum()) if lm.vocab.unk_id is not None else 0
    characters = count_characters(corpus)
    if characters == 0:
        raise CorpusError("the text to score has no characters; give a file with at least one non-blank line")
    return TextPerplexity(ppl=result.ppl, nll=result.nll, tokens=result.tokens, seconds=result.seconds,
                          characters=characters, unk_tokens=unk)
