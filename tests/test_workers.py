"""Isolated extraction workers: a slow, crashing or greedy file never stops a run."""

import subprocess
import sys
import time
from pathlib import Path

from docsearch.extraction.workers import map_isolated
from tests import slow_functions as f
from tests.faults import Faults


def run(fn, items, **kwargs):
    options = {"workers": 2, "timeout": 10.0, "memory_mb": 0} | kwargs
    return dict(map_isolated(fn, items, **options))


def test_results_come_back_for_every_item() -> None:
    outcomes = run(f.echo, [(i,) for i in range(5)])
    assert {i: o.value for i, o in outcomes.items()} == {i: i for i in range(5)}


def test_slow_item_is_killed_and_the_others_finish() -> None:
    # The limit counts a fresh worker's start too: well above it, well below the slow item.
    outcomes = run(f.sleep_for, [(600,), (0,), (0,)], timeout=5.0)
    assert outcomes[0].error is not None and outcomes[0].error.reason == "timeout"
    assert outcomes[1].value == outcomes[2].value == "slept"


def test_crashing_worker_is_reported_and_replaced() -> None:
    outcomes = run(f.die, [(), ()])
    assert [o.error.reason for o in outcomes.values()] == ["crashed", "crashed"]
    assert run(f.echo, [("after",)])[0].value == "after"


def test_memory_limit_stops_a_greedy_item() -> None:
    outcomes = run(f.allocate, [(4096,), (1,)], memory_mb=512)
    assert outcomes[0].error is not None and outcomes[0].error.reason == "too-large"
    assert outcomes[1].value == 1024 * 1024


def test_exception_becomes_a_reason() -> None:
    outcome = run(f.fail, [()])[0]
    assert outcome.error is not None and outcome.error.reason == "corrupt"
    assert "broken structure" in outcome.error.detail


def test_workers_do_not_outlive_a_killed_parent(tmp_path) -> None:
    script = (
        "from docsearch.extraction.workers import map_isolated; from tests.slow_functions import sleep_for\n"
        "list(map_isolated(sleep_for, [(120,)], workers=1, timeout=300))\n"
    )
    faults = Faults(tmp_path)  # the worker says when it has its item in hand
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=Path(__file__).parent.parent,
                              env=faults.env("extract-worker-task:1:mark"))
    worker = faults.wait("extract-worker-task", parent)
    assert worker in _children(parent.pid)
    parent.kill()
    parent.wait()
    # The worker notices within its watch period; the deadline only bounds a broken watch.
    deadline = time.monotonic() + 30
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists() and _state(pid) not in ("Z", "gone")


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return "gone"


def test_read_ahead_stops_when_the_consumer_gives_up_with_a_full_queue() -> None:
    # The consumer fails while the producer has filled the queue and is
    # finishing: closing must not wait forever for room in the queue.
    import threading

    from docsearch.extraction.workers import read_ahead

    exhausted = threading.Event()

    def items():
        yield from range(3)  # all of it queued but the end
        exhausted.set()

    reader = read_ahead(items(), size=2)
    assert next(reader) == 0
    # Once the producer asks past the last item, 1 and 2 fill the queue and the end waits for room.
    assert exhausted.wait(5)
    done = threading.Event()
    threading.Thread(target=lambda: (reader.close(), done.set()), daemon=True).start()
    assert done.wait(5), "closing the reader hung"
