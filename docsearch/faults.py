"""Named fault points, so crash tests stop a process at a chosen moment on any machine.

Code that a test wants to interrupt calls ``fault("update-document")`` at
that moment. Nothing happens unless the environment names the point:

    DOCSEARCH_FAULT="update-document:10:kill,update-publish:1:pause"
    DOCSEARCH_FAULT_FILE=/tmp/…/faults

The N-th time a process reaches a named point (counted per process), it
appends ``<point> <n> <pid>`` to ``DOCSEARCH_FAULT_FILE`` (the signal a test
waits for), then, by the action:

- ``kill``: kills itself with SIGKILL, as a power cut or the OOM killer would;
- ``pause``: blocks until the file ``DOCSEARCH_FAULT_FILE + ".go"`` appears
  (which it removes, so a later pause blocks again), or until it is killed;
- ``mark``: goes on (the test only learns that, and which process, got there).

The environment is read once, at import: a point costs one function call
when it is unset. This is the one place below the CLI that reads the
environment (``config`` says nothing else does): the points must reach the
extraction and writing child processes, which get no settings object but
inherit the environment. Points in use: ``update-locked``,
``update-document``, ``update-committed``, ``update-publish``,
``update-published`` (docsearch.index.update), ``writer-commit``,
``writer-child-batch`` (docsearch.index.writer), ``extract-worker-task``
(docsearch.extraction.workers), ``draft-claimed`` (docsearch.staff.drafts).
"""

from __future__ import annotations

import os
import signal
import threading
import time

ACTIONS = ("kill", "pause", "mark")
PAUSE_POLL = 0.02  # seconds between two looks for the release file


def _parse(spec: str) -> dict[str, tuple[int, str]]:
    plan: dict[str, tuple[int, str]] = {}
    for entry in filter(None, (part.strip() for part in spec.split(","))):
        point, _, rest = entry.partition(":")
        count, _, action = rest.partition(":")
        action = action or "kill"
        if not point or not count.isdigit() or int(count) < 1 or action not in ACTIONS:
            # A mistyped plan must not let a crash test pass without its crash.
            raise ValueError(f"DOCSEARCH_FAULT: {entry!r} is not point:N[:kill|pause|mark]")
        plan[point] = (int(count), action)
    return plan


_PLAN = _parse(os.environ.get("DOCSEARCH_FAULT", ""))
_REPORT = os.environ.get("DOCSEARCH_FAULT_FILE", "")
_reached: dict[str, int] = {}
_lock = threading.Lock()


def fault(point: str) -> None:
    """Reached ``point``: act if the environment asked for this point at this count."""
    if not _PLAN or point not in _PLAN:
        return
    with _lock:
        _reached[point] = count = _reached.get(point, 0) + 1
    wanted, action = _PLAN[point]
    if count != wanted:
        return
    if _REPORT:
        descriptor = os.open(_REPORT, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, f"{point} {count} {os.getpid()}\n".encode())
        finally:
            os.close(descriptor)
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif action == "pause":
        release = _REPORT + ".go"
        while True:
            try:
                os.unlink(release)
                return
            except FileNotFoundError:
                time.sleep(PAUSE_POLL)
