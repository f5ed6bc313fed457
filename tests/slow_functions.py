"""Module-level functions for the worker tests: workers import them by name."""

import os
import time


def sleep_for(seconds: float) -> str:
    time.sleep(seconds)
    return "slept"


def die() -> None:
    os._exit(7)


def allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def fail() -> None:
    raise ValueError("broken structure")


def echo(value: object) -> object:
    return value


def sleep_in_steps(steps: int, seconds: float) -> str:
    """A long task made of bounded steps, each asking for its own time."""
    from docsearch.extraction.workers import extend_deadline

    for _ in range(steps):
        extend_deadline(30)
        time.sleep(seconds)
    return "done"
