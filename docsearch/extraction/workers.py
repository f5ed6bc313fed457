"""Run a function over many items, each in an isolated worker process.

``map_isolated`` keeps ``workers`` processes busy and yields ``(index,
outcome)`` pairs as they finish. A worker that exceeds the time limit is
killed and replaced; one that dies (segfault, out of memory) is replaced
too. Either way the item gets an ``ExtractionError`` with its reason and
the run goes on. Workers have an address-space limit so a decompression
bomb fails inside its worker instead of swapping the machine.
"""

from __future__ import annotations

import importlib
import os
import pickle
import queue
import resource
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import IO, Any

from docsearch.errors import ExtractionError
from docsearch.faults import fault

_HEADER = struct.Struct("!Q")


@dataclass
class Outcome:
    value: Any = None
    error: ExtractionError | None = None


def map_isolated(
    fn: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    *,
    workers: int,
    timeout: float,
    memory_mb: int = 0,
) -> Iterator[tuple[int, Outcome]]:
    """Call ``fn(*items[i])`` in worker processes; yield ``(i, Outcome)`` as each ends.

    ``fn`` must be a module-level function: workers are fresh interpreters
    (``python -m docsearch.extraction.workers``) that import it by name, so they share
    no lock or thread with the caller.
    """
    if not items:
        return
    pool = _Pool(f"{fn.__module__}:{fn.__qualname__}", max(1, min(workers, len(items))), timeout, memory_mb)
    try:
        yield from pool.run(items)
    finally:
        pool.close()


