"""Addresses a site lists itself: sitemaps (``<urlset>``, ``<sitemapindex>``,
gzip-compressed or not) and RSS/Atom feeds.

Read with regular expressions rather than an XML parser: sitemaps in the
wild are often not well-formed (a stray ``&``), and a regular expression
never expands entities (no "billion laughs"). Gzip is inflated with a cap.
"""

from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass, field

_LOC = re.compile(rb"<(?:\w+:)?loc>\s*(.*?)\s*</(?:\w+:)?loc>", re.S | re.I)
_INDEX = re.compile(rb"<(?:\w+:)?sitemapindex[\s>]", re.I)
_RSS_LINK = re.compile(rb"<item[\s>].*?<link>\s*(.*?)\s*</link>", re.S | re.I)
_ATOM_ENTRY = re.compile(rb"<entry[\s>].*?</entry>", re.S | re.I)
_ATOM_LINK = re.compile(rb"<link\b([^>]*)>", re.I)
_ATTR = re.compile(rb"""(\w+)\s*=\s*("[^"]*"|'[^']*')""")
_CDATA = re.compile(rb"^<!\[CDATA\[(.*)\]\]>$", re.S)


@dataclass
class Sitemap:
    pages: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # children of a sitemap index


def inflate(data: bytes, max_bytes: int) -> bytes:
    """Gzip bytes inflated (at most ``max_bytes``, a "gzip bomb" stops there); other bytes as they are."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        return inflater.decompress(data, max_bytes)
    except zlib.error:
        return b""


def parse_sitemap(data: bytes, max_bytes: int) -> Sitemap:
    data = inflate(data, max_bytes)
    locations = [_text(m.group(1)) for m in _LOC.finditer(data)]
    locations = [loc for loc in locations if loc]
    return Sitemap(sitemaps=locations) if _INDEX.search(data[:4096]) else Sitemap(pages=locations)


def parse_feed(data: bytes) -> list[str]:
    """The addresses of a feed's items (RSS ``<item><link>``, Atom ``<entry><link href>``)."""
    links = [_text(m.group(1)) for m in _RSS_LINK.finditer(data)]
    for entry in _ATOM_ENTRY.finditer(data):
        for tag in _ATOM_LINK.finditer(entry.group(0)):
            attrs = {k.lower(): v[1:-1] for k, v in _ATTR.findall(tag.group(1))}
            if attrs.get(b"rel", b"alternate") == b"alternate" and attrs.get(b"href"):
                links.append(_text(attrs[b"href"]))
                break
    return [link for link in links if link]


def is_feed(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return b"<rss" in head or (b"<feed" in head and b"atom" in head)


def _text(raw: bytes) -> str:
    cdata = _CDATA.match(raw.strip())
    return html.unescape((cdata.group(1) if cdata else raw).decode("utf-8", errors="replace")).strip()
