"""What docsearch answers to the bench's 200 queries, to compare two versions, and how fast.

    .venv/bin/python bench/answers.py --corpus C --index I --instance S dump OUT.jsonl
    .venv/bin/python bench/answers.py --corpus C --index I --instance S time [--profile OUT.prof]

``dump`` writes one JSON line per query of ``draw_queries(200, 1)`` (the
queries of ``bench/perf.py``; then some of them with filters and other sorts,
``requests``): the total, the note, the suggestion, every
facet count, and for each of the top 10 hits its id, score, pages and
snippets. Two dumps of the same index by two versions of the code are
compared with ``diff``: an optimisation must leave them identical (or the
difference be explained). ``time`` answers the same queries once each, as
``Docsearch.queries`` does (no result is served from the result cache), and
prints the percentiles (wall and processor time); ``--profile`` writes a cProfile of those queries.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import sys
import time
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.perf import draw_queries, percentiles  # noqa: E402


def requests(queries: list[str]) -> list[Any]:
    """Each query as the bench asks it; then the first 20 again with filters
    (a sector, a year range, a type), sorted by date and by addition, and a
    second page; and browsing (no words), so that every path of a search is
    compared."""
    from docsearch.index.backend import SearchRequest

    asked = [SearchRequest(q=q, per_page=10) for q in queries]
    for q in queries[:20]:
        asked += [SearchRequest(q=q, per_page=10, sectors=("iae",)),
                  SearchRequest(q=q, per_page=10, year_from=2015, year_to=2020, types=("rapport-activite",)),
                  SearchRequest(q=q, per_page=10, sort="date"), SearchRequest(q=q, per_page=10, sort="added"),
                  SearchRequest(q=q, per_page=10, page=2)]
    asked += [SearchRequest(per_page=10), SearchRequest(per_page=10, sectors=("culture",)),
              SearchRequest(q="culture NOT coopérative", per_page=10), SearchRequest(q='"économie sociale"', per_page=10)]
    return asked


def answers(service: Any, asked: list[Any]) -> list[dict[str, Any]]:
    out = []
    for request in asked:
        try:
            result = service.search(request)
        except Exception as exc:  # a filter this corpus lacks: the error is the answer
            out.append({"request": repr(request), "error": f"{type(exc).__name__}: {exc}"})
            continue
        out.append({
            "request": repr(request), "total": result.total, "note": result.note, "suggestion": result.suggestion,
            "corrected": result.corrected,
            "facets": {name: [(v.value, v.label, v.count, v.selected) for v in values] for name, values in result.facets.items()},
            "hits": [{"id": h.id, "score": h.score, "pages": h.pages,
                      "snippets": [(s.page, s.html) for s in h.snippets]} for h in result.hits],
        })
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--instance", type=Path, required=True)
    parser.add_argument("--queries", type=int, default=200)
    sub = parser.add_subparsers(dest="command", required=True)
    dump = sub.add_parser("dump")
    dump.add_argument("out", type=Path)
    timing = sub.add_parser("time")
    timing.add_argument("--profile", type=Path)
    args = parser.parse_args()

    from docsearch.config import Settings
    from docsearch.search.service import SearchRequest, SearchService

    service = SearchService(Settings(corpus_dir=args.corpus, index_dir=args.index, instance_dir=args.instance))
    service.search(SearchRequest(q="ouverture"))  # open the searcher once, as a server would
    queries = draw_queries(args.queries, 1)
    if args.command == "dump":
        with args.out.open("w", encoding="utf-8") as f:
            for answer in answers(service, requests(queries)):
                f.write(json.dumps(answer, ensure_ascii=False, sort_keys=True) + "\n")
        return
    profile = cProfile.Profile() if args.profile else None
    times, cpu = [], []
    if profile:
        profile.enable()
    for q in queries:
        started, used = time.monotonic(), time.process_time()
        service.search(SearchRequest(q=q, per_page=10))
        times.append(time.monotonic() - started)
        cpu.append(time.process_time() - used)
    if profile:
        profile.disable()
        profile.dump_stats(str(args.profile))
    # The processor time too: on a machine others share, it moves less than the wall time.
    print(json.dumps({"wall": percentiles(times), "cpu": percentiles(cpu)}))


if __name__ == "__main__":
    main()
