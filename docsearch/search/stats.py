"""What the corpus and the index hold: counts per facet, failures, metadata to check."""

from __future__ import annotations

from typing import Any

from docsearch.search.facets import as_plain
from docsearch.search.service import SearchService


def collect_stats(service: SearchService) -> dict[str, Any]:
    docs = service.all_documents()
    store = service.store
    gen = store.current_dir()
    index_bytes = sum(f.stat().st_size for f in gen.iterdir() if f.is_file()) if gen else 0
    failures = store.failures()
    return {
        "documents": len(docs),
        "pages": sum(d["page_count"] for d in docs),
        "facets": as_plain(service.facet_totals()),
        "failures": [
            {"relpath": path, "reason": f["reason"], "detail": f.get("detail", "")}
            for path, f in sorted(failures.items())
        ],
        "to_check": [
            {"id": d["id"], "relpath": d["relpath"], "title": d["title"], "fields": d["to_check"]}
            for d in docs if d["to_check"]
        ],
        "index_bytes": index_bytes,
        "updated": store.generation_meta().get("updated"),
    }
