"""Run one function in a forked child process while the build goes on, then collect it.

`ForkJob(func, *args)` forks at once: the child sees the parent's memory as it is at that
moment (so it needs no pickling of its inputs), runs `func`, sends back its result, or
the exception it raised, and the WARNING-and-above log lines it emitted, then exits
without running any exit handler of the parent. `result()` waits for the child, replays
its log lines in the parent (so the build's problem collector sees them), and returns
the result or raises the same exception. A job dropped without `result()` (a build that
failed before collecting it) stops its child and reaps it, so a long-running process
(`blog preview`) keeps no stray writers or zombies.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class LogCapture(logging.Handler):
    """Keep (logger name, level, message) of the WARNING-and-above records a child emits."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.lines: list[tuple[str, int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.name, record.levelno, record.getMessage()))


class BackgroundError(RuntimeError):
    """The child raised an exception that could not be sent back as itself."""


def _run_child(write_fd: int, func: Callable[..., Any], args: tuple[Any, ...]) -> None:
    capture = LogCapture()
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(capture)
    try:
        payload = pickle.dumps(("ok", func(*args), capture.lines))
    except BaseException as error:
        detail = traceback.format_exc()
        try:
            payload = pickle.dumps(("error", error, capture.lines))
            pickle.loads(payload)
        except Exception:
            payload = pickle.dumps(("error", BackgroundError(detail), capture.lines))
    with os.fdopen(write_fd, "wb") as pipe:
        pipe.write(payload)


class ForkJob(Generic[T]):
    """`func(*args)` running in a forked child; `result()` joins it."""

    def __init__(self, func: Callable[..., T], *args: Any) -> None:
        read_fd, write_fd = os.pipe()
        # Objects that exist now are out of the collector's reach in the child: a
        # collection there would otherwise write to every object's header and so copy
        # nearly all of the parent's memory (copy-on-write) into the child.
        gc.freeze()
        try:
            pid = os.fork()
        except BaseException:
            gc.unfreeze()
            raise
        if pid != 0:
            gc.unfreeze()
        if pid == 0:  # the child: never return into the caller's code
            status = 0
            try:
                os.close(read_fd)
                _run_child(write_fd, func, args)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid = pid
        self._owner = os.getpid()
        self._read_fd = read_fd
        self._done = False

    def __del__(self) -> None:
        # Only the process that forked the child may stop it (a forked copy of this
        # object in another child must not).
        if getattr(self, "_done", True) or os.getpid() != self._owner:
            return
        self._done = True
        try:
            os.kill(self._pid, signal.SIGTERM)
            os.waitpid(self._pid, 0)
            os.close(self._read_fd)
        except OSError:
            pass

    def result(self) -> T:
        """Wait for the child; return its result or raise its exception."""
        if self._done:
            raise RuntimeError("ForkJob.result() called twice")
        self._done = True
        with os.fdopen(self._read_fd, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        if not data:
            raise BackgroundError(f"background process {self._pid} died (status {status})")
        kind, value, lines = pickle.loads(data)
        for name, level, message in lines:
            logging.getLogger(name).log(level, "%s", message)
        if kind == "error":
            raise value
        result: T = value
        return result
