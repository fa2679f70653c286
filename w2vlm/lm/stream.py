"""The language-model token stream on disk: <eos>-terminated lines in vocabulary ids, memory-mapped, never copied."""

import os
import tempfile

import numpy as np


class TokenStream:
    """Tokens [start, stop) of a memory-mapped id file whose first entry is the start id (<eos>).

    ``targets`` are the tokens and ``inputs`` the same tokens shifted right by one (the token before each, the
    start id for the first of the file): both are views of the file, so cutting them into (B, L) training streams
    copies nothing (``batching.stream_pairs``). A slice that starts on a line boundary sees that line's preceding
    <eos> as its first input, exactly what a stream of its own gets as the start id.
    """

    def __init__(self, buffer, start=0, stop=None):
        self.buffer = buffer
        self.start = int(start)
        self.stop = len(buffer) - 1 if stop is None else int(stop)

    def __len__(self):
        return self.stop - self.start

    @property
    def targets(self):
        return self.buffer[self.start + 1:self.stop + 1]

    @property
    def inputs(self):
        return self.buffer[self.start:self.stop]

    def __getitem__(self, key):
        return self.targets[key]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.targets, dtype=dtype)

    def split(self, start, stop):
        """Tokens [start, stop) of this stream, as a stream."""
        return TokenStream(self.buffer, self.start + start, self.start + stop)


def write_token_stream(encoded, vocab, boundaries=(), directory=None):
    """Write ``encoded`` in ``vocab``'s ids (unknown words -> <unk>, <eos> after every line) to a temporary file,
    piece by piece, and map it. Returns the TokenStream and ``{line: token position}`` for each line number in
    ``boundaries`` (where that line starts in the stream). The file is unlinked at once: the mapping keeps it
    alive while it is used, and nothing is left behind, even after kill -9."""
    if vocab.unk_id is None or vocab.eos_id is None:
        raise ValueError("a language-model stream needs a vocabulary with <unk> and <eos>")
    length = encoded.n_tokens + encoded.n_lines + 1
    wanted = sorted(set(int(b) for b in boundaries))
    positions = {}
    fd, path = tempfile.mkstemp(prefix="w2vlm-lm-stream-", suffix=".npy", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            np.lib.format.write_array_header_1_0(handle, {"descr": np.dtype(np.int32).str, "fortran_order": False,
                                                          "shape": (length,)})
            handle.write(np.int32(vocab.eos_id).tobytes())
            written, line = 0, 0
            for ids, offsets in encoded.mapped_pieces(vocab, oov="unk", eos=True):
                lines = len(offsets) - 1
                for b in wanted:
                    if line <= b <= line + lines:
                        positions.setdefault(b, written + int(offsets[b - line]))
                handle.write(ids.tobytes())
                written, line = written + len(ids), line + lines
        buffer = np.load(path, mmap_mode="r")
    finally:
        os.unlink(path)
    if len(buffer) != written + 1:
        raise ValueError(f"wrote {written + 1} ids but expected {length}")
    return TokenStream(buffer), positions
