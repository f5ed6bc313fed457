"""One indexing thread for the web process: staff changes wait in a queue.

``IndexQueue.submit`` queues the files to (re)index or forget and returns a
``Job``; the thread runs the queued jobs together through ``update_index``,
which itself waits for any other writer (a CLI rebuild), so no change is
lost and nobody sees a lock error.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

from docsearch.config import Settings
from docsearch.index.update import RunReport, update_index

logger = logging.getLogger(__name__)


@dataclass
class Job:
    only: list[str] | None  # None: the whole corpus
    forget: list[str] = field(default_factory=list)
    retry_failed: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    report: RunReport | None = None
    error: str | None = None

    def wait(self, timeout: float) -> bool:
        return self.done.wait(timeout)


class IndexQueue:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._jobs: queue.Queue[Job] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, only: list[str] | None, forget: list[str] | None = None, retry_failed: bool = False) -> Job:
        job = Job(None if only is None else list(only), list(forget or []), retry_failed)
        self._jobs.put(job)
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="docsearch-indexer", daemon=True)
                self._thread.start()
        return job

    def _run(self) -> None:
        while True:
            batch = [self._jobs.get()]
            while not self._jobs.empty():  # everything queued meanwhile goes in the same run
                batch.append(self._jobs.get_nowait())
            self._index(batch)

    def _index(self, batch: list[Job]) -> None:
        whole = any(job.only is None for job in batch)
        only = None if whole else list(dict.fromkeys(p for job in batch for p in job.only or []))
        forget = list(dict.fromkeys(p for job in batch for p in job.forget))
        try:
            report = update_index(self.settings, only=only, forget=forget,
                                  retry_failed=any(job.retry_failed for job in batch))
        except Exception as exc:  # reported to the waiting staff member, the thread goes on
            logger.exception("indexing failed")
            for job in batch:
                job.error = str(exc)
                job.done.set()
            return
        for job in batch:
            job.report = report
            job.done.set()
