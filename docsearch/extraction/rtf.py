"""Rich Text Format: a small tokenizer, no dependency.

Text comes from the body, tables, footnotes, headers and footers and field
results; font tables, style sheets, pictures, objects, field instructions and
every ignorable ``{\\*…}`` destination are skipped. Bytes written as
``\\'hh`` are decoded with the code page of the current font (``\\fcharset``)
or of the document (``\\ansicpg``); ``\\uN`` characters are read with their
``\\ucN`` fallback skipped. The ``\\info`` group gives the metadata.
"""

from __future__ import annotations

import re

from docsearch.errors import ExtractionError
from docsearch.extraction.extracted import Extracted
from docsearch.extraction.ooxml import finish
from docsearch.text import clean_line

_TOKEN = re.compile(rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|([^\\{}\r\n]+)|[\r\n]+", re.DOTALL)
_SKIP = frozenset({
    b"fonttbl", b"colortbl", b"stylesheet", b"listtable", b"listoverridetable", b"pict", b"object",
    b"fldinst", b"datastore", b"themedata", b"colorschememapping", b"latentstyles", b"rsidtbl",
    b"generator", b"xmlnstbl", b"mmathPr", b"filetbl", b"revtbl", b"bkmkstart", b"bkmkend",
    b"nonshppict", b"blipuid", b"pgdsctbl", b"protusertbl", b"wgrffmtfilter", b"shpinst", b"sp",
    b"operator", b"passwordhash", b"pnseclvl",
})
_INFO_FIELDS = {b"title": "title", b"subject": "subject", b"author": "author", b"keywords": "keywords", b"doccomm": "description"}
_NEWLINES = {b"par": "\n", b"line": "\n", b"row": "\n", b"sect": "\n", b"page": "\n", b"cell": "\t", b"tab": "\t",
             b"emdash": "—", b"endash": "–", b"lquote": "‘", b"rquote": "’", b"ldblquote": "“", b"rdblquote": "”",
             b"bullet": "•", b"nestcell": "\t", b"nestrow": "\n", b"~": "\u00a0", b"_": "-", b"-": ""}
# \fcharsetN → code page
_CHARSETS = {0: "cp1252", 77: "mac_roman", 128: "cp932", 129: "cp949", 134: "gbk", 136: "big5", 161: "cp1253",
             162: "cp1254", 163: "cp1258", 177: "cp1255", 178: "cp1256", 186: "cp1257", 204: "cp1251",
             222: "cp874", 238: "cp1250"}


def extract_rtf(data: bytes) -> Extracted:
    if not data.lstrip()[:5] == b"{\\rtf":
        raise ExtractionError("corrupt", "en-tête RTF absent")
    default = "cp1252"
    match = re.search(rb"\\ansicpg(\d+)", data[:2048])
    if match:
        default = _codepage(f"cp{int(match.group(1))}")
    fonts = {int(n): _codepage(_CHARSETS.get(int(c), default))
             for n, c in re.findall(rb"\\f(\d+)[^{}]*?\\fcharset(\d+)", _font_table(data))}
    out: list[str] = []
    info: dict[str, list[str]] = {}
    # Each group's state: (skipping, info field, font code page, \uc count).
    stack: list[tuple[bool, str | None, str, int]] = []
    skipping, field, codepage, uc = False, None, default, 1
    pending = bytearray()  # \'hh bytes of one character set, decoded together
    skip_chars = 0
    star = False

    def emit(text: str) -> None:
        if skipping and field is None:
            return
        (info.setdefault(field, []) if field else out).append(text)

    def flush() -> None:
        if pending:
            emit(pending.decode(codepage, errors="replace"))
            pending.clear()

    for token in _TOKEN.finditer(data):
        word, number, hexbyte, symbol, brace, text = token.groups()
        if hexbyte is not None:
            if skip_chars:
                skip_chars -= 1
                continue
            pending.append(int(hexbyte, 16))
            continue
        flush()
        if brace == b"{":
            stack.append((skipping, field, codepage, uc))
            star = False
        elif brace == b"}":
            if stack:
                skipping, field, codepage, uc = stack.pop()
            star = False
        elif word is not None:
            if star or word in _SKIP:
                skipping, field = True, None
            elif word in _INFO_FIELDS and stack:
                skipping, field = True, _INFO_FIELDS[word]
            elif word == b"info":
                skipping = True
            elif word == b"f" and number is not None:
                codepage = fonts.get(int(number), default)
            elif word == b"uc" and number is not None:
                uc = int(number)
            elif word == b"u" and number is not None:
                value = int(number) % 65536
                emit("" if 0xD800 <= value < 0xE000 or value == 0 else chr(value))  # lone surrogates dropped
                skip_chars = uc
                continue
            elif word in _NEWLINES:
                emit(_NEWLINES[word])
            star = False
            skip_chars = 0
        elif symbol is not None:
            if symbol == b"*":
                star = True
                continue
            emit(_NEWLINES.get(symbol, symbol.decode("latin-1") if symbol in b"\\{}" else ""))
        elif text is not None:
            if skip_chars:
                consumed = min(skip_chars, len(text))
                text, skip_chars = text[consumed:], skip_chars - consumed
            emit(text.decode(codepage, errors="replace"))
            star = False
    flush()
    meta = {name: clean_line("".join(parts))[:500] for name, parts in info.items() if clean_line("".join(parts))}
    if "description" in meta:
        meta.setdefault("subject", meta.pop("description"))
    created = re.search(rb"\\creatim\\yr(\d{4})\\mo(\d{1,2})\\dy(\d{1,2})", data[:65536])
    if created:
        meta["date"] = f"{created.group(1).decode()}-{int(created.group(2)):02d}-{int(created.group(3)):02d}"
    pages = "".join(out).split("\f")
    return finish("rtf", pages, meta, "document RTF")


def _font_table(data: bytes) -> bytes:
    start = data.find(b"\\fonttbl")
    if start < 0:
        return b""
    depth, i = 1, start
    while i < len(data) and depth > 0 and i - start < 200_000:
        if data[i:i + 1] == b"{":
            depth += 1
        elif data[i:i + 1] == b"}":
            depth -= 1
        i += 1
    return data[start:i]


def _codepage(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return "cp1252"
