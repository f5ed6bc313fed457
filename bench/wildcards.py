"""What one costly query costs: sixty "*abc*" wildcards in one search.

    .venv/bin/python bench/wildcards.py [--corpus corpus] [--index /tmp/…/index] [--runs 5]

Indexes the corpus (the shipped sample unless told; an index already built
is reused), then times, with the default settings, sixty infix patterns that
match no word (each one a scan of the whole lexicon, as an attacker would
send them), sixty that match words, and a two-word query beside them.
Prints the median and slowest wall-clock time of each and the note the
visitor reads. The bound is the query's budget of words looked at
(``MAX_QUERY_SCANNED_WORDS``) and the search deadline
(``DOCSEARCH_SEARCH_TIMEOUT``, 3 s by default): before them, sixty misses
took 4–7 s on a larger lexicon.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from docsearch.config import Settings  # noqa: E402
from docsearch.index.backend import SearchRequest  # noqa: E402
from docsearch.index.store import IndexStore  # noqa: E402
from docsearch.index.update import update_index  # noqa: E402
from docsearch.search.service import SearchService  # noqa: E402


def queries(settings: Settings) -> dict[str, str]:
    letters = "bcdfghjklmnpqrstvwxz"
    misses = " ".join(f"*{a}{b}q*" for a, b in itertools.islice(itertools.product(letters, repeat=2), 60))
    reader = IndexStore(settings.index_dir).open().reader()
    infixes: list[str] = []
    for raw in reader.lexicon("words"):
        word = raw.decode("utf-8")
        if len(word) >= 6 and word[1:4].isalpha() and f"*{word[1:4]}*" not in infixes:
            infixes.append(f"*{word[1:4]}*")
        if len(infixes) == 60:
            break
    words = sum(1 for _ in reader.lexicon("words"))
    reader.close()
    print(f"lexicon: {words} words")
    return {"sixty misses": misses, "sixty infixes": " ".join(infixes), "two words": "économie sociale"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=PROJECT / "corpus")
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "docsearch-wildcards" / "index")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings = Settings.from_env(corpus_dir=args.corpus, index_dir=args.index, instance_dir=args.index.parent / "instance")
    update_index(settings)
    for name, q in queries(settings).items():
        times, note = [], None
        for _ in range(args.runs):
            service = SearchService(settings)  # a fresh one: no result cache
            service.search(SearchRequest(q="x"))  # the snapshot is opened outside the timing
            start = time.perf_counter()
            note = service.search(SearchRequest(q=q)).note
            times.append(time.perf_counter() - start)
            service.close()
        print(f"{name:14s} ({len(q)} chars): median {statistics.median(times):.3f} s, slowest {max(times):.3f} s; "
              f"note: {note or '-'}")


if __name__ == "__main__":
    main()