class Started:
    """One call of ``fn(*args)`` already running in its isolated worker (``start_isolated``)."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float, memory_mb: int) -> None:
        self.pool = _Pool(f"{fn.__module__}:{fn.__qualname__}", 1, timeout, memory_mb)
        self.pool._assign(self.pool.workers[0], 0, [args])
        self.closed = False

    def outcome(self) -> Outcome:
        """Wait for the call's outcome (as ``map_isolated`` gives it); the worker then stops."""
        try:
            while True:
                for _, outcome in self.pool._collect():
                    return outcome
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop the worker, done or not (its outcome is not wanted)."""
        if not self.closed:
            self.closed = True
            self.pool.close()


def start_isolated(fn: Callable[..., Any], args: tuple[Any, ...], *, timeout: float, memory_mb: int = 0) -> Started:
    """Start ``fn(*args)`` in an isolated worker (as ``map_isolated`` does) and return at
    once, so that the caller does something else while the worker starts and works."""
    return Started(fn, args, timeout, memory_mb)


def read_ahead(items: Iterator[Any], size: int = 32) -> Iterator[Any]:
    """Run ``items`` in a thread, up to ``size`` results ahead of the consumer.

    While the caller indexes one extracted file, the workers go on
    extracting the next ones instead of waiting for it to ask.
    """
    results: queue.Queue[tuple[str, Any]] = queue.Queue(size)
    stop = threading.Event()

    def hand_over(kind: str, value: Any) -> bool:
        """Queue one message unless the consumer has gone (then False)."""
        while not stop.is_set():
            try:
                results.put((kind, value), timeout=0.1)
                return True
            except queue.Full:
                pass
        return False

    def produce() -> None:
        try:
            for item in items:
                if not hand_over("item", item):
                    return
            hand_over("end", None)
        except BaseException as exc:  # handed to the consumer, raised there
            hand_over("error", exc)
        finally:
            close = getattr(items, "close", None)
            if close:
                close()  # a generator's cleanup (stopping its workers) runs here, in its own thread

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = results.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


class _Worker:
    def __init__(self, fn_name: str, memory_mb: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "docsearch.extraction.workers", fn_name, str(memory_mb), str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        assert self.process.stdin and self.process.stdout
        self.stdin: IO[bytes] = self.process.stdin
        self.stdout: IO[bytes] = self.process.stdout
        self.task: int | None = None
        self.deadline = 0.0
        self.buffer = bytearray()  # bytes read from stdout, not yet a whole frame

    def pump(self) -> bool:
        """Read what the worker has written (stdout is readable); False at end of file."""
        try:
            chunk = os.read(self.stdout.fileno(), 1 << 20)
        except OSError:
            return False
        self.buffer += chunk
        return bool(chunk)

    def frames(self) -> Iterator[Any]:
        """The whole frames received so far."""
        while len(self.buffer) >= _HEADER.size:
            (size,) = _HEADER.unpack(self.buffer[:_HEADER.size])
            if len(self.buffer) < _HEADER.size + size:
                return
            data = bytes(self.buffer[_HEADER.size:_HEADER.size + size])
            del self.buffer[:_HEADER.size + size]
            yield pickle.loads(data)

    def send(self, message: object) -> None:
        write_frame(self.stdin, message)

    def stop(self, kill: bool = False) -> None:
        if not kill:
            try:
                self.send(None)
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                kill = True
        if kill:
            self.process.kill()
            self.process.wait()
        for stream in (self.stdin, self.stdout):
            try:
                stream.close()
            except OSError:
                pass


class _Pool:
    def __init__(self, fn_name: str, size: int, timeout: float, memory_mb: int) -> None:
        self.fn_name, self.timeout, self.memory_mb = fn_name, timeout, memory_mb
        self.workers = [_Worker(fn_name, memory_mb) for _ in range(size)]
    def run(self, items: Sequence[tuple[Any, ...]]) -> Iterator[tuple[int, Outcome]]:
        pending = deque(range(len(items)))
        while pending or self._busy():
            for worker in self.workers:
                if worker.task is None and pending:
                    self._assign(worker, pending.popleft(), items)
            yield from self._collect()

    def _busy(self) -> list[_Worker]:
        return [w for w in self.workers if w.task is not None]

    def _assign(self, worker: _Worker, index: int, items: Sequence[tuple[Any, ...]]) -> None:
        worker.task = index
        worker.deadline = time.monotonic() + self.timeout
        try:
            worker.send(items[index])
        except OSError:
            pass  # a dead worker shows as end of file when its answer is read

    def _collect(self) -> Iterator[tuple[int, Outcome]]:
        busy = self._busy()
        next_deadline = min(w.deadline for w in busy)
        ready = _readable([w.stdout for w in busy], timeout=max(0.0, next_deadline - time.monotonic()))
        for worker in busy:
            index = worker.task
            assert index is not None
            outcome: Outcome | None = None
            if worker.stdout in ready:
                outcome = self._receive(worker)
                if outcome is None:
                    continue  # only a request for more time
            elif time.monotonic() >= worker.deadline:
                outcome = Outcome(error=ExtractionError("timeout", f"lecture de plus de {self.timeout:g} s"))
                self._replace(worker)
            else:
                continue
            worker.task = None
            yield index, outcome

    def _receive(self, worker: _Worker) -> Outcome | None:
        """The task's outcome, or None while it is still running (it may
        have asked for more time: ``extend_deadline``)."""
        alive = worker.pump()
        try:
            for status, payload in worker.frames():
                if status == "extend":
                    worker.deadline = max(worker.deadline, time.monotonic() + float(payload))
                    continue
                worker.buffer.clear()
                if status == "ok":
                    return Outcome(value=payload)
                return Outcome(error=ExtractionError(*payload))
        except (pickle.UnpicklingError, ValueError, EOFError):
            alive = False
        if alive:
            return None
        try:
            code = worker.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._replace(worker)
        return Outcome(error=ExtractionError("crashed", f"le lecteur s'est arrêté (code de sortie {code})"))

    def _replace(self, worker: _Worker) -> None:
        worker.stop(kill=True)
        self.workers[self.workers.index(worker)] = _Worker(self.fn_name, self.memory_mb)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop(kill=worker.task is not None)


def _readable(streams: list[IO[bytes]], timeout: float) -> list[IO[bytes]]:
    """The streams with something to read (or at end of file) within ``timeout``.

    ``wait`` is given their descriptors: it takes any object with a
    ``fileno()``, but its type stubs only name connections, sockets and ints."""
    by_fd = {stream.fileno(): stream for stream in streams}
    return [by_fd[fd] for fd in wait(list(by_fd), timeout=timeout) if isinstance(fd, int)]


def write_frame(stream: IO[bytes], message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


# The frames channel of this process when it is a worker (None otherwise).
_CHANNEL: IO[bytes] | None = None


def extend_deadline(seconds: float) -> None:
    """Ask the pool for ``seconds`` more from now for the current item: a
    long task made of bounded steps (OCR, page by page) calls it before each
    step, so the limit applies per step instead of per file. Outside a
    worker it does nothing."""
    if _CHANNEL is not None:
        write_frame(_CHANNEL, ("extend", seconds))


def exit_with_parent(parent: int) -> None:
    """A worker must not outlive a killed parent: nobody would stop it.
    (The parent's pid comes from the command line: it may die before this runs.)"""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _worker_main(fn_name: str, memory_mb: int, parent: int) -> None:
    exit_with_parent(parent)
    module, _, name = fn_name.partition(":")
    fn = getattr(importlib.import_module(module), name)
    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    global _CHANNEL
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    _CHANNEL = stdout
    # Run as ``-m``, this module is ``__main__``: the tasks import it under its
    # own name, a second copy that must know the channel too.
    importlib.import_module("docsearch.extraction.workers")._CHANNEL = stdout  # type: ignore[attr-defined]  # set on the other copy of this module
    # Anything a library prints must not corrupt the frames on stdout.
    sys.stdout = sys.stderr
    while True:
        try:
            args = read_frame(stdin)
        except (EOFError, KeyboardInterrupt):
            args = None
        if args is None:
            # Every answer is flushed: nothing is left to clean up. The interpreter's
            # own shutdown (modules, lxml…) took 0.1 s that the pool waited for.
            os._exit(0)
        fault("extract-worker-task")
        write_frame(stdout, _call(fn, args))


def _call(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[str, Any]:
    # The per-file boundary: whatever a broken file makes a parser raise
    # becomes a reason, and the worker lives on.
    try:
        return "ok", fn(*args)
    except ExtractionError as exc:
        return "error", (exc.reason, exc.detail)
    except MemoryError:
        return "error", ("too-large", "needs more memory than a worker may use")
    except RecursionError:
        return "error", ("corrupt", "structure nested too deeply")
    except Exception as exc:
        return "error", ("corrupt", f"{type(exc).__name__}: {exc}"[:300])


if __name__ == "__main__":
    _worker_main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
