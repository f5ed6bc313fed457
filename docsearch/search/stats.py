"""What the corpus and the index hold: counts per facet, failures, metadata to check."""

from __future__ import annotations

from typing import Any

from docsearch.search.facets import as_plain
from docsearch.search.service import SearchService


def collect_stats(service: SearchService) -> dict[str, Any]:
    """The structure of ``stats --json`` and of the staff dashboard."""
    stats = service.backend.stats()
    docs = service.all_documents()
    return {
        "documents": stats.documents,
        "pages": stats.pages,
        "facets": as_plain(service.facet_totals()),
        "failures": [{"relpath": f.relpath, "reason": f.reason, "detail": f.detail} for f in stats.failures],
        "to_check": [
            {"id": d.id, "relpath": d.relpath, "title": d.title, "fields": d.to_check}
            for d in docs if d.to_check
        ],
        "index_bytes": stats.index_bytes,
        "updated": stats.updated,
    }
