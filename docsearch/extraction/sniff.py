"""What a file is, from its bytes: the kind that picks its reader.

A name can lie (a ``.pdf`` that is an HTML error page, a renamed file), so the
reader is chosen by what the content is; the suffix only has to agree.
"""

from __future__ import annotations

HTML_STARTS = (b"<!doctype html", b"<html", b"<?xml", b"<!--", b"<head", b"<meta", b"<body", b"<title")
HTML_INSIDE = (b"<html", b"<body", b"<p>", b"<div")


def sniff_kind(head: bytes) -> str | None:
    """The kind of the content ("pdf", "html"), whatever its name says; None if unknown."""
    if b"%PDF-" in head[:1024]:
        return "pdf"
    sample = head[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").lower().replace(b"\x00", b"")
    if sample.startswith(HTML_STARTS) or any(tag in sample for tag in HTML_INSIDE):
        return "html"
    return None
