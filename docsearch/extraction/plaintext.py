"""Plain text and Markdown.

The encoding is found as the sniffing finds it (``sniff.text_encoding``): a
byte-order mark, UTF-16 by its zero bytes, UTF-8, else Windows-1252 (or
Latin-1 when bytes undefined in Windows-1252 show it is not). A form feed
starts a new page. Markdown loses its markup (emphasis, links, headings,
tables, inline HTML) so a phrase reads as it renders; a YAML front matter
gives the title.
"""

from __future__ import annotations

import html
import re

from docsearch.errors import ExtractionError
from docsearch.extraction.extracted import Extracted
from docsearch.extraction.ooxml import finish
from docsearch.extraction.sniff import text_encoding
from docsearch.text import clean_line


def decode_text(data: bytes) -> str:
    encoding = text_encoding(data)
    if encoding is None:
        raise ExtractionError("corrupt", "ce n'est pas du texte (caractères de contrôle)")
    text = data.decode(encoding, errors="replace")
    return text.lstrip("\ufeff")


def extract_text(data: bytes) -> Extracted:
    return finish("text", decode_text(data).split("\f"), {}, "fichier texte")


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*\n", re.DOTALL)
_MARKUP = (
    (re.compile(r"<!--.*?-->", re.DOTALL), ""),
    (re.compile(r"^```.*$|^~~~.*$", re.MULTILINE), ""),  # fence lines; the code inside stays
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),  # images: their description
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # links: their text
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"^\s{0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE), ""),  # link definitions
    (re.compile(r"</?[a-zA-Z][^>\n]*>"), " "),  # inline HTML tags
    (re.compile(r"^\s{0,3}#{1,6}\s*|\s+#+\s*$", re.MULTILINE), ""),  # heading marks
    (re.compile(r"^\s{0,3}>\s?", re.MULTILINE), ""),  # quotes
    (re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?", re.MULTILINE), ""),  # list marks, task boxes
    (re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.MULTILINE), ""),  # table rules
    (re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$", re.MULTILINE), ""),  # horizontal rules
    (re.compile(r"\|"), "\t"),
    (re.compile(r"(\*\*|__|~~)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])([*_])(?=\S)(.+?)(?<=\S)\1(?![\w*])"), r"\2"),
    (re.compile(r"`+([^`]*)`+"), r"\1"),
    (re.compile(r"^[=-]{3,}\s*$", re.MULTILINE), ""),  # setext underlines
)


def extract_markdown(data: bytes) -> Extracted:
    text = decode_text(data).replace("\r\n", "\n")
    meta: dict[str, str] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        text = text[front.end():]
        for line in front.group(1).splitlines():
            key, _, value = line.partition(":")
            key, value = key.strip().lower(), value.strip().strip("\"'")
            name = {"title": "title", "description": "subject", "author": "author", "keywords": "keywords",
                    "tags": "keywords", "date": "date"}.get(key)
            if name and value and name not in meta:
                meta[name] = clean_line(value)[:500]
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return finish("markdown", html.unescape(text).split("\f"), meta, "fichier Markdown")
