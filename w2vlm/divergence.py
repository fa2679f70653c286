"""The divergence guard both trainers share: a loss that is not finite or has exploded stops the run."""

import math
from dataclasses import dataclass

from .errors import TrainingError

EXPLODED_NATS = 10.0   # word2vec, per prediction term: p(right label) ~ e^-10 on average means the run has diverged
WORSE_THAN_UNIFORM = 4.0   # LM: a perplexity above 4 x the vocabulary size is far worse than guessing uniformly


@dataclass(frozen=True)
class DivergenceGuard:
    """Raises TrainingError when a mean loss (nats per item) is NaN, infinite or above ``ceiling``: the weights
    are then useless. ``start`` is where a healthy run's loss begins (quoted in the message), ``advice`` the fix."""
    start: float
    ceiling: float
    advice: str

    @classmethod
    def for_word2vec(cls, config):
        """Negative sampling starts near (negatives + 1) ln 2 per example; EXPLODED_NATS per term is divergence."""
        terms = config.negatives + 1
        return cls(start=terms * math.log(2), ceiling=EXPLODED_NATS * terms,
                   advice=f"lower --lr (now {config.lr:g}; 0.025 is usual)")

    @classmethod
    def for_lm(cls, vocab_size, config):
        """A language model starts near ln(vocabulary size) (a uniform guess); far above it, it has diverged."""
        start = math.log(max(vocab_size, 2))
        return cls(start=start, ceiling=start + math.log(WORSE_THAN_UNIFORM),
                   advice=f"lower --lr (now {config.lr:g}) or --clip (now {config.clip:g})")

    def check(self, loss, where, kept=""):
        """Stop when ``loss`` has diverged; ``where`` says when ("in epoch 3 by step 40"), ``kept`` what is safe."""
        if math.isfinite(loss) and loss <= self.ceiling:
            return
        kept = f"; {kept}" if kept else ""
        raise TrainingError(f"training diverged {where}: loss {loss:.4g} per item (it starts near {self.start:.2f}, "
                            f"the limit is {self.ceiling:.2f}){kept}; {self.advice}")
