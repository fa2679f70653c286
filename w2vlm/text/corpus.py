"""Corpus and open_corpus: restartable line streams over files, folders, globs, stdin and named corpora."""

import codecs
import glob
import hashlib
import itertools
import json
import logging
import os
import shutil
import sys
import tempfile
import weakref
from dataclasses import replace
from pathlib import Path

from ..errors import CorpusError
from . import catalog, columns
from .file_lines import Source, read_lines

logger = logging.getLogger("w2vlm")

_DIGESTS = {}  # (path, size, mtime_ns) -> sha256, so a corpus is hashed once per process


class Corpus:
    """A restartable stream of normalized, non-blank lines: ``for line in corpus`` reads the files again each time."""

    def __init__(self, sources, *, encoding="utf-8", errors="strict", normalize=None, name=None,
                 language=None, default_tokenizer="kiwi", catalog_name=None, split=None):
        self.sources = list(sources)
        self.encoding = encoding
        self.errors = errors
        self.normalize = normalize
        self.name = name
        self.default_tokenizer = default_tokenizer
        self.catalog_name = catalog_name
        self.split = split  # the catalog split these files are (None for plain files)
        self._language = language

    def __iter__(self):
        for source in self.sources:
            yield from read_lines(source, self.encoding, self.errors, self.normalize)

    def read_range(self, index, start=0, end=None):
        """The lines of ``sources[index]`` whose first byte lies in [start, end) (``end`` None: to the end), read
        as ``for line in corpus`` reads them: the byte ranges of a file cut it at line boundaries."""
        if start and codecs.lookup(self.encoding).name.startswith(("utf-16", "utf-32")):
            raise CorpusError(f"{self.encoding} text cannot be split into byte ranges; read the file whole")
        yield from read_lines(self.sources[index], self.encoding, self.errors, self.normalize, start, end)

    @property
    def files(self):
        return [source.path for source in self.sources]

    @property
    def language(self):
        """"ko" or "en": from the catalog, else guessed from the Hangul share of the first lines."""
        if self._language is None:
            self._language = _guess_language(self)
        return self._language

    def fingerprint(self):
        """A hash of the content of every file plus the reading options (the encode cache key)."""
        digest = hashlib.sha256()
        options = {"encoding": self.encoding, "errors": self.errors, "normalize": self.normalize, "v": 1}
        digest.update(json.dumps(options, sort_keys=True).encode())
        for source in self.sources:
            digest.update(json.dumps([source.format, source.column] + ([source.delimiter] if source.delimiter
                                                                           else [])).encode())
            digest.update(_file_digest(source.path).encode())
        return digest.hexdigest()

    def record(self):
        """How to open this corpus again from anywhere: its files as absolute paths, the reading options and
        the content digest (what a resumed run reopens and checks; see :func:`reopen_corpus`)."""
        first = self.sources[0] if self.sources else None
        return {"files": [str(Path(path).resolve()) for path in self.files], "encoding": self.encoding,
                "errors": self.errors, "normalize": self.normalize,
                "column": getattr(first, "column", None), "delimiter": getattr(first, "delimiter", None),
                "catalog": self.catalog_name, "split": self.split, "digest": self.fingerprint()}

    def describe(self):
        """A short name for logs: the corpus name, or the file names."""
        if self.name:
            return self.name
        names = [source.name for source in self.sources]
        return ", ".join(names) if len(names) <= 3 else f"{names[0]} ... ({len(names)} files)"

    def splits(self):
        """``{"train", "valid", "test"}`` corpora of a catalogued corpus with splits (only those present) when it
        was opened at its default split (``ptb``); else ``{"train": self}`` (files, ``nsmc``, ``ptb:valid``)."""
        if not self.catalog_name:
            return {"train": self}
        info = catalog.entry(self.catalog_name)
        if len(info["splits"]) < 2 or self.split != info.get("default_split", "train"):
            return {"train": self}
        result = {}
        for split, files in catalog.split_files(self.catalog_name).items():
            if split == self.split:
                result[split] = self
                continue
            result[split] = Corpus([_catalog_source(info, path) for path in files], encoding=self.encoding,
                                   errors=self.errors, normalize=self.normalize,
                                   name=f"{self.catalog_name}:{split}", language=info["language"],
                                   default_tokenizer=info["tokenizer"], catalog_name=self.catalog_name,
                                   split=split)
        return result

    def __repr__(self):
        return f"Corpus({self.describe()!r}, {len(self.sources)} file(s), encoding={self.encoding!r})"


