"""The one loader for untrusted shard indexes: plain file names, counts covered by a digest and checked against
the arrays, token ids in range. A shard directory is read only through it."""

import hashlib
import json
import re

import numpy as np

from ..errors import ArtifactError

INDEX_DIGEST = "index_sha256"
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,200}$")
_SHA = re.compile(r"^[0-9a-f]{64}$")
_AGAIN = "encode the corpus again"


def index_digest(index):
    """sha256 of the index's content (canonical JSON, its own digest left out): names, counts, checksums."""
    body = {key: value for key, value in index.items() if key != INDEX_DIGEST}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                     allow_nan=False).encode("utf-8")).hexdigest()


def seal(index):
    """``index`` with its digest added (what write_index stores)."""
    return dict(index, **{INDEX_DIGEST: index_digest(index)})


def check_index(index, where):
    """Refuse an index whose digest does not match, whose shard names are not plain file names in the directory,
    or whose counts do not add up. Returns the list of ``(file name, sha256)`` every shard file must match.
    Nothing is opened here: a name like ``../x`` or ``/etc/passwd`` is refused before any file is read."""
    if INDEX_DIGEST not in index:
        raise ArtifactError(f"{where} has no {INDEX_DIGEST} (written by an older w2vlm, or edited); {_AGAIN}")
    try:
        digest = index_digest(index)
    except (TypeError, ValueError) as exc:
        raise ArtifactError(f"{where} holds values JSON cannot carry ({exc}); {_AGAIN}") from None
    if index[INDEX_DIGEST] != digest:
        raise ArtifactError(f"{where} does not match its {INDEX_DIGEST} (edited or damaged); {_AGAIN}")
    shards = index.get("shards")
    if not isinstance(shards, list):
        raise ArtifactError(f"{where}: 'shards' is not a list; {_AGAIN}")
    expected, names = [("types.json", _sha(index, "types_sha256", where))], set()
    for shard in shards:
        if not isinstance(shard, dict):
            raise ArtifactError(f"{where}: a shard entry is not an object; {_AGAIN}")
        name = shard.get("name")
        if not isinstance(name, str) or not _PLAIN_NAME.match(name) or ".." in name:
            raise ArtifactError(f"{where}: shard name {name!r} is not a plain file name inside the directory; "
                                f"refused (nothing was opened); {_AGAIN}")
        if name in names:
            raise ArtifactError(f"{where}: shard {name} is listed twice; {_AGAIN}")
        names.add(name)
        _count(shard, "n_tokens", f"{where} (shard {name})")
        _count(shard, "n_lines", f"{where} (shard {name})")
        expected += [(f"{name}.ids.npy", _sha(shard, "ids_sha256", where)),
                     (f"{name}.offsets.npy", _sha(shard, "offsets_sha256", where))]
    for total in ("n_tokens", "n_lines"):
        if _count(index, total, where) != sum(shard[total] for shard in shards):
            raise ArtifactError(f"{where}: {total} is not the sum over its shards; {_AGAIN}")
    _count(index, "n_types", where)
    return expected


def check_types(index, types, where):
    if len(types) != index["n_types"]:
        raise ArtifactError(f"{where} holds {len(types):,} types, the index says {index['n_types']:,}; {_AGAIN}")


def check_shard_arrays(shard, ids, offsets, n_types, where):
    """The arrays of one shard against its index entry: shapes, dtypes, counts, monotone offsets, ids in range."""
    name = shard["name"]
    if ids.dtype != np.int32 or ids.ndim != 1 or offsets.dtype != np.int64 or offsets.ndim != 1:
        raise ArtifactError(f"shard {name} of {where} has arrays of the wrong type or shape; {_AGAIN}")
    if len(offsets) != shard["n_lines"] + 1 or len(ids) != shard["n_tokens"]:
        raise ArtifactError(f"shard {name} of {where} holds {len(ids):,} tokens in {len(offsets) - 1:,} lines, its "
                            f"index entry says {shard['n_tokens']:,} in {shard['n_lines']:,}; {_AGAIN}")
    if len(offsets) and (offsets[0] != 0 or offsets[-1] != len(ids) or np.any(np.diff(offsets) < 0)):
        raise ArtifactError(f"shard {name} of {where} has line offsets out of order or out of range; {_AGAIN}")
    if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= n_types):
        raise ArtifactError(f"shard {name} of {where} holds token ids outside 0..{n_types - 1} (the types in "
                            f"types.json); {_AGAIN}")


def _count(record, key, where):
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ArtifactError(f"{where}: {key} is {value!r}, not a count; {_AGAIN}")
    return value


def _sha(record, key, where):
    value = record.get(key)
    if not isinstance(value, str) or not _SHA.match(value):
        raise ArtifactError(f"{where}: {key} is not a sha256; {_AGAIN}")
    return value
