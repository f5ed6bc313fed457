"""Adding, correcting, withdrawing and restoring documents: the corpus first, then the index.

- ``check_upload`` and ``extract_checked``: the type from the content, the
  size, the name, readable text, and no second copy of a file already in
  the corpus (``Duplicate``).
- ``place_in_corpus``: writes the staff metadata, then the file, atomically,
  into ``<secteur>/<année>/`` (or ``a-trier/``) under a safe name.
- ``add_file`` / ``add_url`` (CLI): check, place and index at once.
- ``write_metadata``: replaces a document's staff metadata.
- ``remove_documents`` / ``restore_from_trash``: to the trash and back.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import cast
from urllib.parse import urlsplit

from docsearch.catalogue.language import iso_language
from docsearch.catalogue.records import document_id
from docsearch.catalogue.staff import StaffMetadata, read_sidecar, sidecar_values
from docsearch.catalogue.vocabulary_files import current_vocabulary
from docsearch.config import Settings
from docsearch.corpus.atomic import write_atomic
from docsearch.corpus.fetch import fetch
from docsearch.corpus.scan import TRASH_DIR, file_hash, resolve_inside, sidecar_path, sources_of_size
from docsearch.corpus.write import (
    REPLACED_MARK,
    corpus_lock,
    move_to_trash,
    safe_filename,
    unique_path,
    write_sidecar,
)
from docsearch.errors import FAILURE_REASONS, ExtractionError, UserError
from docsearch.extraction import SUPPORTED_SUFFIXES, Extracted, check_content, extract_file, sniff_kind
from docsearch.extraction.cache import ExtractionCache
from docsearch.extraction.ocr import ocr_options
from docsearch.extraction.registry import canonical_suffix, formats_label
from docsearch.extraction.workers import Outcome, Started, start_isolated
from docsearch.index.lookup import find_document
from docsearch.index.update import RunReport, update_index


class Duplicate(UserError):
    """The same content is already in the corpus."""

    def __init__(self, name: str, relpath: str, doc_id: str | None) -> None:
        super().__init__(f"{name} : déjà dans le fonds, sous {relpath}" + (f" (document {doc_id})" if doc_id else ""))
        self.relpath, self.doc_id = relpath, doc_id


@dataclass
class Added:
    relpath: str
    doc_id: str
    title: str
    learn: bool = False  # the classifier is due for training (left to the caller: ``learn=False``)


def add_file(settings: Settings, path: Path, staff: StaffMetadata, folder: str | None = None, *,
             learn: bool = True) -> Added:
    """Copy a local PDF or HTML file into the corpus and index it."""
    if not path.is_file():
        raise UserError(f"{path} : fichier introuvable")
    if path.stat().st_size > settings.max_file_bytes:
        raise UserError(f"{path} : plus de {settings.max_file_mb} Mo")
    return add_bytes(settings, path.read_bytes(), path.name, staff, folder, learn=learn)


def add_url(settings: Settings, url: str, staff: StaffMetadata, folder: str | None = None, *,
            learn: bool = True) -> Added:
    """Fetch a page, keep its snapshot in the corpus with its address and fetch date, index it."""
    data, name = fetch_page(settings, url)
    return add_bytes(settings, data, name, replace(staff, url=url, fetched=utc_now()), folder or "web", learn=learn)


def utc_now() -> str:
    """Now, as the sidecars' ``collecte`` says it (ISO 8601, UTC, to the second)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fetch_page(settings: Settings, url: str) -> tuple[bytes, str]:
    fetched = fetch(url, settings.fetch_timeout, settings.fetch_max_mb * 1024 * 1024, settings.fetch_private, settings.user_agent)
    kind = sniff_kind(fetched.data)
    if kind is None:
        raise UserError(f"{url} : ni une page HTML ni un PDF ({fetched.content_type})")
    data = as_utf8(fetched.data, fetched.charset) if kind == "html" else fetched.data
    parts = urlsplit(fetched.url)
    name = f"{parts.hostname}-{parts.path.strip('/').replace('/', '-') or 'accueil'}"
    return data, name + canonical_suffix(kind)


def as_utf8(data: bytes, charset: str | None) -> bytes:
    """Keep the HTTP charset in the snapshot: re-encode to UTF-8 with a BOM,
    which the HTML extractor trusts before any declaration in the page."""
    from docsearch.extraction.html import charset_codec  # here: the HTML reader imports BeautifulSoup (0.1 s)

    codec = charset_codec(charset) if charset else None
    if codec is None or data.startswith(b"\xef\xbb\xbf"):
        return data
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return data
    return b"\xef\xbb\xbf" + text.encode("utf-8")


