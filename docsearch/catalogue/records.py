"""The document record: what the pipeline writes to the index and the search shows."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field

# Where a metadata value came from, from the most to the least trusted.
# "learned": the classifier trained on staff-confirmed records (catalogue/learned.py).
ORIGINS = ("staff", "embedded", "path", "format", "learned", "text", "default")
# Values from these origins are guesses a documentalist should check.
GUESSED_ORIGINS = frozenset({"learned", "text", "default"})
CHECKED_FIELDS = ("title", "sectors", "year", "doctype")


def document_id(relpath: str) -> str:
    """Stable id of the document at ``relpath`` (used in URLs)."""
    return hashlib.sha1(relpath.encode("utf-8")).hexdigest()[:12]


@dataclass
class Metadata:
    title: str
    sectors: list[str]
    year: int | None
    doctype: str
    summary: str = ""
    organisation: str = ""
    territory: str = ""
    url: str = ""
    origins: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    # field → how sure the classifier was (0–1), for the fields whose origin is "learned"
    confidence: dict[str, float] = field(default_factory=dict)
    authors: list[str] = field(default_factory=list)  # people's names ("BOUVIER, Maelle")
    keywords: list[str] = field(default_factory=list)  # thesaurus terms and staff's free keywords
    language: str = ""  # ISO 639-1 ("fr", "en"); "" when it cannot be told
    cote: str = ""  # call number, given by staff only

    def to_check(self) -> list[str]:
        """Fields whose value was guessed or is missing, plus any warning."""
        guessed = [f for f in CHECKED_FIELDS if self.origins.get(f) in GUESSED_ORIGINS]
        return guessed + self.warnings


@dataclass
class Document:
    id: str
    relpath: str
    format: str
    meta: Metadata
    pages: list[str]
    sha256: str
    fingerprint: str  # content + staff metadata + vocabulary: changes → reindex
    size: int
    mtime: float  # when the file was last written
    # Pages (1-based) whose text was recognised by OCR, and the Tesseract language used.
    ocr_pages: list[int] = field(default_factory=list)
    ocr_language: str = ""

    @property
    def added(self) -> str:
        return dt.datetime.fromtimestamp(self.mtime).isoformat(timespec="seconds")

    @property
    def source(self) -> str:
        return self.meta.url or self.relpath

    def as_dict(self) -> dict[str, object]:
        return asdict(self)
