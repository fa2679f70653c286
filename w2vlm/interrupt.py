"""Ctrl-C as a request: training stops at its next safe point and keeps what it has; a second Ctrl-C aborts."""

import logging
import signal
import threading

log = logging.getLogger("w2vlm")


class _SigintScope:
    """Installs ``self._handle`` for SIGINT inside a ``with`` block (main thread only; elsewhere a no-op)."""

    def __init__(self):
        self._previous = None

    def _handle(self, signum, frame):
        raise NotImplementedError

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        return False


class StopRequest(_SigintScope):
    """A context manager and a ``stop()`` callable: inside it the first SIGINT only sets ``requested``; the
    second raises KeyboardInterrupt at once, for a user who will not wait."""

    def __init__(self, message="stopping at the next safe point (Ctrl-C again to abort without saving)"):
        super().__init__()
        self.requested = False
        self.message = message

    def __call__(self):
        return self.requested

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        log.warning("%s", self.message)


class DeferInterrupt(_SigintScope):
    """Hold a Ctrl-C back while a save runs, then raise it: the file being written is finished first."""

    def __init__(self):
        super().__init__()
        self.caught = False

    def _handle(self, signum, frame):
        self.caught = True

    def __exit__(self, *exc):
        super().__exit__(*exc)
        if self.caught and exc[0] is None:
            raise KeyboardInterrupt
        return False
