"""One indexing thread for the web process: staff changes wait in a queue.

``IndexQueue.submit`` queues the files to (re)index or forget and returns a
``Job``; the thread runs the queued jobs together through ``update_index``
(one by one if that run fails), which itself waits for any other writer (a
CLI rebuild), so no change is lost and nobody sees a lock error. A path that
is gone by the time its turn comes is forgotten, not a failure.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field

from docsearch.catalogue.learned import learned_path
from docsearch.config import Settings
from docsearch.index.learning import refresh_learned
from docsearch.index.store import IndexStore
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
        """Run the queued jobs together; if that run fails, run each on its
        own, so one change that cannot be indexed never holds back the others."""
        try:
            report = self._update(batch)
        except Exception as exc:
            if len(batch) > 1:
                logger.warning("indexing %d queued changes together failed (%s): one by one now", len(batch), exc)
                for job in batch:
                    self._index([job])
                return
            logger.exception("indexing failed")  # reported to the waiting staff member, the thread goes on
            batch[0].error = str(exc)
            batch[0].done.set()
            return
        for job in batch:
            job.report = report
            job.done.set()
        if report.learn:
            # After the answer: staff do not wait for the classifier (seconds: importing
            # scikit-learn alone took 6 s here); the next batch waits for it instead.
            refresh_learned(lambda: IndexStore(self.settings.index_dir).open(), learned_path(self.settings.instance_dir))

    def _update(self, batch: list[Job]) -> RunReport:
        # The last job that names a path decides: published then withdrawn is
        # forgotten, withdrawn then restored is indexed.
        whole = any(job.only is None for job in batch)
        plan: dict[str, bool] = {}  # path → index it (True) or forget it (False)
        for job in batch:
            for path in job.only or []:
                plan.pop(path, None)
                plan[path] = True
            for path in job.forget:
                plan.pop(path, None)
                plan[path] = False
        only = None if whole else [path for path, index in plan.items() if index]
        forget = [path for path, index in plan.items() if not index]
        return update_index(self.settings, only=only, forget=forget, retry_failed=any(job.retry_failed for job in batch),
                            learn=False)
