"""robots.txt as RFC 9309 reads it, wildcards (``*``, ``$``) included, with
protego (the parser Scrapy keeps; ``urllib.robotparser`` ignores wildcards).

What the answer for ``/robots.txt`` means (RFC 9309, 2.3.1): a 2xx is parsed;
a 4xx means no rules (everything allowed); a 5xx or an unreachable server
means "assume complete disallow" — nothing is fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from protego import Protego

AGENT = "docsearch"  # the product token rules are matched against
MAX_BYTES = 500 * 1024  # RFC 9309 2.5: at least 500 KiB must be parsed; past it is ignored


@dataclass
class Robots:
    parser: Protego | None  # None: no rules
    disallow_all: bool = False

    def allowed(self, url: str) -> bool:
        if self.disallow_all:
            return False
        return True if self.parser is None else bool(self.parser.can_fetch(url, AGENT))

    def crawl_delay(self) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(AGENT)
        return None if delay is None else float(delay)

    def sitemaps(self) -> list[str]:
        return [] if self.parser is None else [str(s) for s in self.parser.sitemaps]


def parse_robots(status: int | None, data: bytes) -> Robots:
    """``status`` None: the server could not be reached."""
    if status is None or status >= 500:
        return Robots(None, disallow_all=True)
    if not 200 <= status < 300:
        return Robots(None)
    text = data[:MAX_BYTES].decode("utf-8", errors="replace")
    return Robots(Protego.parse(text))
