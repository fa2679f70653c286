"""Tokenizers trained on the training text: a SentencePiece unigram model (Kudo 2018) whose model file travels
with the LM."""

import hashlib
import io
import logging

from ..errors import ArtifactError, TokenizerError
from .tokenizer_base import Tokenizer

logger = logging.getLogger("w2vlm")

SENTENCEPIECE_HINT = "pip install 'w2vlm[sentencepiece]'"
CHARACTER_COVERAGE = 0.9995      # SentencePiece's advice for CJK text; rarer characters become byte pieces
MAX_TRAINING_LINES = 2_000_000   # SentencePiece samples at most this many lines to learn its pieces


def file_digest(data):
    """sha256 hex digest of a tokenizer model file's bytes (part of the tokenizer's config, so of every cache key)."""
    return hashlib.sha256(data).hexdigest()


class TrainedTokenizer(Tokenizer):
    """A tokenizer whose model is learned from the training text with :meth:`fit`, or loaded from the bytes of its
    model file with :meth:`load` (``text.tokenizer_from_config(config, directory)`` does that). Its config names
    the file and its sha256 digest, so a cache entry or a saved model can never meet another training of it;
    :meth:`files` gives the file to save beside the model. Untrained, it refuses to tokenize or describe itself."""

    model_file = None
    has_tags = False
    parallel = "none"

    def __init__(self, pos=False, **options):
        super().__init__(pos=pos, **options)
        self._model = None      # the model file's bytes
        self._processor = None

    @property
    def trained(self):
        return self._model is not None

    def fit(self, lines, workers=1):
        """Learn the model from ``lines`` (an iterable of strings); returns self."""
        self.load(self._train(lines, workers))
        logger.info("trained the %s tokenizer: %s pieces", self.name, f"{len(self.pieces()):,}")
        return self

    def load(self, data, digest=None, where="the tokenizer model"):
        """Use the model file ``data`` (bytes, untrusted): checked against ``digest`` when given, then parsed."""
        if digest is not None and file_digest(data) != digest:
            raise ArtifactError(f"{where} does not match the sha256 digest saved in config.json; the model "
                                f"directory is damaged, train it again")
        try:
            self._processor = self._parse(data)
        except TokenizerError:
            raise
        except Exception as exc:
            raise ArtifactError(f"{where} is not a readable {self.name} model ({type(exc).__name__}); the model "
                                f"directory is damaged, train it again") from None
        self._model = bytes(data)
        return self

    def files(self):
        """{file name: bytes} to save with a model trained on this tokenizer."""
        return {self.model_file: self._model} if self.trained else {}

    def config(self):
        return {**super().config(), "model_file": self.model_file, "model_sha256": file_digest(self._require())}

    def tokenize(self, line):
        self._require()
        return super().tokenize(line)

    def _require(self):
        if self._model is None:
            raise TokenizerError(f"the {self.name} tokenizer is learned from the training text: use it with "
                                 f"train-lm, which trains it and saves its model with the language model")
        return self._model

    # what a trained tokenizer provides
    def _train(self, lines, workers):
        raise NotImplementedError

    def _parse(self, data):
        raise NotImplementedError

    def pieces(self):
        """Every token the model can produce (a language model's vocabulary keeps them all: no <unk>)."""
        raise NotImplementedError


class SentencePieceTokenizer(TrainedTokenizer):
    """SentencePiece unigram pieces (``sentencepiece:vocab=8000``) with byte fallback, so every character of any
    text becomes known pieces; ``detokenize`` gives the text back with its spaces."""

    name = "sentencepiece"
    package = "sentencepiece"
    defaults = {"vocab": 8000}
    model_file = "tokenizer.model"

    def __init__(self, pos=False, **options):
        super().__init__(pos=pos, **options)
        if not 300 <= self.options["vocab"] <= 1_000_000:
            raise TokenizerError(f"sentencepiece vocab is between 300 (256 byte pieces + the characters) and "
                                 f"1000000, not {self.options['vocab']}")

    def check_available(self):
        _sentencepiece()

    def _train(self, lines, workers):
        spm = _sentencepiece()
        model = io.BytesIO()
        text = (line for line in lines if line.strip())
        try:
            spm.SentencePieceTrainer.train(
                sentence_iterator=text, model_writer=model, vocab_size=self.options["vocab"], model_type="unigram",
                character_coverage=CHARACTER_COVERAGE, byte_fallback=True,
                normalization_rule_name="identity", input_sentence_size=MAX_TRAINING_LINES,
                shuffle_input_sentence=True, num_threads=max(1, int(workers)), unk_id=0, unk_piece="<unk>",
                bos_id=-1, eos_id=-1, pad_id=-1, hard_vocab_limit=False, minloglevel=2)
        except RuntimeError as exc:
            raise TokenizerError(f"training the sentencepiece model failed: {str(exc).splitlines()[0]}") from None
        return model.getvalue()

    def _parse(self, data):
        return _sentencepiece().SentencePieceProcessor(model_proto=bytes(data))

    def pieces(self):
        self._require()
        return [self._processor.id_to_piece(i) for i in range(self._processor.get_piece_size())]

    def _tag(self, piece):
        return self._processor.encode(piece, out_type=str)

    def detokenize(self, tokens):
        return self._processor.decode(list(tokens)) if self.trained else "".join(tokens)


def _sentencepiece():
    try:
        import sentencepiece
    except ImportError:
        raise TokenizerError(f"the sentencepiece tokenizer needs the sentencepiece package: "
                             f"{SENTENCEPIECE_HINT}") from None
    return sentencepiece
