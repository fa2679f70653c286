"""One pass from corpus to int32 id shards with line offsets, cached on disk by corpus content + tokenizer."""

import logging
import os
import shutil
import tempfile
import time
import weakref
from pathlib import Path

from ..errors import ArtifactError, CorpusError
from ..atomic_files import current_umask
from ..model_dir import write_directory
from . import shards as shard_files
from .cache import cache_key, default_cache_dir, touch
from .distributed import encode_on_dask
from .encoded import EncodedCorpus

logger = logging.getLogger("w2vlm")

__all__ = ["EncodedCorpus", "encode_corpus", "encode_to_directory", "write_shards", "default_cache_dir", "cache_key"]


def write_shards(corpus, tokenizer, directory, *, workers=1, scheduler=None, progress=True,
                 shard_tokens=shard_files.SHARD_TOKENS):
    """Tokenize ``corpus`` into shards under ``directory`` (a local path or an fsspec URL) and write the index.

    Without ``scheduler`` it runs here (``workers`` tagging threads or processes, as ``tokenize_lines``); with
    ``scheduler`` ("local" or a Dask scheduler address) byte ranges of the files are tokenized on Dask workers.
    The ids are the same either way. Returns the index dict.
    """
    start = time.perf_counter()
    if scheduler and tokenizer.files():
        logger.info("the %s tokenizer's model file stays here: tokenizing without Dask", tokenizer.name)
        scheduler = None
    if scheduler:
        index = encode_on_dask(corpus, tokenizer, directory, scheduler=scheduler, workers=workers,
                               progress=progress, shard_tokens=shard_tokens)
    else:
        bar = shard_files.token_bar(progress, f"tokenize ({tokenizer.name})")
        try:
            writer = shard_files.ShardWriter(directory, "part-00000", shard_tokens)
            records = [shard_files.tokenize_into(writer, corpus, tokenizer, workers=workers, report=bar.update)]
        finally:
            bar.close()
        if not records[0]["types"]:
            raise CorpusError(f"corpus {corpus.describe()} gave no tokens with tokenizer {tokenizer.name}")
        index = shard_files.finish(directory, records, tokenizer_config=tokenizer.config(),
                                   digest=corpus.fingerprint(), description=corpus.describe())
    elapsed = time.perf_counter() - start
    logger.info("tokenized %s with %s: %s tokens, %s types, %s lines in %.1fs (%s tokens/s)%s",
                corpus.describe(), tokenizer.name, f"{index['n_tokens']:,}", f"{index['n_types']:,}",
                f"{index['n_lines']:,}", elapsed, f"{index['n_tokens'] / max(elapsed, 1e-9):,.0f}",
                f" on Dask ({scheduler})" if scheduler else "")
    return index


def encode_corpus(corpus, tokenizer, *, workers=1, cache_dir=None, progress=True, cache=True, scheduler=None,
                  shard_tokens=shard_files.SHARD_TOKENS):
    """Tokenize ``corpus`` once into an EncodedCorpus (a shard directory read memory-mapped).

    With ``cache`` (default) the shards are kept under ``cache_dir``/encoded/KEY (default $W2VLM_CACHE or
    ~/.cache/w2vlm); a second call with the same corpus content and tokenizer settings verifies their
    checksums, loads them and logs "cache hit". A damaged entry is reported as a warning and rebuilt.
    """
    if not cache:
        staging = Path(tempfile.mkdtemp(prefix="w2vlm-encoded-"))
        try:
            write_shards(corpus, tokenizer, staging, workers=workers, scheduler=scheduler, progress=progress,
                         shard_tokens=shard_tokens)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        encoded = EncodedCorpus.load(staging, verify=False)
        weakref.finalize(encoded, shutil.rmtree, staging, True)  # open memory maps keep their files alive
        return encoded
    root = (Path(cache_dir).expanduser() if cache_dir else default_cache_dir()) / "encoded"
    entry = root / cache_key(corpus, tokenizer)
    started = time.perf_counter()
    if entry.is_dir():
        try:
            encoded = EncodedCorpus.load(entry, verify=True, cache_hit=True)
            touch(entry)
            logger.info("cache hit: %s with %s (%s tokens, %s lines) verified and opened in %.2fs from %s "
                        "(skipped tokenization)", corpus.describe(), tokenizer.name, f"{encoded.n_tokens:,}",
                        f"{encoded.n_lines:,}", time.perf_counter() - started, root)
            return encoded
        except ArtifactError as exc:
            logger.warning("warning: the token cache entry %s is damaged (%s); rebuilding it", entry, exc)
            shutil.rmtree(entry, ignore_errors=True)
    try:
        root.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", suffix=".tmp", dir=root))
    except OSError as exc:
        logger.warning("could not write the token cache under %s (%s); continuing without it", root, exc)
        return encode_corpus(corpus, tokenizer, workers=workers, progress=progress, cache=False,
                             scheduler=scheduler, shard_tokens=shard_tokens)
    try:
        write_shards(corpus, tokenizer, staging, workers=workers, scheduler=scheduler, progress=progress,
                     shard_tokens=shard_tokens)
        os.chmod(staging, 0o777 & ~current_umask())
        try:
            os.rename(staging, entry)
        except OSError:
            if not entry.is_dir():
                raise
            # another process filled the same entry meanwhile (same key, same content): keep theirs
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return EncodedCorpus.load(entry, verify=False)


def encode_to_directory(corpus, tokenizer, output, *, workers=1, scheduler=None, progress=True,
                        shard_tokens=shard_files.SHARD_TOKENS):
    """Write the shards of ``corpus`` to ``output`` (``w2vlm encode``): a local directory, replaced whole and
    atomically when it already holds shards, or an fsspec URL (written in place, index last). Returns the index.
    A non-empty local directory of anything else is refused before any tokenizing."""
    if shard_files.is_url(output):
        return write_shards(corpus, tokenizer, str(output), workers=workers, scheduler=scheduler,
                            progress=progress, shard_tokens=shard_tokens)
    output = Path(output)
    check_output_directory(output)
    written = {}

    def write(stage):
        written.update(write_shards(corpus, tokenizer, stage, workers=workers, scheduler=scheduler,
                                    progress=progress, shard_tokens=shard_tokens))

    # staged beside the target and swapped in whole (a kill leaves the old shards or the new ones); files
    # that w2vlm did not write there are carried over
    write_directory(output, write, ours=shard_files.is_shard_file)
    return written


def check_output_directory(output):
    """Refuse an output that is a file, or a non-empty directory that does not hold shards."""
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise CorpusError(f"{output} is a file; give a directory for the shards")
    if output.is_dir() and any(output.iterdir()) and not shard_files.is_shard_dir(output):
        raise CorpusError(f"{output} is a non-empty directory that does not hold w2vlm shards; give a new or "
                          f"empty directory")
