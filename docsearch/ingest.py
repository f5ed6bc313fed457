"""Adding and removing documents: the corpus first, then the index.

``add_file`` / ``add_url`` check the content (type from the bytes, size,
readable text), refuse a file already in the corpus, write the file and
its staff metadata atomically into the corpus and index it at once.
``remove_documents`` moves files to the trash and drops them from the index.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from .cache import ExtractionCache
from .config import Settings
from .corpus import (
    move_to_trash,
    safe_filename,
    unique_path,
    write_atomic,
    write_sidecar,
)
from .errors import ExtractionError, UserError
from .extract import Extracted, check_content, extract_file
from .fetch import fetch
from .indexstore import IndexStore
from .pipeline import RunReport, update_index
from .records import document_id
from .sources import file_hash, list_sources, resolve_inside
from .vocabulary import load_vocabulary
from .workers import map_isolated

SUFFIXES = {"pdf": ".pdf", "html": ".html"}


@dataclass
class Added:
    relpath: str
    doc_id: str
    title: str


def add_file(settings: Settings, path: Path, staff: dict[str, object], folder: str | None = None) -> Added:
    """Copy a local PDF or HTML file into the corpus and index it."""
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    if path.stat().st_size > settings.max_file_bytes:
        raise UserError(f"{path}: larger than {settings.max_file_mb} MB")
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise UserError(f"{path}: only PDF and HTML files can be added")
    return add_bytes(settings, path.read_bytes(), path.name, staff, folder)


def add_url(settings: Settings, url: str, staff: dict[str, object], folder: str | None = None) -> Added:
    """Fetch a page, keep its snapshot in the corpus with its address, index it."""
    fetched = fetch(url, settings.fetch_timeout, settings.fetch_max_mb * 1024 * 1024)
    parts = urlsplit(fetched.url)
    name = f"{parts.hostname}-{parts.path.strip('/').replace('/', '-') or 'accueil'}"
    return add_bytes(settings, fetched.data, name + SUFFIXES[fetched.kind], {"url": fetched.url, **staff}, folder or "web")


def add_bytes(settings: Settings, data: bytes, name: str, staff: dict[str, object], folder: str | None = None) -> Added:
    suffix = Path(name).suffix.lower()
    suffix = ".html" if suffix == ".htm" else suffix
    try:
        check_content(suffix, data)
    except ExtractionError as exc:
        raise UserError(f"{name}: {exc.detail}") from None
    sha = hashlib.sha256(data).hexdigest()
    _refuse_duplicate(settings, sha, len(data), name)
    folder = folder or _default_folder(settings, staff)
    if any(part.startswith(".") for part in Path(folder).parts):
        raise UserError(f"{folder}: hidden folders of the corpus are not indexed")
    target_dir = resolve_inside(settings.corpus_dir, folder)
    extracted = _extract_checked(settings, data, suffix, name)
    ExtractionCache(settings.cache_dir).put(sha, extracted)
    target = unique_path(target_dir, safe_filename(name, suffix))
    # The sidecar first: a crash in between leaves a harmless lone sidecar,
    # never a document indexed without the metadata staff gave.
    if any(v not in (None, "", []) for v in staff.values()):
        write_sidecar(target, staff)
    write_atomic(target, data)
    relpath = target.relative_to(settings.corpus_dir.resolve()).as_posix()
    update_index(settings, only=[relpath])
    return Added(relpath, document_id(relpath), _title_of(settings, relpath))


def _default_folder(settings: Settings, staff: dict[str, object]) -> str:
    """``<secteur>/<année>`` when staff said so (the path convention), else ``a-trier``."""
    vocab = load_vocabulary(settings.vocabulary_file)
    sectors = staff.get("secteurs") or []
    sector = vocab.sector_code(str(sectors[0])) if isinstance(sectors, list) and sectors else None
    if sector is None:
        return "a-trier"
    year = staff.get("annee")
    return f"{sector}/{year}" if year else sector


def _extract_checked(settings: Settings, data: bytes, suffix: str, name: str) -> Extracted:
    """Extract in a worker before anything is written to the corpus."""
    with tempfile.TemporaryDirectory(prefix="docsearch-add-") as folder:
        path = Path(folder) / f"document{suffix}"
        path.write_bytes(data)
        ((_, outcome),) = list(map_isolated(extract_file, [(str(path), settings.max_file_bytes)], workers=1,
                                            timeout=settings.extract_timeout, memory_mb=settings.worker_memory_mb))
    if outcome.error is not None:
        raise UserError(f"{name}: cannot be read: {outcome.error.reason} ({outcome.error.detail})")
    return outcome.value


def _refuse_duplicate(settings: Settings, sha: str, size: int, name: str) -> None:
    """The same content is refused, whether indexed or only lying in the corpus."""
    store = IndexStore(settings.index_dir)
    if store.current_dir() is not None:
        with store.open().searcher() as searcher:
            existing = searcher.document(sha256=sha, kind="doc")
        if existing:
            raise UserError(f"{name}: already in the corpus as {existing['relpath']} (document {existing['doc_id']})")
    for source in list_sources(settings.corpus_dir):
        if source.size == size and file_hash(source.path) == sha:  # only same-size files are hashed
            raise UserError(f"{name}: already in the corpus as {source.relpath}")


def _title_of(settings: Settings, relpath: str) -> str:
    with IndexStore(settings.index_dir).open().searcher() as searcher:
        fields = searcher.document(doc_id=document_id(relpath), kind="doc")
    return fields["title"] if fields else ""


def remove_documents(settings: Settings, refs: list[str]) -> RunReport:
    """Move the documents (ids or paths in the corpus) to the trash and unindex them."""
    relpaths = list(dict.fromkeys(_relpath_of(settings, ref) for ref in refs))
    moved: list[str] = []
    try:
        for relpath in relpaths:
            move_to_trash(settings.corpus_dir, relpath)
            moved.append(relpath)
    finally:
        report = update_index(settings, only=[], forget=moved)  # what left the corpus leaves the index
    return report


def _relpath_of(settings: Settings, ref: str) -> str:
    store = IndexStore(settings.index_dir)
    if store.current_dir() is not None:
        with store.open().searcher() as searcher:
            fields = searcher.document(doc_id=ref, kind="doc")
        if fields:
            return fields["relpath"]
    corpus = settings.corpus_dir.resolve()
    candidate = Path(ref)
    if candidate.is_absolute() or candidate.exists():
        candidate = candidate.resolve()
        if corpus in candidate.parents:
            return candidate.relative_to(corpus).as_posix()
    path = resolve_inside(settings.corpus_dir, ref)
    if not path.is_file():
        raise UserError(f"{ref}: neither a document id nor a file of the corpus")
    return path.relative_to(corpus).as_posix()
