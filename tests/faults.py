"""Drive docsearch.faults from a test: set a point, wait for a process to reach it, release it.

A test waits for the point itself (the line the process writes when it gets
there), never for a guessed delay, so the interruption lands at the same
moment of the run on a fast machine and on a loaded one.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

# Generous: only a broken run takes this long, a working one signals within seconds.
REACH_TIMEOUT = 120.0


class Faults:
    """One report file; ``env`` for the processes that should stop at ``spec``."""

    def __init__(self, folder: Path, name: str = "faults") -> None:
        self.report = folder / name
        self.report.unlink(missing_ok=True)

    def env(self, spec: str, base: dict[str, str] | None = None) -> dict[str, str]:
        return {**(os.environ if base is None else base), "DOCSEARCH_FAULT": spec, "DOCSEARCH_FAULT_FILE": str(self.report)}

    def reached(self) -> list[tuple[str, int, int]]:
        """(point, count, pid) of every point reached so far."""
        try:
            lines = self.report.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [(point, int(count), int(pid)) for point, count, pid in (line.split() for line in lines if line.strip())]

    def wait(self, point: str, process: subprocess.Popen | None = None, timeout: float = REACH_TIMEOUT) -> int:
        """The pid of the first process that reached ``point``; fails at once if
        ``process`` ends before anything reached it."""
        deadline = time.monotonic() + timeout
        while True:
            for name, _, pid in self.reached():
                if name == point:
                    return pid
            if process is not None and process.poll() is not None:
                raise AssertionError(f"the process ended (status {process.returncode}) before reaching {point}")
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing reached {point} within {timeout:g} s")
            time.sleep(0.01)

    def release(self) -> None:
        """Let the paused process go on."""
        Path(str(self.report) + ".go").touch()
