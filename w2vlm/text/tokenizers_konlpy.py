"""KoNLPy's JVM taggers (okt, komoran, kkma, hannanum): built lazily, per process, never used across a fork."""

from ..errors import TokenizerError
from .tokenizer_base import Tokenizer, shared


def _java_hint(name):
    return (f"tokenizer '{name}' needs a Java runtime (libjvm.so): install one "
            f"(Debian: apt-get install default-jre-headless) or use --tokenizer kiwi/mecab")


class KonlpyTokenizer(Tokenizer):
    """A KoNLPy tagger class (``konlpy.tag.<klass>``) behind the common protocol.

    The JVM starts on the first line tagged in this process. With ``workers`` > 1 the parent never starts it:
    each spawn-started worker builds its own tagger (a JVM used after fork deadlocks)."""

    package = "konlpy"
    parallel = "process"
    klass = None

    def check_available(self):
        try:
            import jpype
            from konlpy import tag  # noqa: F401
        except ImportError:
            raise TokenizerError(f"tokenizer '{self.name}' needs KoNLPy: pip install konlpy "
                                 f"(or use --tokenizer kiwi)") from None
        if not jpype.isJVMStarted():
            try:
                jpype.getDefaultJVMPath()
            except ValueError:  # jpype's JVMNotFoundException
                raise TokenizerError(_java_hint(self.name)) from None

    def _constructor_options(self):
        return {}

    def _pos_options(self):
        return {}

    def _create(self):
        self.check_available()
        from konlpy import tag
        try:
            return getattr(tag, self.klass)(**self._constructor_options())
        except ValueError as exc:  # JVMNotFoundException is a ValueError
            raise TokenizerError(f"{_java_hint(self.name)} ({exc})") from None
        except (OSError, RuntimeError) as exc:
            raise TokenizerError(f"tokenizer '{self.name}' cannot start the JVM ({exc}); check the Java "
                                 f"installation or use --tokenizer kiwi/mecab") from None

    def _tagger(self):
        key = ("konlpy", self.klass, tuple(sorted(self._constructor_options().items())))
        return shared(key, self._create)

    def _tag(self, piece):
        tagger = self._tagger()
        try:
            pairs = tagger.pos(piece, **self._pos_options())
        except Exception as exc:
            raise TokenizerError(f"{self.name} failed on the text {piece[:40]!r}... ({type(exc).__name__}: {exc}); "
                                 f"use --tokenizer kiwi") from None
        tokens = []
        for form, tag in pairs:
            formatted = self._format(form, tag)
            if formatted:
                tokens.append(formatted)
        return tokens


class OktTokenizer(KonlpyTokenizer):
    """Open Korean Text (Twitter): the only JVM tagger with no crash or hang in the edge-case tests.
    Options: ``norm`` (normalize colloquial spellings), ``stem`` (verbs/adjectives to their dictionary form)."""

    name = "okt"
    klass = "Okt"
    defaults = {"norm": False, "stem": False}

    def _pos_options(self):
        return {"norm": bool(self.options["norm"]), "stem": bool(self.options["stem"])}


class KomoranTokenizer(KonlpyTokenizer):
    """Komoran: fast once loaded (5-7 s); crashes on non-BMP characters (removed by the guards) and emits
    multi-word tokens such as ``9월 22일`` (written ``9월_22일``)."""

    name = "komoran"
    klass = "Komoran"
    bmp_only = True


class KkmaTokenizer(KonlpyTokenizer):
    """Kkma: fine-grained, but about 2k chars/s and 12 s to warm up; non-BMP characters are removed."""

    name = "kkma"
    klass = "Kkma"
    bmp_only = True


class HannanumTokenizer(KonlpyTokenizer):
    """Hannanum: coarse tags; hangs on whitespace-only input (never reaches it: blank lines are skipped)."""

    name = "hannanum"
    klass = "Hannanum"
