"""Fetch one web page (or PDF) for ``docsearch add URL``: http/https only,
a timeout, a size cap, and the content type checked from the bytes."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from http.client import HTTPMessage
from typing import IO
from urllib.parse import urlsplit

from docsearch.errors import UserError

USER_AGENT = "docsearch/0.1 (centre de ressources ESS)"


@dataclass
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str  # as the server declared it, e.g. "text/html"
    charset: str | None  # the declared charset, if any


def fetch(url: str, timeout: float, max_bytes: int, allow_private: bool = False) -> Fetched:
    _check_address(url, allow_private)
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/pdf;q=0.9,*/*;q=0.1"})
    opener = urllib.request.build_opener(_CheckedRedirects(allow_private))
    try:
        with opener.open(request, timeout=timeout) as response:
            final_url = response.geturl()
            if urlsplit(final_url).scheme not in ("http", "https"):
                raise UserError(f"{url} renvoie vers une adresse qui n'est pas une page web")
            data = response.read(max_bytes + 1)
            headers: Message = response.headers
    except urllib.error.HTTPError as exc:
        raise UserError(f"{url} : le serveur a répondu {exc.code} {exc.reason}") from None
    # HTTPException: a server answering something that is not HTTP (BadStatusLine).
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(f"{url} : page inaccessible ({reason})") from None
    if len(data) > max_bytes:
        raise UserError(f"{url} : plus de {max_bytes // 1_048_576} Mo, page non récupérée")
    return Fetched(final_url, data, headers.get_content_type(), headers.get_content_charset())


def _check_address(url: str, allow_private: bool) -> None:
    """http(s) only, a well-formed address, and no loopback, private or
    link-local host unless allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for "h:1:80" or port 99999
    except ValueError:  # "http://[::1/": an unclosed IPv6 address
        raise UserError(f"{url[:200]!r} n'est pas une adresse web valide (nom de serveur ou port incorrect)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{url[:200]!r} n'est pas une adresse http ou https")
    if allow_private:
        return
    try:
        addresses = {str(info[4][0]) for info in socket.getaddrinfo(parts.hostname, port or 80, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        raise UserError(f"{url} : adresse introuvable") from None
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise UserError(f"{url} : adresse locale ou privée, refusée")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is checked like the first address."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: HTTPMessage,
                         newurl: str) -> urllib.request.Request | None:
        _check_address(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)