def add_bytes(settings: Settings, data: bytes, name: str, staff: StaffMetadata, folder: str | None = None, *,
              learn: bool = True) -> Added:
    suffix = checked_suffix(settings, data, name)
    # The extraction worker starts before the duplicate check and works beside it
    # (a fresh interpreter takes ~0.4 s to start and read a page; the check of
    # 20,000 pages 0.2 s): the same checks in the same order, the same answers.
    with _extraction_started(settings, data, suffix) as extraction:
        refuse_duplicate(settings, hashlib.sha256(data).hexdigest(), len(data), name)
        extracted = _extracted(extraction.outcome(), name)
    relpath = place_in_corpus(settings, data, name, staff, extracted, folder)
    report = update_index(settings, only=[relpath], learn=learn)
    # The title of the record just written, not read back from the index (0.16 s at 20,000 pages).
    title = report.titles[relpath] if relpath in report.titles else _title_of(settings, relpath)
    return Added(relpath, document_id(relpath), title, report.learn)


def check_upload(settings: Settings, data: bytes, name: str) -> str:
    """The file's suffix, once its name, size, content and novelty are checked."""
    suffix = checked_suffix(settings, data, name)
    refuse_duplicate(settings, hashlib.sha256(data).hexdigest(), len(data), name)
    return suffix


