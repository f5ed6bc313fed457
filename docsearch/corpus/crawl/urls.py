"""One spelling per address, so that a page is fetched and kept once.

``normalise`` resolves a link against its page, lower-cases scheme and host,
drops the default port, the user name, the fragment and tracking parameters
(``utm_*``, ``fbclid``…), resolves ``.``/``..`` segments, percent-encodes
what must be and sorts the query. Anything that is not a well-formed http(s)
address is None: a crawled page's broken link is skipped, never an error.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

TRACKING = re.compile(r"^(utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|_hsenc|_hsmi|igshid|xtor|at_medium|"
                      r"at_campaign)$", re.I)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def normalise(url: str, base: str | None = None) -> str | None:
    url = url.strip()
    try:
        joined = urljoin(base, url) if base else url
        parts = urlsplit(joined)
        port = parts.port
    except ValueError:  # "http://h:99999/", "http://[::1/"
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host or any(ord(ch) < 32 for ch in joined):
        return None
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = urljoin(f"{scheme}://{netloc}/", quote(parts.path or "/", safe=_PATH_SAFE))
    path = urlsplit(path).path or "/"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))
