"""Fetching web addresses safely, for ``docsearch add URL`` and the crawler.

- http and https only, a well-formed address (a clear French message for
  ``http://h:99999/`` or ``http://[::1/``, never a traceback);
- the host is resolved once, each address checked (no loopback, private,
  link-local… unless ``allow_private``), and the connection made to that
  very address, with the host name in ``Host`` and in TLS (SNI and the
  certificate check): no second DNS resolution can slip another address in
  between the check and the connection;
- redirects followed by hand, at most ``max_redirects``, each target checked
  like the first address;
- a size cap (announced ``Content-Length`` or bytes read) and a time cap on
  the whole response, not only on each socket operation (a server dripping
  one byte a second is cut at the deadline).

``get`` returns any HTTP status (the crawler needs 304, 404, 410);
``fetch`` is the old interface of ``add URL``: a page, or a ``UserError``.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import urljoin, urlsplit

from docsearch.errors import UserError

USER_AGENT = "docsearch/0.1 (centre de ressources ESS)"
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.1"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class FetchError(UserError):
    """The address could not be fetched; ``reason`` is short French for a report,
    ``unreachable`` says the server itself could not be reached."""

    def __init__(self, url: str, reason: str, unreachable: bool = False) -> None:
        super().__init__(f"{url[:200]} : {reason}")
        self.url, self.reason, self.unreachable = url, reason, unreachable


class Refused(FetchError):
    """An address refused before any connection (private, loopback…)."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 20.0  # seconds for the whole response
    max_bytes: int = 20 * 1024 * 1024
    allow_private: bool = False
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass
class Response:
    url: str  # after redirects
    status: int
    headers: dict[str, str]  # names in lower case
    data: bytes
    redirects: list[str] = field(default_factory=list)  # the addresses that redirected, in order

    @property
    def content_type(self) -> str:
        return _message(self.headers).get_content_type()

    @property
    def charset(self) -> str | None:
        charset = _message(self.headers).get_content_charset()
        return str(charset) if charset else None


@dataclass
class Fetched:
    url: str  # after redirects
    data: bytes
    content_type: str  # as the server declared it, e.g. "text/html"
    charset: str | None  # the declared charset, if any


def fetch(url: str, timeout: float, max_bytes: int, allow_private: bool = False, user_agent: str = USER_AGENT) -> Fetched:
    """A page or a document, or a ``UserError`` saying in French why not."""
    response = get(url, Limits(timeout, max_bytes, allow_private, user_agent=user_agent))
    if response.status in REDIRECTS:
        raise FetchError(url, "redirection sans adresse de destination")
    if not 200 <= response.status < 300:
        raise FetchError(url, f"le serveur a répondu {response.status} {http.client.responses.get(response.status, '')}".rstrip())
    return Fetched(response.url, response.data, response.content_type, response.charset)


def get(url: str, limits: Limits, headers: dict[str, str] | None = None,
        follow: Callable[[str], bool] | None = None) -> Response:
    """One GET, redirects followed; any final status is returned. ``headers``
    (conditional ones) go with the first request only: they belong to that
    address. A redirect whose target ``follow`` refuses (another site, for
    the crawler) is returned as it is, its target never requested."""
    deadline = time.monotonic() + limits.timeout
    redirects: list[str] = []
    current, extra = url, dict(headers or {})
    while True:
        response = _get_once(current, limits, extra, deadline)
        location = response.headers.get("location", "").strip()
        if response.status not in REDIRECTS or not location:
            response.redirects = redirects
            return response
        target = urljoin(current, location)
        if target in redirects or target in (current, url):
            raise FetchError(url, "boucle de redirections")
        if follow is not None and not follow(target):
            response.redirects = redirects
            return response
        redirects.append(current)
        if len(redirects) > limits.max_redirects:
            raise FetchError(url, f"plus de {limits.max_redirects} redirections")
        current, extra = target, {}


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a well-formed http(s) address, or a French ``UserError``."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for "h:1:80" or port 99999
    except ValueError:  # "http://[::1/": an unclosed IPv6 address
        raise UserError(f"{url[:200]!r} n'est pas une adresse web valide (nom de serveur ou port incorrect)") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"{url[:200]!r} n'est pas une adresse http ou https")
    try:
        host = parts.hostname.encode("idna").decode("ascii")  # économie-sociale.fr as DNS and Host know it
    except UnicodeError:
        raise UserError(f"{url[:200]!r} n'est pas une adresse web valide (nom de serveur incorrect)") from None
    if any(ch in url for ch in "\r\n\t ") or any(ord(ch) < 32 for ch in url):
        raise UserError(f"{url[:200]!r} n'est pas une adresse web valide (caractères interdits)")
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
                or ip.is_unspecified)


