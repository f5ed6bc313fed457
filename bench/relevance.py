"""Search quality on the French question set, through the real pipeline.

    .venv/bin/python bench/relevance.py [--queries FILE --qrels FILE] [--docs FILE] [--limit N]

Writes every paragraph of ``docs.jsonl`` as a small HTML page into a
temporary corpus (its category as the folder and keywords), indexes it with
``docsearch.index.update.update_index``, runs every question through the same
``SearchService`` the web uses, and prints MRR@10, Recall@10, P@1 and the
time per query. The last line reads ``MRR@10=0.xxx R@10=0.xxx P@1=0.xxx``.
"""

from __future__ import annotations

import argparse
import html
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.search.service import SearchRequest, SearchService

FRQA = Path(__file__).resolve().parent.parent.parent / "shared" / "realworld" / "frqa"


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="docsearch-relevance-") as tmp:
        settings = Settings(corpus_dir=Path(tmp) / "corpus", index_dir=Path(tmp) / "index")
        count = write_corpus(args.docs, settings.corpus_dir)
        started = time.perf_counter()
        report = update_index(settings)
        print(f"indexed {report.documents} of {count} paragraphs in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        queries = read_tsv(args.queries)[: args.limit or None]
        qrels = read_qrels(args.qrels)
        evaluate(SearchService(settings), queries, qrels)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, default=FRQA / "docs.jsonl")
    parser.add_argument("--queries", type=Path, default=FRQA / "dev-queries.tsv")
    parser.add_argument("--qrels", type=Path, default=FRQA / "dev-qrels.tsv")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    return parser.parse_args()


def write_corpus(docs: Path, corpus: Path) -> int:
    count = 0
    with docs.open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            folder = corpus / _slug(doc.get("category") or "divers")
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{doc['id']}.html").write_text(_page(doc), encoding="utf-8")
            count += 1
    return count


def _page(doc: dict[str, str]) -> str:
    title, text, category = (html.escape(doc.get(k) or "") for k in ("title", "text", "category"))
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="keywords" content="{category}"></head>'
        f"<body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
    )


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "divers"


def read_tsv(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in handle if line.strip()]  # type: ignore[misc]


def read_qrels(path: Path) -> dict[str, set[str]]:
    qrels: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            qid, doc_id, *_ = line.split("\t")
            qrels.setdefault(qid, set()).add(doc_id)
    return qrels


def evaluate(service: SearchService, queries: list[tuple[str, str]], qrels: dict[str, set[str]]) -> None:
    reciprocal, recall, first, times = [], [], [], []
    for qid, question in queries:
        relevant = qrels.get(qid, set())
        started = time.perf_counter()
        result = service.search(SearchRequest(q=question, per_page=10))
        times.append(time.perf_counter() - started)
        ranked = [Path(hit.relpath).stem for hit in result.hits]
        rank = next((i for i, doc in enumerate(ranked, 1) if doc in relevant), None)
        reciprocal.append(1 / rank if rank else 0.0)
        recall.append(len(relevant & set(ranked)) / len(relevant) if relevant else 0.0)
        first.append(1.0 if rank == 1 else 0.0)
    times.sort()
    print(f"{len(queries)} questions; time per query: median {statistics.median(times) * 1000:.1f} ms, "
          f"p95 {times[int(0.95 * (len(times) - 1))] * 1000:.1f} ms")
    print(f"MRR@10={statistics.fmean(reciprocal):.3f} R@10={statistics.fmean(recall):.3f} P@1={statistics.fmean(first):.3f}")


if __name__ == "__main__":
    main()
