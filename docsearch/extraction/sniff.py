"""What a file is, from its bytes: the kind that picks its reader.

A name can lie (a ``.pdf`` that is an HTML error page, a renamed file), so the
reader is chosen by what the content is; the suffix only has to agree.

Zip packages are told apart by what they hold: OOXML by the main part its
``[Content_Types].xml`` declares (word, ppt, xl), ODF and EPUB by their
``mimetype`` entry. OLE compound files by their streams: legacy Word,
PowerPoint and Excel, or an encrypted OOXML package (``EncryptionInfo``).
Plain text is whatever decodes without control characters.
"""

from __future__ import annotations

import codecs
import re

from docsearch.errors import ExtractionError
from docsearch.extraction.containers import OLE_MAGIC, ZIP_MAGIC, SafeZip, ole_streams

HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<!--", b"<head", b"<meta", b"<body", b"<title")
HTML_INSIDE = (b"<html", b"<body", b"<p>", b"<div")

ODF_KINDS = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.presentation-template": "odp",
    "application/epub+zip": "epub",
}
# Main-part content types of OOXML packages (transitional and strict use the
# same ones; macro-enabled and template variants are the same formats).
OOXML_KINDS = (
    ("wordprocessingml.document.main", "docx"), ("wordprocessingml.template.main", "docx"),
    ("ms-word.document.macroenabled.main", "docx"), ("ms-word.template.macroenabled", "docx"),
    ("presentationml.presentation.main", "pptx"), ("presentationml.slideshow.main", "pptx"),
    ("presentationml.template.main", "pptx"), ("ms-powerpoint.presentation.macroenabled.main", "pptx"),
    ("ms-powerpoint.slideshow.macroenabled.main", "pptx"),
    ("spreadsheetml.sheet.main", "xlsx"), ("spreadsheetml.template.main", "xlsx"),
    ("ms-excel.sheet.macroenabled.main", "xlsx"), ("ms-excel.template.macroenabled", "xlsx"),
)
OOXML_FALLBACK = (("word/document.xml", "docx"), ("ppt/presentation.xml", "pptx"), ("xl/workbook.xml", "xlsx"))
_FLAT_ODF = re.compile(rb"<office:document\b[^>]*\boffice:mimetype=[\"']([^\"']+)[\"']", re.DOTALL)
# Image files (OCR reads them).
IMAGE_MAGIC = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"))


def sniff_kind(head: bytes) -> str | None:
    """The kind of the content ("pdf", "html", "docx"…), whatever its name says; None if unknown.

    Besides the kinds of the readers, "ooxml-encrypted" is an encrypted
    Office package (an OLE file), read by none."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(ZIP_MAGIC):
        return _sniff_zip(head)
    if head.startswith(OLE_MAGIC):
        return _sniff_ole(head)
    for magic, kind in IMAGE_MAGIC:
        if head.startswith(magic):
            return kind
    stripped = head[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    flat = _FLAT_ODF.search(head[:8192])
    if flat and flat.group(1).decode("ascii", "replace") in ODF_KINDS:
        return ODF_KINDS[flat.group(1).decode("ascii")]
    sample = head[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if sample.startswith(HTML_STARTS) or any(tag in sample for tag in HTML_INSIDE):
        return "html"
    if text_encoding(head) is not None:
        return "text"
    return None


def _sniff_zip(data: bytes) -> str | None:
    try:
        package = SafeZip(data)
    except ExtractionError:
        return None
    if package.has("mimetype"):
        try:
            declared = package.read("mimetype", 200).decode("ascii", "replace").strip()
        except ExtractionError:
            declared = ""
        if declared in ODF_KINDS:
            return ODF_KINDS[declared]
    if package.has("[Content_Types].xml"):
        try:
            types = package.read("[Content_Types].xml", 1 << 20).lower()
        except ExtractionError:
            types = b""
        for marker, kind in OOXML_KINDS:
            if marker.encode() in types:
                return kind
    for part, kind in OOXML_FALLBACK:
        if package.find(part):
            return kind
    if package.has("META-INF/container.xml"):
        return "epub"
    return None


def _sniff_ole(data: bytes) -> str | None:
    streams = {name.lower() for name in ole_streams(data)}
    if "encryptioninfo" in streams and "encryptedpackage" in streams:
        return "ooxml-encrypted"
    if "worddocument" in streams:
        return "doc"
    if "powerpoint document" in streams:
        return "ppt"
    if "workbook" in streams or "book" in streams:
        return "xls"
    return None


def text_encoding(data: bytes) -> str | None:
    """The encoding plain text is in (a byte-order mark, UTF-16 by its zero
    bytes, UTF-8, else Windows-1252 or Latin-1), or None when the bytes are
    not text (control characters, zero bytes)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return encoding
    sample = data[:65536]
    if len(sample) >= 16:
        half = len(sample) // 2
        if sample[1::2].count(0) > 0.6 * half and sample[0::2].count(0) < 0.1 * half:
            return "utf-16-le"
        if sample[0::2].count(0) > 0.6 * half and sample[1::2].count(0) < 0.1 * half:
            return "utf-16-be"
    controls = sum(1 for byte in sample if (byte < 32 and byte not in (9, 10, 12, 13)) or byte == 127)
    if controls > len(sample) // 200:
        return None
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4 and len(data) > len(sample):
            return "utf-8"  # a character cut by the sample's end
    undefined = sum(sample.count(bytes([b])) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
    return "latin-1" if undefined else "cp1252"