def checked_suffix(settings: Settings, data: bytes, name: str) -> str:
    """The file's suffix, once its name, size and content are checked (not its novelty)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise UserError(f"{name} : formats acceptés : {formats_label()}")
    if len(data) > settings.max_file_bytes:
        raise UserError(f"{name} : plus de {settings.max_file_mb} Mo")
    try:
        return canonical_suffix(check_content(suffix, data).kind)
    except ExtractionError as exc:
        raise UserError(f"{name} : {exc.detail}") from None


def extract_checked(settings: Settings, data: bytes, suffix: str, name: str) -> Extracted:
    """Extract in a worker before anything is written to the corpus."""
    with _extraction_started(settings, data, suffix) as extraction:
        return _extracted(extraction.outcome(), name)


@contextmanager
def _extraction_started(settings: Settings, data: bytes, suffix: str) -> Iterator[Started]:
    """The extraction of ``data`` running in an isolated worker; stopped, and its
    copy of the file deleted, when the block ends (whether its outcome was taken or not)."""
    with tempfile.TemporaryDirectory(prefix="docsearch-add-") as folder:
        path = Path(folder) / f"document{suffix}"
        path.write_bytes(data)
        started = start_isolated(extract_file, (str(path), settings.max_file_bytes, ocr_options(settings)),
                                 timeout=settings.extract_timeout, memory_mb=settings.worker_memory_mb)
        try:
            yield started
        finally:
            started.cancel()


def _extracted(outcome: Outcome, name: str) -> Extracted:
    if outcome.error is not None:
        reason = FAILURE_REASONS.get(outcome.error.reason, outcome.error.reason)
        raise UserError(f"{name} : illisible, {reason}" + (f" ({outcome.error.detail})" if outcome.error.detail else ""))
    # The outcome of a worker is Any: this one ran extract_file.
    return cast(Extracted, outcome.value)


def place_in_corpus(settings: Settings, data: bytes, name: str, staff: StaffMetadata,
                    extracted: Extracted | None, folder: str | None = None) -> str:
    """Write the file and its staff metadata into the corpus; its relative path.
    (``extracted`` goes to the cache, so indexing does not read the file again.)"""
    folder = folder or _default_folder(settings, staff)
    if any(part.startswith(".") for part in Path(folder).parts):
        raise UserError(f"{folder} : les dossiers cachés du fonds ne sont pas indexés")
    target_dir = resolve_inside(settings.corpus_dir, folder)
    suffix = ".html" if Path(name).suffix.lower() == ".htm" else Path(name).suffix.lower()
    if extracted is not None:
        ExtractionCache(settings.cache_dir).put(hashlib.sha256(data).hexdigest(), extracted)
    with corpus_lock(settings.corpus_dir):
        target = unique_path(target_dir, safe_filename(name, suffix))
        # The sidecar first: a crash in between leaves a harmless lone sidecar,
        # never a document indexed without the metadata staff gave.
        if not staff.is_empty():
            write_sidecar(target, sidecar_values(staff))
        write_atomic(target, data)
    return target.relative_to(settings.corpus_dir.resolve()).as_posix()


def _default_folder(settings: Settings, staff: StaffMetadata) -> str:
    """``<secteur>/<année>`` when staff said so (the path convention), else ``a-trier``."""
    vocab = current_vocabulary(settings)
    sector = vocab.sector_code(staff.sectors[0]) if staff.sectors else None
    if sector is None or sector == "non-classe":
        return "a-trier"
    return f"{sector}/{staff.year}" if staff.year else sector


def refuse_duplicate(settings: Settings, sha: str, size: int, name: str) -> None:
    """The same content is refused, whether indexed or only lying in the corpus."""
    existing = find_document(settings.index_dir, sha256=sha)
    if existing is not None:
        raise Duplicate(name, existing.relpath, existing.id)
    for source in sources_of_size(settings.corpus_dir, SUPPORTED_SUFFIXES, size):  # only same-size files are hashed
        try:
            same = file_hash(source.path) == sha
        except FileNotFoundError:  # withdrawn or moved since the listing (a concurrent request): no duplicate
            continue
        if same:
            raise Duplicate(name, source.relpath, None)


def _title_of(settings: Settings, relpath: str) -> str:
    found = find_document(settings.index_dir, doc_id=document_id(relpath))
    return found.title if found else ""


def write_metadata(settings: Settings, relpath: str, staff: StaffMetadata) -> None:
    """Replace a document's staff metadata (its sidecar). Staff saw every
    field: one left empty is cleared, and stays cleared."""
    path = resolve_inside(settings.corpus_dir, relpath)
    if not path.is_file():
        raise UserError(f"{relpath} n'est pas un fichier du fonds")
    before = read_sidecar(sidecar_path(path))[0]
    kept = before.language
    # The form says "detected" (empty), or the language the sidecar already
    # names ("fr" for "fra+eng"): the sidecar's spelling stays, so that the
    # scanned pages are not recognised again in another set of languages.
    if not staff.language or iso_language(staff.language) == iso_language(kept):
        staff = replace(staff, language=kept)
    # The form does not show the fetch date: it stays.
    staff = replace(staff, fetched=staff.fetched or before.fetched)
    write_sidecar(path, sidecar_values(staff.clearing_empty()))


def write_language(settings: Settings, relpath: str, language: str) -> None:
    """Set a document's language (its sidecar's ``langue``), keeping every other value of the sidecar."""
    path = resolve_inside(settings.corpus_dir, relpath)
    if not path.is_file():
        raise UserError(f"{relpath} n'est pas un fichier du fonds")
    staff, _ = read_sidecar(sidecar_path(path))
    write_sidecar(path, sidecar_values(replace(staff, language=language)))


def remove_documents(settings: Settings, refs: list[str], *, learn: bool = True) -> RunReport:
    """Move the documents (ids or paths in the corpus) to the trash and unindex them
    (``learn=False``: the caller trains the classifier if ``report.learn``)."""
    relpaths = list(dict.fromkeys(_relpath_of(settings, ref) for ref in refs))
    moved: list[str] = []
    try:
        for relpath in relpaths:
            move_to_trash(settings.corpus_dir, relpath)
            moved.append(relpath)
    finally:
        report = update_index(settings, only=[], forget=moved, learn=learn)  # what left the corpus leaves the index
    return report


def trash_entries(settings: Settings) -> list[dict[str, str]]:
    """Documents in the trash: where they are, and where they came from."""
    trash = settings.corpus_dir.resolve() / TRASH_DIR
    entries = []
    for path in sorted(trash.glob("*/**/*")):
        inside = path.relative_to(trash)
        if any(part.startswith(".") for part in inside.parts):
            continue
        if path.is_file() and path.suffix.lower() in SUPPORTED_SUFFIXES:
            entries.append({"trash": inside.as_posix(), "when": inside.parts[0], "relpath": Path(*inside.parts[1:]).as_posix(),
                            "replaced": "oui" if inside.parts[0].endswith(REPLACED_MARK) else ""})
    return sorted(entries, key=lambda e: e["when"], reverse=True)


def restore_from_trash(settings: Settings, trash_relpath: str) -> str:
    """Put a document (and its sidecar) back where it was; its path in the corpus.
    Only an entry of ``trash_entries`` is accepted."""
    with corpus_lock(settings.corpus_dir):
        if trash_relpath not in {e["trash"] for e in trash_entries(settings)}:
            raise UserError("ce document n'est pas dans la corbeille")
        trash = settings.corpus_dir.resolve() / TRASH_DIR
        source = trash / trash_relpath
        original = Path(*Path(trash_relpath).parts[1:])
        target = unique_path(resolve_inside(settings.corpus_dir, original.parent.as_posix()), original.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if sidecar_path(source).exists():
            sidecar_path(source).rename(sidecar_path(target))
        source.rename(target)
    return target.relative_to(settings.corpus_dir.resolve()).as_posix()


def _relpath_of(settings: Settings, ref: str) -> str:
    found = find_document(settings.index_dir, doc_id=ref)
    if found is not None:
        return found.relpath
    corpus = settings.corpus_dir.resolve()
    candidate = Path(ref)
    if candidate.is_absolute() or candidate.exists():
        candidate = candidate.resolve()
        if corpus in candidate.parents:
            return candidate.relative_to(corpus).as_posix()
    path = resolve_inside(settings.corpus_dir, ref)
    if not path.is_file():
        raise UserError(f"{ref} : ni un identifiant de document ni un fichier du fonds")
    return path.relative_to(corpus).as_posix()