def _file_digest(path):
    stat = os.stat(path)
    key = (os.path.realpath(path), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = catalog.sha256_of(path)
    return _DIGESTS[key]


def _guess_language(corpus, max_lines=200):
    hangul = letters = 0
    for i, line in enumerate(corpus):
        for ch in line:
            if "\uac00" <= ch <= "\ud7a3" or "\u3131" <= ch <= "\u318e":
                hangul += 1
                letters += 1
            elif ch.isalpha():
                letters += 1
        if i + 1 >= max_lines:
            break
    return "ko" if letters and hangul >= 0.1 * letters else "en"


def _catalog_source(info, path):
    fmt = info.get("format", "text")
    return Source(Path(path), fmt, info.get("column"), delimiter="\t" if fmt == "tsv" else None)


def _with_column(sources, column, delimiter, encoding, errors):
    """Sources reading ``column`` (split by ``delimiter``) when one is given; otherwise a one-line warning for the
    first plain file that looks like a TSV file with a header."""
    if column is not None:
        return [replace(source, column=column, delimiter=delimiter or source.delimiter) for source in sources]
    for source in sources:
        if source.column is None:
            head = list(itertools.islice(read_lines(source, encoding, errors, None), columns.SAMPLE_LINES))
            hint = columns.table_hint(head, source.name)
            if hint:
                logger.warning("%s", hint)
                break
    return sources


def _spool_stdin():
    """Copy stdin into a temp file once, so the corpus can be read again (and hashed)."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise CorpusError("there is no standard input to read; pass a file name instead of -")
    if sys.stdin.isatty():
        logger.info("reading text from the terminal; end it with Ctrl-D")
    handle = tempfile.NamedTemporaryFile(prefix="w2vlm-stdin-", suffix=".txt", delete=False)
    with handle:
        shutil.copyfileobj(stream, handle, 1 << 20)
    return Path(handle.name)


def _expand(spec, split, catalog_only=False):
    """The sources of one spec, the catalog entry name it came from and its split (or None, None).
    ``catalog_only`` reads a catalog name even when a file or folder of that name is in the working directory."""
    if spec == "-":
        return [Source(_spool_stdin(), label="<stdin>")], None, None
    name, _, wanted = str(spec).partition(":")
    if name in catalog.load_catalog() and (catalog_only or not Path(spec).exists()):
        info = catalog.entry(name)
        resolved = catalog.resolve_split(name, wanted or split)
        files = catalog.locate(name, resolved)
        return [_catalog_source(info, path) for path in files], name, resolved
    path = Path(spec).expanduser()
    if path.is_file():
        return [Source(path)], None, None
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise CorpusError(f"directory {path} holds no files")
        return [Source(p) for p in files], None, None
    if any(ch in str(spec) for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(os.path.expanduser(str(spec)), recursive=True) if os.path.isfile(p))
        if not files:
            raise CorpusError(f"no file matches {spec}")
        return [Source(p) for p in files], None, None
    raise CorpusError(f"{spec}: no such file, directory or named corpus "
                      f"(named corpora: {', '.join(catalog.names())}; see `w2vlm corpora list`)")


def reopen_corpus(record, what="corpus"):
    """The corpus :meth:`Corpus.record` describes, refused (CorpusError) when a file is gone or its content changed."""
    try:
        files = [str(path) for path in record["files"]]
        options = {name: record.get(name) for name in ("column", "delimiter")}
        if record.get("catalog"):   # a named corpus keeps its splits and default tokenizer
            files, options = [str(record["catalog"])], {"split": record.get("split") or "train"}
        corpus = open_corpus(files, encoding=record["encoding"], errors=record["errors"],
                             normalize=record.get("normalize"), **options)
    except (KeyError, TypeError) as exc:
        raise CorpusError(f"the saved {what} record is damaged ({exc}); train anew without --resume") from None
    if record.get("digest") and corpus.fingerprint() != record["digest"]:
        raise CorpusError(f"the {what} files ({', '.join(files[:2])}{', ...' if len(files) > 2 else ''}) changed "
                          f"since the run was saved; resume needs the same files, or train anew without --resume")
    return corpus


def open_corpus(specs=None, *, encoding="utf-8", errors="strict", normalize=None, split="train", column=None,
                delimiter=None):
    """Open files, folders (recursive, sorted), globs, "-" (stdin) or catalog names ("ptb", "nsmc:test") as one
    Corpus. ``None``/``[]`` gives the embedded default Korean corpus (KoNLPy's kolaw + kobill). ``column`` (a
    header name or a 0-based index) reads one column of TSV/CSV files, split by ``delimiter`` (default: tab when
    the first line has one, else comma); it overrides a catalog entry's own column."""
    column = columns.parse_column(column)
    delimiter = columns.parse_delimiter(delimiter)
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise CorpusError(f"unknown encoding '{encoding}'; use e.g. utf-8, cp949 or euc-kr") from None
    if errors not in ("strict", "replace"):
        raise CorpusError(f"errors must be 'strict' or 'replace', not {errors!r}")
    if normalize is True:
        normalize = "NFKC"
    if normalize and normalize not in ("NFC", "NFD", "NFKC", "NFKD"):
        raise CorpusError(f"normalize must be None or one of NFC, NFD, NFKC, NFKD, not {normalize!r}")
    normalize = normalize or None
    name, default = None, False
    if specs is None or (not isinstance(specs, (str, os.PathLike)) and len(specs) == 0):
        specs, name, default = list(catalog.DEFAULT_CORPUS), "default corpus (KoNLPy kolaw + kobill)", True
    elif isinstance(specs, (str, os.PathLike)):
        specs = [specs]
    sources, entries, splits, spool = [], [], [], None
    try:
        for spec in specs:
            found, entry_name, found_split = _expand(spec, split, catalog_only=default)
            splits.append(found_split)
            sources += found
            entries.append(entry_name)
            if spec == "-":
                spool = found[0].path
        sources = _with_column(sources, column, delimiter, encoding, errors)
    except BaseException:
        if spool is not None:
            _unlink_quietly(spool)
        raise
    infos = [catalog.entry(e) for e in entries if e]
    language = tokenizer = None
    if infos and len(infos) == len(entries):
        languages = {info["language"] for info in infos}
        tokenizers = {info.get("tokenizer", "kiwi") for info in infos}
        language = languages.pop() if len(languages) == 1 else None
        tokenizer = tokenizers.pop() if len(tokenizers) == 1 else None
    single = entries[0] if len(entries) == 1 and entries[0] else None
    if single and name is None:
        name = single if ":" not in str(specs[0]) else str(specs[0])
    corpus = Corpus(sources, encoding=encoding, errors=errors, normalize=normalize, name=name,
                    language=language, default_tokenizer=tokenizer or "kiwi", catalog_name=single,
                    split=splits[0] if single else None)
    if spool is not None:
        weakref.finalize(corpus, _unlink_quietly, spool)
    if next(iter(corpus), None) is None:
        raise CorpusError(f"corpus {corpus.describe()} is empty (no non-blank lines)")
    return corpus


def _unlink_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
