"""One table of readers, keyed by the kind sniffed from the content.

A new format is one row here and one module beside this one: the corpus scan,
the upload checks and the messages all read this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docsearch.errors import ExtractionError
from docsearch.extraction.extracted import Extracted
from docsearch.extraction.sniff import sniff_kind


def _pdf(data: bytes) -> Extracted:
    from docsearch.extraction.pdf import extract_pdf  # pypdfium2 is loaded only where PDFs are read

    return extract_pdf(data)


def _html(data: bytes) -> Extracted:
    from docsearch.extraction.html import extract_html

    return extract_html(data)


@dataclass(frozen=True)
class Reader:
    kind: str  # what sniff_kind says of the content
    suffixes: tuple[str, ...]  # file names it is found under; the first is the canonical one
    label: str  # in French, for messages: "un PDF"
    read: Callable[[bytes], Extracted]


READERS: dict[str, Reader] = {
    reader.kind: reader
    for reader in (
        Reader("pdf", (".pdf",), "un PDF", _pdf),
        Reader("html", (".html", ".htm"), "une page HTML", _html),
    )
}
BY_SUFFIX: dict[str, Reader] = {suffix: reader for reader in READERS.values() for suffix in reader.suffixes}
SUPPORTED_SUFFIXES = frozenset(BY_SUFFIX)


def canonical_suffix(kind: str) -> str:
    """The suffix a file of this kind is given in the corpus (".pdf", ".html")."""
    return READERS[kind].suffixes[0]


def formats_label() -> str:
    """The accepted formats, in French, for messages."""
    return ", ".join(f"{r.label} ({'/'.join(r.suffixes)})" for r in READERS.values())


def check_content(path_suffix: str, data: bytes) -> Reader:
    """The reader for this content; refuses empty files and content that does
    not match the suffix."""
    if not data.strip():
        raise ExtractionError("empty", "le fichier est vide")
    expected = BY_SUFFIX.get(path_suffix)
    if expected is None:
        raise ExtractionError("unsupported", f"{path_suffix or 'no suffix'} files are not indexed")
    kind = sniff_kind(data)
    if kind != expected.kind:
        found = READERS[kind].label if kind in READERS else "ni " + " ni ".join(r.label for r in READERS.values())
        raise ExtractionError("wrong-type", f"nommé {path_suffix}, son contenu est {found}")
    return expected


def extract_file(path: str, max_bytes: int) -> Extracted:
    """Extract one file; raises ``ExtractionError`` with the reason it cannot.

    Runs inside an isolated worker process (see ``workers``)."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in BY_SUFFIX:
        raise ExtractionError("unsupported", f"{suffix or 'no suffix'} files are not indexed")
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise ExtractionError("too-large", f"{size // 1_048_576} MB, the limit is {max_bytes // 1_048_576} MB")
        data = file.read_bytes()
    except OSError as exc:
        raise ExtractionError("unreadable", exc.strerror or str(exc)) from None
    return check_content(suffix, data).read(data)
