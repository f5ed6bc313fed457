"""One table of readers, keyed by the kind sniffed from the content.

A new format is one row here and one module beside this one: the corpus scan,
the upload checks and the messages all read this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docsearch.errors import ExtractionError
from docsearch.extraction.containers import ZIP_MAGIC, SafeZip
from docsearch.extraction.extracted import Extracted
from docsearch.extraction.ocr import OcrOptions
from docsearch.extraction.sniff import sniff_kind


def _pdf(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.pdf import extract_pdf  # pypdfium2 is loaded only where PDFs are read

    return extract_pdf(data, options)


def _html(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.html import extract_html

    return extract_html(data)


def _docx(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.ooxml import extract_docx

    return extract_docx(data)


def _pptx(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.ooxml import extract_pptx

    return extract_pptx(data)


def _xlsx(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.ooxml import extract_xlsx

    return extract_xlsx(data)


def _odf(kind: str) -> Callable[[bytes, OcrOptions], Extracted]:
    def read(data: bytes, options: OcrOptions) -> Extracted:
        from docsearch.extraction.odf import extract_odf

        return extract_odf(data, kind)

    return read


def _legacy(kind: str) -> Callable[[bytes, OcrOptions], Extracted]:
    def read(data: bytes, options: OcrOptions) -> Extracted:
        from docsearch.extraction.legacy import extract_legacy

        return extract_legacy(data, kind)

    return read


def _image(kind: str) -> Callable[[bytes, OcrOptions], Extracted]:
    def read(data: bytes, options: OcrOptions) -> Extracted:
        from docsearch.extraction.images import extract_image

        return extract_image(data, kind, options)

    return read


def _rtf(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.rtf import extract_rtf

    return extract_rtf(data)


def _epub(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.epub import extract_epub

    return extract_epub(data)


def _text(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.plaintext import extract_text

    return extract_text(data)


def _markdown(data: bytes, options: OcrOptions) -> Extracted:
    from docsearch.extraction.plaintext import extract_markdown

    return extract_markdown(data)


@dataclass(frozen=True)
class Reader:
    kind: str  # what sniff_kind says of the content
    suffixes: tuple[str, ...]  # file names it is found under; the first is the canonical one
    label: str  # in French, for messages: "un PDF"
    read: Callable[[bytes, OcrOptions], Extracted]
    # Other sniffed kinds this reader takes: a text file may hold HTML tags,
    # an encrypted Word file is an OLE container the reader reports.
    accepts: tuple[str, ...] = ()


READERS: dict[str, Reader] = {
    reader.kind: reader
    for reader in (
        Reader("pdf", (".pdf",), "un PDF", _pdf),
        Reader("html", (".html", ".htm"), "une page HTML", _html),
        Reader("docx", (".docx", ".docm"), "un document Word", _docx, ("ooxml-encrypted",)),
        Reader("odt", (".odt", ".fodt"), "un document OpenDocument", _odf("odt")),
        Reader("rtf", (".rtf",), "un document RTF", _rtf),
        Reader("pptx", (".pptx", ".pptm"), "une présentation PowerPoint", _pptx, ("ooxml-encrypted",)),
        Reader("odp", (".odp", ".fodp"), "une présentation OpenDocument", _odf("odp")),
        Reader("xlsx", (".xlsx", ".xlsm"), "un classeur Excel", _xlsx, ("ooxml-encrypted",)),
        Reader("ods", (".ods", ".fods"), "un classeur OpenDocument", _odf("ods")),
        Reader("epub", (".epub",), "un livre EPUB", _epub),
        Reader("text", (".txt",), "du texte", _text, ("html",)),
        Reader("markdown", (".md", ".markdown"), "du Markdown", _markdown, ("text", "html")),
        Reader("doc", (".doc",), "un document Word 97-2003", _legacy("doc")),
        Reader("ppt", (".ppt",), "une présentation PowerPoint 97-2003", _legacy("ppt")),
        Reader("xls", (".xls",), "un classeur Excel 97-2003", _legacy("xls")),
        Reader("jpeg", (".jpg", ".jpeg"), "une image JPEG", _image("jpeg")),
        Reader("png", (".png",), "une image PNG", _image("png")),
        Reader("tiff", (".tif", ".tiff"), "une image TIFF", _image("tiff")),
    )
}
# Kinds the sniffing knows that no reader reads by that name.
OTHER_KINDS = {"ooxml-encrypted": "un fichier Office chiffré"}
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
        raise ExtractionError("unsupported", f"les fichiers {path_suffix or 'sans extension'} ne sont pas indexés")
    kind = sniff_kind(data)
    if kind is None and data.startswith(ZIP_MAGIC):
        SafeZip(data)  # says why: a bomb, a broken archive
        raise ExtractionError("wrong-type", f"nommé {path_suffix}, son contenu est une archive zip d'un autre type")
    if kind != expected.kind and kind not in expected.accepts:
        found = READERS[kind].label if kind in READERS else OTHER_KINDS.get(kind or "", "d'un type inconnu")
        raise ExtractionError("wrong-type", f"nommé {path_suffix}, son contenu est {found}")
    return expected


def extract_file(path: str, max_bytes: int, ocr: OcrOptions | None = None) -> Extracted:
    """Extract one file; raises ``ExtractionError`` with the reason it cannot.

    Runs inside an isolated worker process (see ``workers``). Scanned pages
    are recognised as ``ocr`` says (by default: French and English, no page
    cache)."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in BY_SUFFIX:
        raise ExtractionError("unsupported", f"les fichiers {suffix or 'sans extension'} ne sont pas indexés")
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise ExtractionError("too-large", f"{size // 1_048_576} Mo, la limite est de {max_bytes // 1_048_576} Mo")
        data = file.read_bytes()
    except OSError as exc:
        raise ExtractionError("unreadable", exc.strerror or str(exc)) from None
    return check_content(suffix, data).read(data, ocr or OcrOptions())


def ocr_workload(path: str, max_bytes: int) -> int:
    """How many pages extracting this file would recognise by OCR (0 for a
    born-digital file), cheaply: a planner can index born-digital files
    first and show pages to recognise. Cached pages are counted too."""
    try:
        data = Path(path).read_bytes() if Path(path).stat().st_size <= max_bytes else b""
    except OSError:
        return 0
    kind = sniff_kind(data[:8192]) if data else None
    if kind == "pdf":
        from docsearch.extraction.pdf import pages_to_recognise

        return len(pages_to_recognise(data))
    if kind in ("jpeg", "png", "tiff"):
        from PIL import Image

        try:
            with Image.open(Path(path)) as image:
                return int(getattr(image, "n_frames", 1))
        except Exception:
            return 1
    return 0