def resolve(url: str, host: str, port: int, allow_private: bool) -> list[str]:
    """The addresses to connect to, each checked; resolved once, here."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise FetchError(url, "adresse introuvable", unreachable=True) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    allowed = [a for a in addresses if allow_private or is_public(a)]
    if not allowed:
        raise Refused(url, "adresse locale ou privée, refusée")
    return allowed


def _get_once(url: str, limits: Limits, headers: dict[str, str], deadline: float) -> Response:
    scheme, host, port = check_url(url)
    addresses = resolve(url, host, port, limits.allow_private)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection = _connection(scheme, host, port, addresses, _remaining(url, deadline))
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        for name, value in {"User-Agent": limits.user_agent, "Accept": ACCEPT, "Accept-Encoding": "identity",
                            "Connection": "close", **headers}.items():
            connection.putheader(name, value)
        connection.endheaders()
        answer = connection.getresponse()
        received = {name.lower(): value for name, value in answer.getheaders()}
        length = received.get("content-length", "")
        if length.isdigit() and int(length) > limits.max_bytes:
            raise FetchError(url, _too_large(limits.max_bytes))
        body = bytearray()
        if answer.status not in REDIRECTS and answer.status != 304:
            while chunk := answer.read(_CHUNK):
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchError(url, _too_large(limits.max_bytes))
                if connection.sock is not None:
                    connection.sock.settimeout(_remaining(url, deadline))
        return Response(url, answer.status, received, bytes(body))
    except FetchError:
        raise
    except TimeoutError:
        raise FetchError(url, "délai de réponse dépassé", unreachable=True) from None
    except ssl.SSLError as exc:
        raise FetchError(url, f"connexion sécurisée impossible ({exc.reason or exc})", unreachable=True) from None
    except ConnectionRefusedError:
        raise FetchError(url, "connexion refusée", unreachable=True) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # HTTPException: a server answering something that is not HTTP (BadStatusLine).
        raise FetchError(url, f"page inaccessible ({type(exc).__name__})", unreachable=True) from None
    finally:
        connection.close()


def _connection(scheme: str, host: str, port: int, addresses: list[str], timeout: float) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPS(host, port, addresses, timeout)
    return _PinnedHTTP(host, port, addresses, timeout)


def _connect(addresses: list[str], port: int, timeout: float | None) -> socket.socket:
    """The first of the checked addresses that answers (IPv6 then IPv4, as resolved)."""
    error: OSError = OSError("no address")
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout)
        except TimeoutError:
            raise
        except OSError as exc:
            error = exc
    raise error


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the addresses checked, whatever DNS says now; Host stays the name."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = _connect(self.addresses, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """Same, with TLS: the name in SNI and in the certificate check."""

    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.addresses = addresses

    def connect(self) -> None:
        self.sock = self.tls.wrap_socket(_connect(self.addresses, self.port, self.timeout), server_hostname=self.host)


def _remaining(url: str, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(url, "délai de réponse dépassé", unreachable=True)
    return left


def _too_large(max_bytes: int) -> str:
    size = f"{max_bytes // 1_048_576} Mo" if max_bytes >= 1_048_576 else f"{max_bytes // 1024} Ko"
    return f"plus de {size}, page non récupérée"


def _message(headers: dict[str, str]) -> Message:
    message = Message()
    message["content-type"] = headers.get("content-type", "application/octet-stream")
    return message
