"""Tokenization on Dask: byte ranges of the files become tasks, workers write shards, the client merges counts.

What crosses the network: each task gets a file name and a byte range (the text itself is read by the worker
from a path every worker can reach), and returns its shard names, local types and counts; the client merges
the counts into one global id order and the workers rewrite their shards to it (shards.py). Each worker
process builds its tagger once (``tokenizer_base.shared``). Progress reaches the client as worker events.
Only this module imports Dask, and only when a scheduler is asked for.
"""

import codecs
import contextlib
import json
import logging
import os
import uuid

from ..errors import CorpusError, W2VLMError
from . import shards as shard_files
from .tokenize import tokenizer_from_config
from .tokenizer_base import shared

logger = logging.getLogger("w2vlm")

TASK_BYTES = 64 << 20   # the most bytes of text one task reads
TASKS_PER_WORKER = 4    # ... and at least this many tasks per worker when the corpus allows it
MIN_TASK_BYTES = 1 << 20


def plan_ranges(corpus, n_workers, task_bytes=None):
    """``[(source_index, start, end)]`` in corpus order: every file cut into byte ranges of about
    ``task_bytes`` (default: the corpus split evenly over TASKS_PER_WORKER tasks per worker, within
    [MIN_TASK_BYTES, TASK_BYTES]). UTF-16/32 files are one task each (they cannot be cut at b"\\n")."""
    sizes = [os.path.getsize(source.path) for source in corpus.sources]
    if task_bytes is None:
        even = sum(sizes) // max(1, n_workers * TASKS_PER_WORKER)
        task_bytes = min(max(even, MIN_TASK_BYTES), TASK_BYTES)
    wide = codecs.lookup(corpus.encoding).name.startswith(("utf-16", "utf-32"))
    ranges = []
    for index, size in enumerate(sizes):
        if wide or size <= task_bytes:
            ranges.append((index, 0, None))
        else:
            ranges += [(index, start, min(start + task_bytes, size)) for start in range(0, size, task_bytes)]
    return ranges


@contextlib.contextmanager
def connect(scheduler, workers):
    """A dask.distributed Client: ``"local"`` starts a LocalCluster of ``workers`` single-threaded processes;
    an address (``tcp://host:8786``) joins a running cluster; a Client is used as it is."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise W2VLMError("--scheduler needs Dask; install it with pip install 'w2vlm[distributed]'") from None
    if isinstance(scheduler, Client):
        yield scheduler
        return
    if scheduler == "local":
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise W2VLMError(f"cannot reach the Dask scheduler at {scheduler} ({type(exc).__name__}); start one with "
                         f"`dask scheduler` and `dask worker {scheduler}`, or use --scheduler local") from None
    with client:
        yield client


def encode_on_dask(corpus, tokenizer, directory, *, scheduler, workers=1, progress=True,
                   shard_tokens=shard_files.SHARD_TOKENS, task_bytes=None, bar=None):
    """Tokenize ``corpus`` on Dask into shards under ``directory`` (local path or fsspec URL that every worker
    can write); returns the index. The ids equal those of the in-process encode. ``bar``: the progress bar to
    count tokens on (``update(n)``, ``n``, ``close()``; default a tqdm bar when ``progress``)."""
    tokenizer.check_available()
    config = tokenizer.config()
    with connect(scheduler, workers) as client:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        ranges = plan_ranges(corpus, n_workers, task_bytes)
        topic = f"w2vlm-progress-{uuid.uuid4().hex}"
        if bar is None:
            bar = shard_files.token_bar(progress, f"tokenize ({tokenizer.name}, {len(ranges)} tasks on "
                                                  f"{n_workers} Dask workers)")
        client.subscribe_topic(topic, lambda event: bar.update(event[1]))
        try:
            futures = [client.submit(encode_range, corpus, config, directory, task, index, start, end,
                                     shard_tokens, topic, pure=False)
                       for task, (index, start, end) in enumerate(ranges)]
            records = client.gather(futures)
        except W2VLMError:
            bar.close()
            raise
        except Exception as exc:   # a worker died or the task failed in a way that is not ours to name
            bar.close()
            raise CorpusError(f"tokenizing on Dask failed: {type(exc).__name__}: {exc}") from None
        finally:
            client.unsubscribe_topic(topic)
        bar.update(max(0, sum(s["n_tokens"] for r in records for s in r["shards"]) - bar.n))  # events still in flight
        bar.close()
        if not any(record["types"] for record in records):
            raise CorpusError(f"corpus {corpus.describe()} gave no tokens with tokenizer {tokenizer.name}")

        def rewrite(jobs):
            return client.gather([client.submit(shard_files.rewrite_shard, *job, pure=False) for job in jobs])

        return shard_files.finish(directory, records, tokenizer_config=config, digest=corpus.fingerprint(),
                                  description=corpus.describe(), rewrite=rewrite)


def encode_range(corpus, tokenizer_config, directory, task, source_index, start, end, shard_tokens, topic):
    """A Dask task: tokenize one byte range into shards ``part-TASK-*``; return the writer's record."""
    from distributed import get_worker

    key = ("w2vlm-dask-tokenizer", json.dumps(tokenizer_config, sort_keys=True))
    tokenizer = shared(key, lambda: tokenizer_from_config(tokenizer_config))   # once per worker process
    worker = get_worker()
    writer = shard_files.ShardWriter(directory, f"part-{task:05d}", shard_tokens)
    lines = corpus.read_range(source_index, start, end)
    return shard_files.tokenize_into(writer, lines, tokenizer, report=lambda n: worker.log_event(topic, n))
