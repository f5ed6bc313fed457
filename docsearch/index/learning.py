"""Keep the learned classifier in line with the records staff confirmed.

The examples come from the index itself (each document's staff-given sectors
and type, its title and the stored text of its first pages), so retraining
needs no extraction; ``catalogue.learned`` does the training and owns the
model file. A run of ``update_index`` calls ``refresh_learned`` when it
wrote or removed a document staff had described (or on a full run with no
model yet): the same confirmed records give the same signature, and no
retraining.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from whoosh.index import Index

from docsearch.catalogue.learned import TEXT_CHARS, Example, LearnedModel, retrain
from docsearch.catalogue.vocabulary import UNCLASSIFIED


def confirmed_examples(ix: Index) -> list[Example]:
    """Every indexed document whose sectors or type staff gave."""
    examples: list[Example] = []
    with ix.searcher() as searcher:
        for fields in searcher.documents(kind="doc"):
            info = fields.get("info") or {}
            origins = info.get("origins", {})
            sectors = tuple(s for s in info.get("sectors", []) if s != UNCLASSIFIED) if origins.get("sectors") == "staff" else ()
            doctype = fields.get("doctype", "") if origins.get("doctype") == "staff" else ""
            if not sectors and not doctype:
                continue
            pages = sorted(searcher.documents(doc_id=fields["doc_id"], kind="page"), key=lambda p: p.get("page", 0))
            text, size = [], 0
            for page in pages:
                if size >= TEXT_CHARS:
                    break
                text.append(page.get("page_text", ""))
                size += len(text[-1])
            examples.append(Example(f"{fields['doc_id']}:{info.get('fingerprint', '')}", fields.get("title", ""),
                                    "\n".join(text), sectors, doctype))
    return examples


def refresh_learned(open_index: Callable[[], Index], model_path: Path) -> LearnedModel | None:
    """Retrain if the confirmed records changed; never fails the run (no model then)."""
    try:
        return retrain(model_path, confirmed_examples(open_index()))
    except Exception:  # a full disk, scikit-learn missing or failing: no learned guesses, the run goes on
        return None
