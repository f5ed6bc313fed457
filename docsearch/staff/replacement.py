"""A new version of a document's file: same place in the corpus, same id, same record.

``replace_document`` checks the new file as an upload is checked (type from
the content, size, readable text, not already in the corpus), in the same
format as the old one (the path, hence the id, ends with its suffix), then
``corpus.write.replace_in_corpus`` sends the old file to the trash (a folder
ending ``-remplace``) and writes the new one in its place. The sidecar —
what staff typed — stays with the document; the caller journals the change
and queues the path for indexing (the new content is read again there).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from docsearch.config import Settings
from docsearch.corpus.scan import TRASH_DIR, resolve_inside
from docsearch.corpus.write import replace_in_corpus
from docsearch.errors import UserError
from docsearch.extraction.cache import ExtractionCache
from docsearch.extraction.registry import BY_SUFFIX, canonical_suffix
from docsearch.staff.ingest import check_upload, extract_checked


@dataclass(frozen=True)
class Replaced:
    relpath: str  # unchanged
    trash: str  # where the old file went, inside the trash
    old_size: int
    new_size: int


def replace_document(settings: Settings, relpath: str, data: bytes, name: str) -> Replaced:
    path = resolve_inside(settings.corpus_dir, relpath)
    if not path.is_file():
        raise UserError(f"{relpath} n'est plus un fichier du fonds")
    old_reader = BY_SUFFIX.get(Path(relpath).suffix.lower())
    suffix = check_upload(settings, data, name)
    if old_reader is None or canonical_suffix(old_reader.kind) != suffix:
        expected = old_reader.label if old_reader else Path(relpath).suffix
        raise UserError(f"{name} : la nouvelle version doit être du même format que l'ancienne ({expected}), "
                        "pour garder l'adresse du document")
    extracted = extract_checked(settings, data, suffix, name)
    ExtractionCache(settings.cache_dir).put(hashlib.sha256(data).hexdigest(), extracted)  # indexing reads it once
    old_size = path.stat().st_size
    trash = replace_in_corpus(settings.corpus_dir, relpath, data)
    inside = trash.relative_to(settings.corpus_dir.resolve() / TRASH_DIR).as_posix()
    return Replaced(relpath, inside, old_size, len(data))
