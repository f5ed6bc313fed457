"""docsearch add's shortcuts: the extraction started before the duplicate check, and the
duplicate check's walk of same-size files only, give what the slower ways gave."""

import time
from pathlib import Path

from docsearch.corpus.scan import list_sources, sources_of_size
from docsearch.extraction import SUPPORTED_SUFFIXES
from docsearch.extraction.workers import start_isolated
from tests import slow_functions as f

SAMPLE = Path(__file__).resolve().parent.parent / "corpus"


def test_a_started_call_gives_its_outcome_later() -> None:
    started = start_isolated(f.echo, ("bonjour",), timeout=10.0)
    assert started.outcome().value == "bonjour"
    started.cancel()  # once done, cancelling again is harmless


def test_a_started_call_that_is_not_wanted_is_stopped() -> None:
    started = start_isolated(f.sleep_for, (600,), timeout=700.0)
    worker = started.pool.workers[0].process
    began = time.monotonic()
    started.cancel()
    assert worker.poll() is not None and time.monotonic() - began < 10


def test_a_started_call_keeps_the_time_limit() -> None:
    outcome = start_isolated(f.sleep_for, (600,), timeout=3.0).outcome()
    assert outcome.error is not None and outcome.error.reason == "timeout"


def test_the_same_size_walk_finds_what_the_full_listing_finds() -> None:
    every = list_sources(SAMPLE, SUPPORTED_SUFFIXES)
    for size in {source.size for source in every} | {1}:
        assert sources_of_size(SAMPLE, SUPPORTED_SUFFIXES, size) == [s for s in every if s.size == size]
