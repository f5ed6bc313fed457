"""HTML extraction with beautifulsoup4: decoding, main content, metadata.

Decoding order: a byte-order mark; bytes that are valid UTF-8 (whatever the
page declares, since mislabelled UTF-8 is common); the declared charset, as
browsers read its label (``charset_codec``); detection. The main content is trafilatura's (``main_text``), unless it finds
much less than docsearch's own rules: ``<main>``, else the largest
``<article>``, else ``<body>``, without the boilerplate tags of ``BOILERPLATE_TAGS``.
"""

from __future__ import annotations

import codecs
import re

import webencodings
from bs4 import BeautifulSoup, Comment, Tag

from docsearch.errors import ExtractionError
from docsearch.extraction.extracted import Extracted
from docsearch.text import clean_line, clean_text

# Removed wherever they are: never content.
BOILERPLATE_TAGS = (
    "script", "style", "noscript", "template", "iframe", "svg", "canvas",
    "nav", "aside", "button", "select", "input", "textarea", "object", "embed", "dialog",
)
# Removed outside <main>/<article>, where they are site chrome rather than
# the article's own heading or credits.
CHROME_TAGS = ("header", "footer")
CHROME_ROLES = ("navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert")
BLOCK_TAGS = (
    "p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
    "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "blockquote", "pre", "figure",
    "figcaption", "address", "hr", "header", "footer", "br", "title",
)

_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
# Where Python's codec of that name is narrower than the WHATWG decoder
# (which decodes GBK with the gb18030 decoder).
_WIDER_DECODERS = {"gbk": "gb18030"}


def extract_html(data: bytes) -> Extracted:
    text = decode_html(data)
    try:
        soup = BeautifulSoup(text, "html.parser")
    except Exception as exc:
        raise ExtractionError("corrupt", f"HTML illisible ({type(exc).__name__})") from None
    meta = _metadata(soup)
    main = _main_content(soup)
    headings = _headings(main) or _headings(soup)
    if headings:
        meta["headings"] = headings
    own = clean_text(_block_text(main))
    content = main_text(text, own)
    if not content:
        # A page of images still has a title worth finding.
        content = meta.get("title", "")
    if not content:
        raise ExtractionError("no-text", "la page n'a pas de texte lisible")
    return Extracted(format="html", pages=[content], meta=meta)


# trafilatura's text is kept unless it is shorter than this share of the
# text docsearch's own rules find (then it missed the article: a long blog
# post cut to its first part, a page of short blocks) or than MIN_MAIN_CHARS.
# Measured on the 43 pages of ../shared/realworld/html (bench/html_extraction.py):
# with this share, and the rescued paragraphs below, expected phrases found
# 43/43 and 19% of boilerplate lines kept, against 43/43 and 44% with
# docsearch's rules alone, 38/43 and 7% with trafilatura alone; a share of
# 0.1 loses the second half of a long blog post, 0.4 keeps 30% of boilerplate.
MAIN_SHARE = 0.2
MIN_MAIN_CHARS = 100
RESCUED_WORDS = 25


def rules_text(data: bytes) -> str:
    """The main content by docsearch's own rules alone (bench/html_extraction.py compares it)."""
    return clean_text(_block_text(_main_content(BeautifulSoup(decode_html(data), "html.parser"))))


def main_text(html: str, own: str) -> str:
    """The page's main content: trafilatura's (menus, cookie banners, share
    buttons, related articles and footers dropped), or ``own`` when
    trafilatura finds little or fails."""
    try:
        import trafilatura

        found = trafilatura.extract(html, include_comments=False, include_tables=True, favor_recall=True) or ""
    except Exception:  # a page trafilatura's parser cannot read: docsearch's own text
        return own
    found = clean_text(found)
    if len(found) < MIN_MAIN_CHARS or len(found) < MAIN_SHARE * len(own):
        return own
    # Long paragraphs of prose docsearch's rules keep and trafilatura dropped
    # (a news page's lede in a header block) are added back: with them, all
    # 43 expected phrases are found and 19% of boilerplate lines kept
    # (17% without, but one French article's lede lost).
    kept = _flat(found)
    rescued = [line for line in own.splitlines() if len(line.split()) >= RESCUED_WORDS and _flat(line) not in kept]
    # The byline's date ("Publié le 4 juin 2025") is the page's year, which trafilatura drops with
    # the byline: kept first, where an article shows it (one sample page lost its year without it).
    dated = [line for line in own.splitlines()[:40] if _BYLINE_DATE.match(line) and _flat(line) not in kept][:1]
    return "\n".join([*dated, found, *rescued])


_BYLINE_DATE = re.compile(r"\s*(?:publié|mis à jour|mise à jour|date de publication)\b.{0,30}\b(?:19|20)\d\d\b", re.I)


def _flat(text: str) -> str:
    return " ".join(text.split()).casefold()


