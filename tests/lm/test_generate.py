"""Generation: sampling rules (temperature, top-k, top-p, skip), prompts, stopping, and text joining."""

import numpy as np
import pytest

from w2vlm.errors import UnknownWordError
from w2vlm.lm.generate import encode_prompt, generate_ids, sample_next, tokens_to_text

from .stubs import BigramLM

LOGITS = np.log(np.array([0.5, 0.3, 0.15, 0.05]))


def draws(n=400, **kw):
    rng = np.random.default_rng(0)
    return np.array([sample_next(LOGITS, rng, **kw) for _ in range(n)])


def test_temperature_zero_and_top_k_one_are_greedy():
    assert set(draws(50, temperature=0)) == {0}
    assert set(draws(50, top_k=1)) == {0}


def test_top_k_and_top_p_limit_the_candidates():
    assert set(draws(top_k=2)) == {0, 1}
    assert set(draws(top_p=0.5)) == {0}          # the top token alone has mass 0.5
    assert set(draws(top_p=0.79)) == {0, 1}      # 0.5 + 0.3 >= 0.79
    assert set(draws(top_p=0.9)) == {0, 1, 2}


def test_sampling_follows_the_softmax_and_skips_banned_tokens():
    freq = np.bincount(draws(4000), minlength=4) / 4000
    assert freq == pytest.approx([0.5, 0.3, 0.15, 0.05], abs=0.03)
    assert 0 not in set(draws(banned=[0]))
    hot = np.bincount(draws(4000, temperature=100.0), minlength=4) / 4000
    assert hot == pytest.approx([0.25] * 4, abs=0.04)


def chain_model(V=6):
    """Greedy decoding walks 2 -> 3 -> 4 -> 5 -> 1 (<eos>) -> 2 ..."""
    W = np.full((V, V), -5.0, dtype=np.float32)
    for i in range(V):
        W[i, i + 1 if i + 1 < V else 1] = 5.0
    return BigramLM(V, W=W)


def test_generation_continues_the_prompt_and_can_stop_at_eos():
    rng = np.random.default_rng(0)
    assert generate_ids(chain_model(), [2], 1, 7, rng, temperature=0) == [3, 4, 5, 1, 2, 3, 4]
    assert generate_ids(chain_model(), [2], 1, 7, rng, temperature=0, stop_id=1) == [3, 4, 5, 1]
    assert generate_ids(chain_model(), [], 1, 2, rng, temperature=0) == [2, 3]  # from a line start
    assert 4 not in generate_ids(chain_model(), [2], 1, 20, rng, skip_ids=[4])


class Words:
    """A whitespace tokenizer and a vocabulary, enough for prompts and joining."""

    def __init__(self, words):
        self.words, self.unk_id, self.eos_id = words, 0, 1

    def __contains__(self, w):
        return w in self.words

    def __len__(self):
        return len(self.words)

    def encode(self, tokens):
        return np.array([self.words.index(t) if t in self.words else 0 for t in tokens], dtype=np.int32)

    @staticmethod
    def tokenize(text):
        return text.split()

    @staticmethod
    def detokenize(tokens):
        return " ".join(tokens)


VOCAB = Words(["<unk>", "<eos>", "the", "cat", "sat", "down"])


def test_prompt_words_outside_the_vocabulary_are_reported(caplog):
    ids, tokens, unknown = encode_prompt("the dog sat", VOCAB, VOCAB)
    assert ids == [2, 0, 4] and tokens == ["the", "dog", "sat"] and unknown == ["dog"]
    assert "dog" in caplog.text
    with pytest.raises(UnknownWordError, match="no word of the prompt"):
        encode_prompt("dogs bark", VOCAB, VOCAB)


def test_tokens_become_lines_of_text():
    assert tokens_to_text("the cat sat <eos> the down".split(), VOCAB) == "the cat sat\nthe down"


KOREAN_GRAMMAR = {  # morpheme -> what may follow it; the stream is checked on text a trained model would write
    "<eos>": ["영화/NNG", "정말/MAG"], "영화/NNG": ["가/JKS", "는/JX"], "가/JKS": ["정말/MAG", "좋/VA", "재밌/VA"],
    "는/JX": ["정말/MAG", "재밌/VA"], "정말/MAG": ["좋/VA", "재밌/VA"], "좋/VA": ["았/EP", "고/EC", "어요/EF"],
    "재밌/VA": ["고/EC", "어요/EF"], "았/EP": ["어요/EF"], "어요/EF": ["./SF"], "고/EC": ["정말/MAG", "좋/VA", "하/VV"],
    "하/VV": ["ㅂ니다/EF"], "ㅂ니다/EF": ["./SF"], "./SF": ["<eos>", "영화/NNG"], "<unk>": ["<eos>"],
}


def _stream_lm(words, tokenizer, seed=0, grammar=None):
    """A bigram LM over ``words`` (<unk>, <eos> first) with a real tokenizer, enough for generate_text: random
    transitions, or with ``grammar`` strongly preferring the allowed ones."""
    from types import SimpleNamespace

    from w2vlm.lm.checkpoint import start_id
    from w2vlm.text.vocab import Vocab
    vocab = Vocab(words, [1] * len(words))
    W = np.random.default_rng(seed).normal(scale=2.0, size=(len(words), len(words)))
    if grammar:
        W = np.full((len(words), len(words)), -6.0)
        for word, following in grammar.items():
            W[words.index(word), [words.index(w) for w in following]] = 0.0
    return SimpleNamespace(model=BigramLM(len(words), W=W), vocab=vocab, tokenizer=tokenizer,
                           start_id=start_id(vocab))


@pytest.mark.parametrize("tokenizer, words, prompt", [
    ("whitespace", ["<unk>", "<eos>", "the", "cat", "sat", "down", ",", "."], "the cat"),
    ("char", ["<unk>", "<eos>", "영", "화", "가", " ", "좋", "다"], "영화"),
    ("kiwi", ["<unk>", "<eos>", "영화", "가", "좋", "았", "어요", "하", "ㅂ니다", "정말", ".", "고"], "영화가"),
    ("kiwi:pos", list(KOREAN_GRAMMAR), "영화는"),
])
def test_streamed_pieces_add_up_to_the_generated_text(tokenizer, words, prompt):
    from w2vlm.lm.generate import generate_text, stream_text
    from w2vlm.text.tokenize import get_tokenizer
    name, _, pos = tokenizer.partition(":")
    lm = _stream_lm(words, get_tokenizer(name, pos=bool(pos)), grammar=KOREAN_GRAMMAR if pos else None)
    streamed = 0
    for seed in range(12):
        for stop in (False, True):
            options = dict(length=30, temperature=1.0, stop_at_eos=stop)
            pieces = list(stream_text(lm, prompt, rng=np.random.default_rng(seed), **options))
            whole = generate_text(lm, prompt, rng=np.random.default_rng(seed), **options)["text"]
            assert "".join(pieces) == whole
            streamed += len([piece for piece in pieces if piece]) > 2
    assert streamed >= 8  # runs really stream, not one piece at the end
