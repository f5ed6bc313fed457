"""Turn a source file into text pages and embedded metadata.

``extract_file(path, max_bytes)`` reads the file, checks its content matches
its kind (a ``.pdf`` must be a PDF), and dispatches on the suffix through
``EXTRACTORS``. Every failure is an ``ExtractionError`` with a short reason.
It runs inside an isolated worker process (see ``workers``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from docsearch.errors import ExtractionError

# Bump when extraction output changes: cached results are then recomputed.
EXTRACTOR_VERSION = 2


@dataclass
class Extracted:
    format: str  # "pdf" or "html"
    pages: list[str]
    # Embedded metadata, already cleaned: title, subject, keywords, author,
    # description, date (ISO-like text), url.
    meta: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {"format": self.format, "pages": self.pages, "meta": self.meta}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> "Extracted":
        return cls(format=str(data["format"]), pages=list(data["pages"]), meta=dict(data["meta"]))  # type: ignore[call-overload]


def _extract_pdf(data: bytes) -> Extracted:
    from docsearch.extraction.pdf import extract_pdf

    return extract_pdf(data)


def _extract_html(data: bytes) -> Extracted:
    from docsearch.extraction.html import extract_html

    return extract_html(data)


EXTRACTORS: dict[str, Callable[[bytes], Extracted]] = {
    ".pdf": _extract_pdf,
    ".html": _extract_html,
    ".htm": _extract_html,
}
SUPPORTED_SUFFIXES = frozenset(EXTRACTORS)


def sniff_kind(head: bytes) -> str | None:
    """What the content is, whatever its name says: "pdf", "html" or None."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    sample = head[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if sample.startswith((b"<!doctype html", b"<html", b"<?xml", b"<!--", b"<head", b"<meta", b"<body", b"<title")):
        return "html"
    if b"<html" in sample or b"<body" in sample or b"<p>" in sample or b"<div" in sample:
        return "html"
    return None


def check_content(path_suffix: str, data: bytes) -> None:
    """Refuse empty files and content that does not match the suffix."""
    if not data.strip():
        raise ExtractionError("empty", "le fichier est vide")
    kind = sniff_kind(data)
    expected = "pdf" if path_suffix == ".pdf" else "html"
    if kind != expected:
        found = {"pdf": "un PDF", "html": "une page HTML", None: "ni un PDF ni une page HTML"}[kind]
        raise ExtractionError("wrong-type", f"nommé {path_suffix}, son contenu est {found}")


def extract_file(path: str, max_bytes: int) -> Extracted:
    """Extract one file; raises ``ExtractionError`` with the reason it cannot."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in EXTRACTORS:
        raise ExtractionError("unsupported", f"{suffix or 'no suffix'} files are not indexed")
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise ExtractionError("too-large", f"{size // 1_048_576} MB, the limit is {max_bytes // 1_048_576} MB")
        data = file.read_bytes()
    except OSError as exc:
        raise ExtractionError("unreadable", exc.strerror or str(exc)) from None
    check_content(suffix, data)
    return EXTRACTORS[suffix](data)
