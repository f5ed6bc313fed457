"""One document record looked up in the live index, without the search engine.

``find_document`` serves staff's checks (``docsearch add``: is this content
already indexed?). It lives apart from ``engine`` so that a command that only
looks a record up does not import the engine and numpy (0.3 s of ``docsearch add``
at 20,000 pages, python -X importtime).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docsearch.index.backend import StoredDocument
from docsearch.index.store import IndexStore


def find_document(index_dir: Path, **fields: str) -> StoredDocument | None:
    """The document record whose fields have these values (``sha256=…``,
    ``doc_id=…``, ``relpath=…``), or None; for staff's checks, which need one
    look-up, not a snapshot kept for searching."""
    store = IndexStore(index_dir)
    if store.current_dir() is None:
        return None
    for attempt in range(5):
        try:
            with store.searcher() as searcher:
                # The asked fields alone, then the kind: intersected with ``kind="doc"``, Whoosh
                # walked every document's posting for each look-up (100,000 web pages).
                found = next((f for f in searcher.documents(**fields) if f.get("kind") == "doc"), None)
            break
        except FileNotFoundError:
            # A commit in another thread or process replaced the table of
            # contents between reading its number and opening it (seen once
            # in about 30 runs of twenty parallel uploads): read the new one.
            if attempt == 4:
                raise
    return None if found is None else stored_document(found)


def stored_document(fields: dict[str, Any]) -> StoredDocument:
    """A document record's stored fields as a typed record."""
    info = fields.get("info") or {}
    codes = info.get("sectors") or [c for c in fields.get("sectors", "").split(",") if c]
    return StoredDocument(
        id=fields["doc_id"], title=fields.get("title", ""), relpath=fields.get("relpath", ""),
        url=info.get("url", ""), format=info.get("format", ""), sectors=tuple(codes),
        year=fields.get("year") or None, doctype=fields.get("doctype", ""), summary=fields.get("summary", ""),
        organisation=fields.get("organisation", ""), territory=fields.get("territory", ""),
        page_count=info.get("page_count", 0), size=info.get("size", 0), added=info.get("added", ""),
        origins=dict(info.get("origins", {})), confidence=dict(info.get("confidence", {})), warnings=tuple(info.get("warnings", [])),
        to_check=tuple(info.get("to_check", [])), ocr_pages=tuple(info.get("ocr_pages", [])),
        ocr_language=info.get("ocr_language", ""), sha256=info.get("sha256", ""), authors=tuple(info.get("authors", [])),
        keywords=tuple(info.get("keywords", [])), language=fields.get("language", ""), cote=info.get("cote", ""),
    )
