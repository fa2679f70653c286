"""The tokenizer protocol and the order-preserving (parallel) driver every tagger shares."""

import collections
import importlib.metadata
import multiprocessing
import threading

from tqdm import tqdm

from ..version import __version__
from ..errors import TokenizerError
from . import guards

BATCH_LINES = 1000      # lines per batch handed to a tagger / worker process
BATCH_CHARS = 200_000   # ... or fewer lines when they are long (a 5 MB line is 500 pieces of 10k chars)

_SHARED = {}
_SHARED_LOCK = threading.Lock()


def shared(key, factory):
    """One instance per process and key (a loaded Kiwi model, a JVM tagger): built once, reused by every
    Tokenizer with the same settings."""
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = factory()
        return _SHARED[key]


class Tokenizer:
    """Turns a line of text into a list of tokens; subclasses implement ``_tag(piece)`` (and may batch).

    Every line passes the same guards first (:mod:`w2vlm.text.guards`): strip, control characters -> spaces,
    whitespace-only lines skipped, lines over 10k characters split at whitespace, non-BMP characters removed
    where the tagger crashes on them (``bmp_only``); tokens never contain spaces."""

    name = None
    package = None           # the distribution whose version is saved in config()
    defaults = {}            # option -> default value
    bmp_only = False
    parallel = "process"     # "process": spawn-started worker processes; "native": the tagger's own threads;
    #                          "none": so fast that workers would only add overhead
    has_tags = True

    def __init__(self, pos=False, **options):
        unknown = sorted(set(options) - set(self.defaults))
        if unknown:
            known = ", ".join(self.defaults) or "none"
            raise TokenizerError(f"tokenizer '{self.name}' has no option {', '.join(map(repr, unknown))} "
                                 f"(its options: {known})")
        if pos and not self.has_tags:
            raise TokenizerError(f"tokenizer '{self.name}' has no part-of-speech tags; drop --pos or use a "
                                 f"morphological analyzer (kiwi, mecab, okt, komoran, kkma, hannanum)")
        for key, value in options.items():
            _check_option_type(self.name, key, value, self.defaults[key])
        self.pos = bool(pos)
        self.options = {**self.defaults, **options}

    # ---- what subclasses provide -------------------------------------------------------------
    def _tag(self, piece):
        """Tokens of one clean, non-blank piece of at most 10k characters."""
        raise NotImplementedError

    def _tag_batch(self, pieces, workers=1):
        return [self._tag(piece) for piece in pieces]

    def check_available(self):
        """Raise TokenizerError now (in the parent) if the tagger cannot run here; cheap, starts nothing."""

    def files(self):
        """{file name: bytes} that a model must save beside its config to rebuild this tokenizer ({} for every
        tokenizer but a trained one, see tokenizers_trained.py)."""
        return {}

    def _format(self, form, tag):
        form = guards.no_inner_spaces(form)
        if not form:
            return None
        return f"{form}/{tag}" if self.pos else form

    # ---- the protocol ------------------------------------------------------------------------
    def version(self):
        if self.package is None:
            return __version__
        try:
            return importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            return None

    def config(self):
        """JSON-able settings: name, package version, pos and every option (saved with models and caches)."""
        return {"name": self.name, "version": self.version(), "pos": self.pos, **self.options}

    def _pieces(self, line):
        return guards.prepare(line, bmp_only=self.bmp_only)

    def tokenize(self, line):
        """The tokens of one line ([] for a blank line)."""
        return [token for piece in self._pieces(line) for token in self._tag(piece)]

    def detokenize(self, tokens):
        """Readable text from tokens: morphemes re-joined by a rule (see guards.join_morphemes)."""
        return guards.join_morphemes(self._forms(tokens))

    def _forms(self, tokens):
        if not self.pos:
            return list(tokens)
        return [token.rsplit("/", 1)[0] if "/" in token[1:] else token for token in tokens]

    def tokenize_lines(self, lines, workers=1, progress=False):
        """Tokens of each line, in input order (one list per line, [] for blank ones). ``workers`` > 1 tags in
        parallel: the tagger's own threads (kiwi) or spawn-started processes (mecab, KoNLPy; never fork,
        the JVM hangs in forked children)."""
        if int(workers) < 1:
            raise TokenizerError(f"workers must be at least 1, not {workers}")
        workers = int(workers)
        bar = tqdm(desc=f"tokenize ({self.name})", unit=" lines", disable=not progress or None,
                   mininterval=0.5, leave=False)
        try:
            if self.parallel == "none":
                for i, line in enumerate(lines, 1):
                    yield self.tokenize(line)
                    if i % BATCH_LINES == 0:
                        bar.update(BATCH_LINES)
                return
            batches = _batches(lines, self._pieces)
            if workers > 1 and self.parallel == "process":
                self.check_available()
                results = _run_in_processes(type(self), self.pos, self.options, batches, workers)
            else:
                results = ((counts, self._tag_batch(pieces, workers)) for pieces, counts in batches)
            for counts, tagged in results:
                yield from _regroup(counts, tagged)
                bar.update(len(counts))
        finally:
            bar.close()

    def __repr__(self):
        settings = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"{type(self).__name__}(pos={self.pos}{settings})"


