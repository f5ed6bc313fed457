"""Fetch one web page (or PDF) for ``docsearch add URL``: http/https only,
a timeout, a size cap, and the content type checked from the bytes."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urlsplit

from .errors import UserError
from .extract import sniff_kind

USER_AGENT = "docsearch/0.1 (centre de ressources ESS)"


@dataclass
class Fetched:
    url: str  # after redirects
    data: bytes
    kind: str  # "pdf" or "html"


def fetch(url: str, timeout: float, max_bytes: int) -> Fetched:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{url!r} is not an http or https address")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/pdf;q=0.9,*/*;q=0.1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            final_url = response.geturl()
            if urlsplit(final_url).scheme not in ("http", "https"):
                raise UserError(f"{url} redirects to a non-web address")
            data = response.read(max_bytes + 1)
            headers: Message = response.headers
    except urllib.error.HTTPError as exc:
        raise UserError(f"{url}: the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"{url}: cannot fetch ({reason})") from None
    if len(data) > max_bytes:
        raise UserError(f"{url}: larger than {max_bytes // 1_048_576} MB, not fetched")
    kind = sniff_kind(data)
    if kind is None:
        raise UserError(f"{url}: neither an HTML page nor a PDF ({headers.get_content_type()})")
    if kind == "html":
        data = _as_utf8(data, headers.get_content_charset())
    return Fetched(final_url, data, kind)


def _as_utf8(data: bytes, charset: str | None) -> bytes:
    """Keep the HTTP charset in the snapshot: re-encode to UTF-8 with a BOM,
    which the HTML extractor trusts before any declaration in the page."""
    if not charset or data.startswith(b"\xef\xbb\xbf"):
        return data
    try:
        text = data.decode(re.sub(r"[^\w.-]", "", charset))
    except (LookupError, UnicodeDecodeError):
        return data
    return b"\xef\xbb\xbf" + text.encode("utf-8")
