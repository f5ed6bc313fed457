"""PDF extraction: text per page with PDFium (pypdfium2), metadata with pypdf.

PDFium reads text about ten times faster than pypdf and, on the real-world
set, finds every phrase pypdf finds and a few more (it also opens some files
whose cross-reference table pypdf cannot rebuild). pypdf reads the Info and
XMP metadata, and reads the text itself when PDFium refuses a file.
Owner-password-only PDFs (empty user password) are opened; a PDF that needs
a user password, has no page, or has no text on any page is refused with a
reason.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from typing import Any

from pypdf import PasswordType, PdfReader

from docsearch.errors import ExtractionError
from docsearch.extraction.caps import Caps
from docsearch.extraction.extracted import Extracted, Line
from docsearch.extraction.layout import HEADER_PAGES, first_page_lines
from docsearch.extraction.ocr import NOT_INSTALLED, OcrOptions, available, deferred, page_text
from docsearch.extraction.words import looks_like_garbage
from docsearch.text import clean_line, clean_text

# pypdf reports recoverable damage through logging; a broken file is judged
# by what we can read, not by its warnings.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def extract_pdf(data: bytes, options: OcrOptions | None = None) -> Extracted:
    options = options or OcrOptions(enabled=False)
    read = _pdfium_pages(data, options)
    if read is None:
        return _extract_with_pypdf(data)
    pages, ocr_pages, sizes, first_lines = read
    try:
        reader = _open(data)
        meta, fields = _metadata(reader), _form_fields(reader)
    except ExtractionError:
        meta, fields = {}, 0  # pypdf cannot parse what PDFium read: the text speaks for it
    return Extracted(format="pdf", pages=pages, meta=meta, ocr_pages=ocr_pages,
                     ocr_language=options.language if ocr_pages else "", page_sizes=sizes, form_fields=fields,
                     first_lines=first_lines)


@dataclass
class _PageLook:
    """What a page's text layer and drawing say about whether to recognise it."""

    text: str
    area: float  # of the page, in points²
    text_area: float  # covered by text objects
    image_area: float  # covered by images
    objects: int
    size: tuple[float, float] = (0.0, 0.0)  # width, height in points
    _garbled: bool | None = None

    def garbled(self) -> bool:
        """A font that maps glyphs to the wrong letters (asked twice of page 1: computed once)."""
        if self._garbled is None:
            self._garbled = looks_like_garbage(self.text)
        return self._garbled

    def needs_ocr(self) -> bool:
        if not self.text:
            return self.objects > 0  # a scan (a blank page has nothing to read)
        if len(self.text) < THIN_TEXT and self.image_area >= 0.05 * self.area and self.image_area > 3 * self.text_area:
            return True  # a thin header over a scanned body
        return self.garbled()


# Pages read at most: as many as the index keeps by default (caps.Caps.pages).
# A 1.2 MB file whose page tree lists one page 200,000 times took 27 s to
# read in full, inside the worker but while the write lock was held.
READ_PAGES = Caps().pages

# Fewer characters than this over images: the text layer is a header, not the page.
THIN_TEXT = 300


def _pdfium_pages(data: bytes, options: OcrOptions) -> tuple[list[str], list[int], list[tuple[float, float]], list[Line]] | None:
    """The text of each page, the pages recognised, the size of each page
    read and the sized lines of page 1, or None when PDFium cannot open the file."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ExtractionError("encrypted", "il faut un mot de passe pour l'ouvrir") from None
        return None
    opened = _OpenPages(document)
    try:
        count = len(document)
        looks = [_look(opened, i) for i in range(min(count, READ_PAGES))]
        if not looks:
            raise ExtractionError("corrupt", "the PDF has no page")
        # Pages past READ_PAGES stay empty: caps.cap() cuts the document and
        # says so with the true page count.
        pages = [look.text for look in looks] + [""] * (count - len(looks))
        wanted = [i for i, look in enumerate(looks) if look.needs_ocr()]
        recognised: list[int] = []
        if wanted and options.enabled and available(options.language):
            if options.defer:
                raise deferred(len(wanted))
            sha256 = hashlib.sha256(data).hexdigest()
            for i in wanted:
                text = page_text(sha256, i, partial(_render, document, i, options), options, f"la page {i + 1}")
                if not text:
                    continue
                look = looks[i]
                # A garbled layer is replaced; a thin header is kept above the body.
                pages[i] = text if not look.text or look.garbled() else look.text + "\n" + text
                recognised.append(i + 1)
        if not any(pages):
            if not options.enabled:
                raise ExtractionError("image-only", f"aucun texte sur ses {len(pages)} page(s) : document scanné ou dessiné")
            if not available(options.language):
                raise ExtractionError("image-only", f"{NOT_INSTALLED}, {len(pages)} page(s) sans texte")
            raise ExtractionError("image-only", f"aucun texte, même reconnu (OCR), sur ses {len(pages)} page(s)")
        # A garbled text layer says nothing of the title, whatever its size.
        garbled = looks[0].garbled()
        return pages, recognised, [look.size for look in looks], [] if garbled else first_page_lines(opened, count)
    finally:
        opened.close()
        document.close()


def pages_to_recognise(data: bytes) -> list[int]:
    """The pages (1-based) OCR would recognise, without recognising them:
    for ordering work (born-digital files first) and progress."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return []
    opened = _OpenPages(document, keep=0)
    try:
        return [i + 1 for i in range(min(len(document), READ_PAGES)) if _look(opened, i).needs_ocr()]
    finally:
        document.close()