def _batches(lines, prepare):
    """Group lines into ``(pieces, counts)``: counts[i] pieces belong to line i (0 for a blank line)."""
    pieces, counts, size = [], [], 0
    for line in lines:
        parts = prepare(line)
        pieces += parts
        counts.append(len(parts))
        size += len(line)
        if len(counts) >= BATCH_LINES or size >= BATCH_CHARS:
            yield pieces, counts
            pieces, counts, size = [], [], 0
    if counts:
        yield pieces, counts


def _regroup(counts, tagged):
    tagged = iter(tagged)
    for count in counts:
        if count == 1:
            yield next(tagged)
        else:
            tokens = []
            for _ in range(count):
                tokens += next(tagged)
            yield tokens


# ---- spawn-started worker processes ------------------------------------------------------------
_WORKER = {}


def _check_option_type(name, key, value, default):
    """A tokenizer option must have its default's type: booleans are exactly true or false."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise TokenizerError(f"option {key!r} of tokenizer '{name}' is true or false, not {value!r} "
                                 f"(e.g. {name}:{key}=true)")
    elif isinstance(default, int) and (isinstance(value, bool) or not isinstance(value, int)):
        raise TokenizerError(f"option {key!r} of tokenizer '{name}' is a whole number, not {value!r}")


def _worker_setup(tokenizer_class, pos, options):
    _WORKER["build"] = (tokenizer_class, pos, options)


def _worker_tag(pieces):
    """Tag a batch in a worker; the tagger is built on the first call, so its errors reach the parent."""
    try:
        if "tokenizer" not in _WORKER:
            tokenizer_class, pos, options = _WORKER["build"]
            _WORKER["tokenizer"] = tokenizer_class(pos=pos, **options)
        return _WORKER["tokenizer"]._tag_batch(pieces)
    except TokenizerError:
        raise
    except Exception as exc:  # Java exceptions do not pickle; send a plain one-line error
        raise TokenizerError(f"{_WORKER['build'][0].name} failed in a worker process: {type(exc).__name__}: {exc}")


def _run_in_processes(tokenizer_class, pos, options, batches, workers):
    """Yield ``(counts, tagged)`` per batch in order, keeping at most 2 batches per worker in flight.
    Workers get the tokenizer class itself (pickled by reference), so a spawned process needs no registry.
    A worker that dies (or cannot start) breaks the pool with an error instead of a hang."""
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    context = multiprocessing.get_context("spawn")
    executor = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup,
                                   initargs=(tokenizer_class, pos, options))
    try:
        pending = collections.deque()
        for pieces, counts in batches:
            pending.append((counts, executor.submit(_worker_tag, pieces)))
            while len(pending) >= 2 * workers:
                counts_done, future = pending.popleft()
                yield counts_done, future.result()
        while pending:
            counts_done, future = pending.popleft()
            yield counts_done, future.result()
    except BrokenProcessPool:
        raise TokenizerError(f"the {tokenizer_class.name} worker processes died (out of memory, or the main module "
                             f"cannot be re-imported by spawn: run a script file with an "
                             f"`if __name__ == \"__main__\":` guard); use --workers 1") from None
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
