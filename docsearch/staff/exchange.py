"""The published catalogue as records to hand out, withdrawn documents, and CSV imports written.

- ``catalogue_records``: every indexed document as a ``CatalogueRecord``,
  dated by its file or its sidecar, whichever changed last (what OAI-PMH
  calls the datestamp: a metadata correction is a change harvesters fetch).
- ``withdrawn_records``: the documents in the corpus trash, with the time
  they were withdrawn, for OAI-PMH's deleted records.
- ``write_import``: the changes of an ``ImportPlan`` written into the
  sidecars (the staff save path: ``catalogue.staff.sidecar_values``), each
  sidecar's other values kept; the caller indexes the returned paths.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace

from docsearch.catalogue.exchange import CatalogueRecord, ImportPlan, plan_import
from docsearch.catalogue.records import document_id
from docsearch.catalogue.staff import read_sidecar, sidecar_values
from docsearch.config import Settings
from docsearch.corpus.scan import SIDECAR_SUFFIX, resolve_inside, sidecar_path
from docsearch.corpus.write import corpus_lock, write_sidecar
from docsearch.errors import UserError
from docsearch.index.backend import StoredDocument
from docsearch.search.service import SearchService
from docsearch.staff.ingest import trash_entries
from docsearch.staff.journal import Journal, field_changes


@dataclass(frozen=True)
class Withdrawn:
    id: str
    relpath: str  # where it was in the corpus
    when: str  # UTC "YYYY-MM-DDThh:mm:ssZ"


def utc_stamp(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def changed_at(root: str, relpath: str) -> float:
    """When the document's file or its sidecar last changed (0 when neither can
    be read). ``root``: the corpus folder, resolved once by the caller (a
    resolution per document was most of the time of a 51-document list,
    22 ms); a path of the index that would leave it is not looked at."""
    if relpath.startswith("/") or ".." in relpath.split("/"):
        return 0.0
    path = os.path.join(root, relpath)
    times = []
    for candidate in (path, path + SIDECAR_SUFFIX):
        try:
            times.append(os.stat(candidate).st_mtime)
        except OSError:
            continue
    return max(times, default=0.0)


def record_of(root: str, doc: StoredDocument) -> CatalogueRecord:
    return CatalogueRecord(
        id=doc.id, relpath=doc.relpath, sha256=doc.sha256, format=doc.format, title=doc.title, sectors=doc.sectors,
        year=doc.year, doctype=doc.doctype, summary=doc.summary, organisation=doc.organisation,
        territory=doc.territory, url=doc.url, added=doc.added, changed=utc_stamp(changed_at(root, doc.relpath)),
        pages=doc.page_count, authors=doc.authors, keywords=doc.keywords, language=doc.language, cote=doc.cote,
    )


def catalogue_records(settings: Settings, service: SearchService) -> list[CatalogueRecord]:
    """Every published document, in the order of their ids (stable across calls)."""
    root = str(settings.corpus_dir.resolve())
    return sorted((record_of(root, d) for d in service.backend.documents()), key=lambda r: r.id)


def catalogue_record(settings: Settings, service: SearchService, doc_id: str) -> CatalogueRecord | None:
    doc = service.backend.document(doc_id)
    return None if doc is None else record_of(str(settings.corpus_dir.resolve()), doc)


def withdrawn_records(settings: Settings, published: set[str] | None = None) -> list[Withdrawn]:
    """Documents in the trash and not published again (``published``: ids in
    the index), the latest withdrawal of each, in the order of their ids."""
    latest: dict[str, Withdrawn] = {}
    for entry in trash_entries(settings):
        doc_id = document_id(entry["relpath"])
        if published is not None and doc_id in published:
            continue
        try:  # the trash folder is named when the document went in: "20261201-143000" (local time)
            when = time.mktime(time.strptime(entry["when"][:15], "%Y%m%d-%H%M%S"))
        except ValueError:
            continue
        stamp = utc_stamp(when)
        if doc_id not in latest or latest[doc_id].when < stamp:
            latest[doc_id] = Withdrawn(doc_id, entry["relpath"], stamp)
    return [latest[k] for k in sorted(latest)]


def plan_catalogue_import(settings: Settings, service: SearchService, data: bytes) -> ImportPlan:
    if len(data) > settings.max_import_bytes:
        raise UserError(f"Fichier CSV trop gros : plus de {settings.max_import_mb} Mo.")
    return plan_import(data, catalogue_records(settings, service), service.vocab)


def write_import(settings: Settings, plan: ImportPlan, who: str, journal: Journal | None = None) -> list[str]:
    """Write the changes of the rows without errors into their sidecars; the
    paths written, to index. Each document written is one journal entry
    (action "import", old and new values), so one of them can be undone alone."""
    written = []
    journal = journal or Journal(settings.instance_dir)
    with corpus_lock(settings.corpus_dir):
        for row in plan.changing:
            path = resolve_inside(settings.corpus_dir, row.relpath)
            if not path.is_file():
                continue  # withdrawn since the plan was made
            before, _ = read_sidecar(sidecar_path(path))
            # Each value has its field's type: catalogue.exchange made it for that field.
            staff = replace(before, **{change.field: change.value for change in row.changes})  # type: ignore[arg-type]
            write_sidecar(path, sidecar_values(staff))
            written.append(row.relpath)
            journal.record(who, "import", row.relpath, field_changes(before, staff), note=f"ligne {row.line}")
    return written