@dataclass
class _Page:
    page: Any  # pypdfium2 PdfPage
    textpage: Any  # its PdfTextPage, None when PDFium cannot read its text
    text: str  # cleaned


class _OpenPages:
    """Pages of a document, each loaded once: the first ones stay open from
    their text (``_look``) to their sized lines (layout.py), which loaded
    them again before (2.3 ms of a generated PDF's 20 ms)."""

    def __init__(self, document: Any, keep: int = 1 + HEADER_PAGES) -> None:
        self.document = document
        self.keep = keep
        self._kept: dict[int, _Page | None] = {}

    def open(self, index: int) -> _Page | None:
        """Page ``index`` loaded with its text; None when PDFium cannot load it.
        ``release`` it after."""
        if index in self._kept:
            return self._kept[index]
        try:
            page = self.document[index]
        except Exception:
            loaded = None
        else:
            loaded = _Page(page, None, "")
            try:
                loaded.textpage = page.get_textpage()
                loaded.text = clean_text(loaded.textpage.get_text_range())
            except Exception:
                loaded.text = ""  # a damaged page is empty rather than fatal
        if index < self.keep:
            self._kept[index] = loaded
        return loaded

    def release(self, index: int, loaded: _Page | None) -> None:
        if index not in self._kept:
            _close(loaded)

    def textpage(self, index: int) -> tuple[Any, float] | None:
        """For layout.py: the page's text page and its height."""
        loaded = self.open(index)
        try:
            if loaded is None or loaded.textpage is None:
                return None
            return loaded.textpage, loaded.page.get_height() or 1.0
        except Exception:
            return None
        finally:
            self.release(index, loaded)

    def close(self) -> None:
        for loaded in self._kept.values():
            _close(loaded)
        self._kept.clear()


def _close(loaded: _Page | None) -> None:
    if loaded is None:
        return
    if loaded.textpage is not None:
        loaded.textpage.close()
    loaded.page.close()


def _look(opened: _OpenPages, index: int) -> _PageLook:
    loaded = opened.open(index)
    if loaded is None:
        return _PageLook("", 1.0, 0.0, 0.0, 0)
    text, page = loaded.text, loaded.page
    try:
        import pypdfium2.raw as raw

        width, height = page.get_size()
        if len(text) >= THIN_TEXT:
            # Enough text: only a garbled layer makes it worth recognising, and
            # what covers the page does not matter. Walking the page objects
            # took 10 of the 21 s that the 134 real-world PDFs cost to read.
            return _PageLook(text, max(width * height, 1.0), 0.0, 0.0, 0, (float(width), float(height)))
        text_area = image_area = 0.0
        objects = 0
        for obj in page.get_objects(max_depth=3):
            objects += 1
            if obj.type not in (raw.FPDF_PAGEOBJ_TEXT, raw.FPDF_PAGEOBJ_IMAGE):
                continue
            left, bottom, right, top = obj.get_bounds()
            box = max(0.0, min(right, width) - max(left, 0.0)) * max(0.0, min(top, height) - max(bottom, 0.0))
            if obj.type == raw.FPDF_PAGEOBJ_TEXT:
                text_area += box
            else:
                image_area += box
        return _PageLook(text, max(width * height, 1.0), text_area, image_area, objects, (float(width), float(height)))
    except Exception:
        return _PageLook(text, 1.0, 0.0, 0.0, 1)  # unreadable drawing: recognise if it has no text
    finally:
        opened.release(index, loaded)


