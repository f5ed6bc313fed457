"""Which addresses belong to a crawl, and which are left to visit.

``Rules`` is what staff give for a site: its start address, caps, and
patterns. The scope is the start's host (``http`` and ``https`` alike, with or without ``www.``),
under ``prefix`` when one is given; ``include`` and ``exclude`` are shell
patterns (``*`` any characters, ``?`` one) matched against the path and
query (``/actualites/*``, ``*.pdf``, ``*?page=*``): with includes, an
address must match one; an excluded one is never fetched. The start address
is always fetched.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from docsearch.corpus.crawl.urls import host_of


@dataclass(frozen=True)
class Rules:
    start_url: str
    max_pages: int = 500
    max_depth: int = 5
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    prefix: str = ""  # a path prefix ("/actualites/"); "" for the whole host

    def in_scope(self, url: str) -> bool:
        if url == self.start_url:
            return True
        if _site_host(url) != _site_host(self.start_url):
            return False
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if self.prefix and not parts.path.startswith(self.prefix):
            return False
        if any(fnmatch.fnmatchcase(target, pattern) for pattern in self.exclude):
            return False
        return not self.include or any(fnmatch.fnmatchcase(target, pattern) for pattern in self.include)


@dataclass
class Frontier:
    """Breadth first: pages near the start come before the deep ones, so a page cap keeps the nearest."""

    rules: Rules
    queue: deque[tuple[str, int]] = field(default_factory=deque)
    seen: set[str] = field(default_factory=set)

    def add(self, url: str, depth: int) -> bool:
        if url in self.seen or depth > self.rules.max_depth or not self.rules.in_scope(url):
            return False
        self.seen.add(url)
        self.queue.append((url, depth))
        return True

    def pop(self) -> tuple[str, int] | None:
        return self.queue.popleft() if self.queue else None


def _site_host(url: str) -> str:
    """The host, "www." aside: http://cress.fr/ redirecting to https://www.cress.fr/ is the same site."""
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host