def decode_html(data: bytes) -> str:
    """Bytes of a page → text, trying what is most likely right first."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    utf16 = _utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _declared_charset(data)
    if declared and declared != "utf-8":
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="replace")
    return data.decode(_detect(data) or declared or "cp1252", errors="replace")


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:400]
    if len(head) < 40:
        return None
    if head[1::2].count(0) > 0.8 * (len(head) // 2):
        return "utf-16-le"
    if head[0::2].count(0) > 0.8 * (len(head) // 2):
        return "utf-16-be"
    return None


def _declared_charset(data: bytes) -> str | None:
    match = _DECLARED.search(data[:8192]) or _DECLARED.search(data[:200_000])
    if not match:
        return None
    return charset_codec(match.group(1).decode("ascii", "replace"))


def charset_codec(label: str) -> str | None:
    """The Python codec for a charset label read the way browsers read it
    (the WHATWG Encoding Standard, through ``webencodings``): "iso-8859-1",
    "latin1", "l1", "us-ascii", "x-cp1252"… are all windows-1252, which is
    what such pages hold (’ and € included). None for an unknown label."""
    encoding = webencodings.lookup(label.strip())
    if encoding is None:
        return None
    name = _WIDER_DECODERS.get(encoding.name, encoding.codec_info.name)
    try:
        return codecs.lookup(name).name
    except LookupError:  # "replacement", "x-user-defined": no Python codec, read as undeclared
        return None


def _mostly_utf8(data: bytes) -> bool:
    """UTF-8 with a few damaged bytes rather than another encoding."""
    decoded = data.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    multibyte = sum(1 for ch in decoded if ord(ch) > 127) - bad
    return multibyte > 0 and bad <= max(2, multibyte // 10)


def _detect(data: bytes) -> str | None:
    """Detected encoding; Windows-1252 when the text is in a Latin-script
    language, since detectors often pick a rarer code page (cp775, cp850)
    for Western European text that cp1252 decodes just as well."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data[:200_000])
    best = matches.best()
    if best is None:
        return None
    candidates = {m.encoding for m in matches}
    if "cp1252" in candidates and best.language in _LATIN_LANGUAGES and _single_byte(best.encoding):
        return "cp1252"
    return best.encoding


_LATIN_LANGUAGES = frozenset({
    "English", "French", "German", "Spanish", "Italian", "Portuguese", "Dutch", "Catalan",
    "Danish", "Swedish", "Norwegian", "Finnish", "Unknown", "",
})


def _single_byte(encoding: str) -> bool:
    return len("é€".encode(encoding, errors="replace")) == 2


def _metadata(soup: BeautifulSoup) -> dict[str, str]:
    meta: dict[str, str] = {}
    if soup.title and soup.title.string:
        meta["title"] = clean_line(soup.title.get_text())[:500]
    wanted = {
        "description": "subject", "dc.description": "subject", "og:description": "subject",
        "keywords": "keywords", "dc.subject": "keywords", "news_keywords": "keywords",
        "dc.title": "title", "og:title": "title",
        "author": "author", "dc.creator": "author", "dc.publisher": "author", "og:site_name": "author",
        "dc.date": "date", "dc.date.created": "date", "dc.date.issued": "date", "dcterms.date": "date",
        "dcterms.created": "date", "article:published_time": "date", "date": "date",
        "og:url": "url", "dc.identifier": "url",
    }
    for tag in soup.find_all("meta"):
        key = str(tag.get("name") or tag.get("property") or "").strip().lower()
        name = wanted.get(key)
        value = clean_line(str(tag.get("content") or ""))
        if name and value and name not in meta:
            meta[name] = value[:500]
    canonical = soup.find("link", rel="canonical")
    if canonical is not None and canonical.get("href") and "url" not in meta:
        meta["url"] = str(canonical["href"])[:500]
    if not meta.get("url", "").lower().startswith(("http://", "https://")):
        meta.pop("url", None)  # only web addresses become links
    return meta


def _main_content(soup: BeautifulSoup) -> Tag:
    _drop_boilerplate(soup)
    candidates = soup.find_all("main") or soup.find_all(None, {"role": "main"})
    if not candidates:
        candidates = soup.find_all("article")
    if candidates:
        best = max(candidates, key=_own_text_length)
        if _own_text_length(best) >= 200:
            return best
    if soup.head is not None:
        soup.head.decompose()
    # Not soup.body: broken pages (nested <html>, text after </body>) leave
    # content outside the first body the parser closes.
    return soup


# Sphinx and other generators end each heading with a permalink sign.
_PERMALINK = re.compile(r"\s*[¶#§]+$")


def _headings(root: Tag, limit: int = 3) -> str:
    """The page's first ``h1`` headings, one a line: the catalogue picks the
    title among them (the first can be a rubric, "Communiqué de presse")."""
    found = []
    for tag in root.find_all("h1")[:limit]:
        for br in tag.find_all("br"):
            br.replace_with(" ")
        text = _PERMALINK.sub("", clean_line(tag.get_text()))
        if text:
            found.append(text[:300])
    return "\n".join(found)


def _own_text_length(tag: Tag) -> int:
    """Text that is not link text: lists of teasers are mostly links."""
    links = sum(len(a.get_text(strip=True)) for a in tag.find_all("a"))
    return len(tag.get_text(strip=True)) - links


def _drop_boilerplate(soup: BeautifulSoup) -> None:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(BOILERPLATE_TAGS):
        tag.decompose()
    for tag in soup.find_all(None, {"role": CHROME_ROLES}):
        tag.decompose()
    for tag in soup.find_all(None, {"hidden": True}):
        tag.decompose()
    for tag in soup.find_all(CHROME_TAGS):
        if tag.find_parent(("main", "article")) is None:
            tag.decompose()
    total = len(soup.get_text(strip=True)) or 1
    for form in soup.find_all("form"):
        # Whole-page forms (ASP.NET wraps everything in one) hold the content.
        if form.find(("main", "article")) is None and len(form.get_text(strip=True)) < total / 2:
            form.decompose()


def _block_text(root: Tag) -> str:
    """Text with a line break around every block element, none inside inline ones."""
    for tag in root.find_all(BLOCK_TAGS):
        tag.insert_before("\n")
        tag.insert_after("\n")
    return root.get_text()