def _render(document: Any, index: int, options: OcrOptions) -> Any:
    """The page as a greyscale image at about ``options.dpi``, bounded in pixels."""
    page = document[index]
    try:
        width, height = page.get_size()
        scale = min(options.dpi / 72, math.sqrt(options.max_pixels / max(width * height, 1.0)))
        bitmap = page.render(scale=scale, grayscale=True)
        return bitmap.to_pil()
    finally:
        page.close()


def _extract_with_pypdf(data: bytes) -> Extracted:
    reader = _open(data)
    try:
        page_list = reader.pages
        count = len(page_list)
    except Exception as exc:  # any damage to the page tree
        raise ExtractionError("corrupt", f"arbre des pages illisible ({type(exc).__name__})") from None
    if count == 0:
        raise ExtractionError("corrupt", "the PDF has no page")
    pages = [_page_text(page_list, i) for i in range(min(count, READ_PAGES))] + [""] * max(0, count - READ_PAGES)
    if not any(pages):
        raise ExtractionError("image-only", f"aucun texte sur ses {count} page(s) : document scanné ou dessiné")
    return Extracted(format="pdf", pages=pages, meta=_metadata(reader), form_fields=_form_fields(reader))


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(BytesIO(data), strict=False)
    except Exception as exc:
        raise ExtractionError("corrupt", f"PDF illisible ({type(exc).__name__} : {exc})"[:300]) from None
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except Exception as exc:  # unsupported algorithm, missing crypto
            raise ExtractionError("encrypted", f"déchiffrement impossible ({exc})"[:300]) from None
        if opened == PasswordType.NOT_DECRYPTED:
            raise ExtractionError("encrypted", "il faut un mot de passe pour l'ouvrir")
    return reader


def _page_text(pages: object, index: int) -> str:
    """Text of one page; a damaged page is empty rather than fatal."""
    try:
        return clean_text(pages[index].extract_text() or "")  # type: ignore[index]  # pypdf's reader.pages, annotated object
    except Exception:
        return ""


def _form_fields(reader: PdfReader) -> int:
    """How many fillable fields the AcroForm holds (0 when none or unreadable):
    11 to 264 on the three real forms of realworld-fr, 0 on its 47 other PDFs."""
    try:
        return len(reader.get_fields() or {})
    except Exception:
        return 0


def _metadata(reader: PdfReader) -> dict[str, str]:
    meta: dict[str, str] = {}
    _add_info(meta, reader)
    _add_xmp(meta, reader)
    return {k: v for k, v in meta.items() if v}


def _add_info(meta: dict[str, str], reader: PdfReader) -> None:
    try:
        info = reader.metadata
        if info is None:
            return
        for key, name in (("/Title", "title"), ("/Subject", "subject"), ("/Keywords", "keywords"), ("/Author", "author")):
            value = info.get(key)
            if value:
                meta[name] = clean_line(str(value))[:500]
        raw_date = info.get("/CreationDate")
        if raw_date:
            meta["date"] = _pdf_date(str(raw_date))
    except Exception:
        return  # unreadable metadata: the text will speak instead


def _pdf_date(raw: str) -> str:
    """"D:20110630120000+02'00'" → "2011-06-30"; anything else kept if it has a year."""
    digits = raw[2:] if raw.startswith("D:") else raw
    if len(digits) >= 8 and digits[:8].isdigit():
        return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}"
    if len(digits) >= 4 and digits[:4].isdigit():
        return digits[:4]
    return ""


def _add_xmp(meta: dict[str, str], reader: PdfReader) -> None:
    try:
        xmp = reader.xmp_metadata
        if xmp is None:
            return
        title = xmp.dc_title
        if title and "title" not in meta:
            meta["title"] = clean_line(next(iter(title.values()), ""))[:500]
        subjects = xmp.dc_subject
        if subjects and "keywords" not in meta:
            meta["keywords"] = clean_line(", ".join(subjects))[:500]
        description = xmp.dc_description
        if description and "subject" not in meta:
            meta["subject"] = clean_line(next(iter(description.values()), ""))[:500]
        created = xmp.xmp_create_date
        if created and "date" not in meta:
            meta["date"] = created.date().isoformat()
    except Exception:
        return
