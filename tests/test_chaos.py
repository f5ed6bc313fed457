"""The chaos test (bench/chaos.py) for a bounded time: random kills of the CLI and the server,
damaged files, hostile files, concurrent uploads and withdrawals; no invariant may fail.

``DOCSEARCH_CHAOS_SECONDS`` sets its length (120 s by default), ``DOCSEARCH_CHAOS_SEED`` its seed
(by default one drawn at random and printed, so a failure can be replayed by hand with
``bench/chaos.py --seed N``). The kinds of ``KNOWN_UNFIXED`` do not run here.
"""

from __future__ import annotations

import hashlib
import os
import random

from bench.chaos import KNOWN_UNFIXED, chaos, default_kinds
from docsearch.config import Settings
from docsearch.corpus.scan import TRASH_DIR, sources_of_size
from docsearch.corpus.write import move_to_trash
from docsearch.staff import ingest
from tests.conftest import html_page

SECONDS = float(os.environ.get("DOCSEARCH_CHAOS_SECONDS", "120"))


def test_no_invariant_fails_under_random_faults(tmp_path) -> None:
    seed = int(os.environ.get("DOCSEARCH_CHAOS_SEED") or random.SystemRandom().randrange(1_000_000))
    kinds = default_kinds([])
    assert not kinds & set(KNOWN_UNFIXED)
    outcome = chaos(SECONDS, seed, tmp_path / "chaos", kinds, log=lambda line: None)
    print(outcome.summary())
    assert outcome.failure is None, outcome.summary()
    assert outcome.rounds >= 1, outcome.summary()  # at least one round ran to its checks


# Found by the chaos test ----------------------------------------------------


def test_an_upload_beside_a_withdrawal_of_a_same_size_file_is_not_an_error(tmp_path, monkeypatch) -> None:
    """An upload's duplicate check lists the corpus, then hashes the files of its size; a
    withdrawal moving one of them to the trash in between made the upload answer 500."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    data = html_page("Page nouvelle", "Une page envoyée...")
    withdrawn = corpus / "retiree.html"
    withdrawn.write_bytes(html_page("Page retirée", "Une page supprimée."))
    assert len(data) == withdrawn.stat().st_size  # the same size: the check hashes it
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance")

    def listing_then_withdrawal(corpus_dir, suffixes, size):
        sources = sources_of_size(corpus_dir, suffixes, size)
        assert [source.relpath for source in sources] == ["retiree.html"]
        move_to_trash(corpus_dir, "retiree.html")  # the concurrent withdrawal lands here
        return sources

    monkeypatch.setattr(ingest, "sources_of_size", listing_then_withdrawal)
    ingest.refuse_duplicate(settings, hashlib.sha256(data).hexdigest(), len(data), "nouvelle.html")  # no error
    assert list((corpus / TRASH_DIR).rglob("retiree.html"))
