"""Counting what --errors replace replaced: U+FFFD per file, reported once, with a warning above 1 %."""

import codecs
import logging
import os

logger = logging.getLogger("w2vlm")

WARN_SHARE = 0.01
_REPORTED = set()   # (path, size, mtime_ns, encoding): each file is reported once per process


class ReplacementCount:
    """Wraps ``(lineno, text)`` pairs of one file decoded with errors="replace" and counts the replacements."""

    def __init__(self, source, encoding):
        self.source, self.encoding = source, encoding
        self.utf8 = codecs.lookup(encoding).name == "utf-8"
        self.replaced = self.characters = 0

    def count(self, pairs):
        """Pass ``pairs`` through, counting U+FFFD that decoding made (a real U+FFFD in UTF-8 input is not one)."""
        for lineno, text in pairs:
            self.characters += len(text)
            self.replaced += text.count("\ufffd")
            yield lineno, text

    def report(self):
        """Log the count once per file: info when small, a warning above 1 % of the characters."""
        try:
            stat = os.stat(self.source.path)
        except OSError:
            return
        key = (os.path.realpath(self.source.path), stat.st_size, stat.st_mtime_ns, self.encoding)
        if key in _REPORTED:
            return
        _REPORTED.add(key)
        replaced = self.replaced - (_literal_fffd(self.source.path) if self.utf8 else 0)
        if replaced <= 0:
            return
        share = replaced / max(self.characters, 1)
        message = (f"{self.source.name}: --errors replace turned {replaced:,} undecodable byte sequence(s) into "
                   f"U+FFFD ({share:.2%} of {self.characters:,} characters)")
        if share > WARN_SHARE:
            logger.warning("warning: %s; is --encoding %s right? Korean files are often cp949 or euc-kr",
                           message, self.encoding)
        else:
            logger.info("%s", message)


def _literal_fffd(path):
    """U+FFFD characters really written in a UTF-8 file (EF BF BD), which decoding did not make."""
    count = 0
    with open(path, "rb") as handle:
        tail = b""
        for block in iter(lambda: handle.read(1 << 20), b""):
            data = tail + block
            count += data.count(b"\xef\xbf\xbd")
            tail = data[-2:] if not data.endswith(b"\xef\xbf\xbd") else b""
    return count
