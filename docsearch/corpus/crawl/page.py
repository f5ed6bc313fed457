"""What a fetched HTML page tells the crawler: its links, its feeds, its
canonical address, and whether it may be kept (``noindex``) or followed
(``nofollow``), from ``<meta name="robots">`` (or ``name="docsearch"``) and
the ``X-Robots-Tag`` header."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

from docsearch.corpus.crawl.urls import normalise

_FEED_TYPES = ("application/rss+xml", "application/atom+xml")
_AGENTS = ("robots", "docsearch")


@dataclass
class PageInfo:
    links: list[str] = field(default_factory=list)  # normalised, followable
    feeds: list[str] = field(default_factory=list)
    canonical: str | None = None
    noindex: bool = False
    nofollow: bool = False


def read_page(data: bytes, url: str, x_robots_tag: str = "") -> PageInfo:
    with warnings.catch_warnings():  # XHTML pages are read as HTML on purpose
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(data, "html.parser")
    base_tag = soup.find("base", href=True)
    base = normalise(str(base_tag["href"]), url) if base_tag is not None else None
    base = base or url
    directives = robots_directives(x_robots_tag)
    for meta in soup.find_all("meta", attrs={"name": True, "content": True}):
        if str(meta["name"]).strip().lower() in _AGENTS:
            directives |= _words(str(meta["content"]))
    info = PageInfo(noindex=bool(directives & {"noindex", "none"}), nofollow=bool(directives & {"nofollow", "none"}))
    for link in soup.find_all("link", href=True):
        rel = {str(r).lower() for r in (link.get("rel") or [])}
        if "canonical" in rel and info.canonical is None:
            info.canonical = normalise(str(link["href"]), base)
        elif "alternate" in rel and str(link.get("type", "")).lower() in _FEED_TYPES:
            feed = normalise(str(link["href"]), base)
            if feed:
                info.feeds.append(feed)
    if not info.nofollow:
        for anchor in soup.find_all(("a", "area"), href=True):
            if "nofollow" in {str(r).lower() for r in (anchor.get("rel") or [])}:
                continue
            target = normalise(str(anchor["href"]), base)
            if target:
                info.links.append(target)
    info.links = list(dict.fromkeys(info.links))
    return info


def robots_directives(header: str) -> set[str]:
    """The directives of an ``X-Robots-Tag`` value meant for every robot or for
    docsearch ("noindex, nofollow", "docsearch: noindex"; "googlebot: noindex" is not ours)."""
    found: set[str] = set()
    for part in header.split(","):
        agent, _, rest = part.partition(":")
        if rest and re.fullmatch(r"\s*[\w-]+\s*", agent) and agent.strip().lower() not in ("unavailable_after", "max-snippet",
                                                                                           "max-image-preview", "max-video-preview"):
            if agent.strip().lower() in _AGENTS:
                found |= _words(rest)
            continue
        found |= _words(part)
    return found


def _words(value: str) -> set[str]:
    return {w.strip().lower() for w in re.split(r"[,\s]+", value) if w.strip()}
