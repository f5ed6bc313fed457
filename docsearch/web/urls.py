"""Every address the site gives out, built in one place (as datasette's ``datasette.urls``).

docsearch may be served under a path prefix (``docsearch serve --root-path
/docs`` behind a proxy that forwards ``/docs/…`` without it): the prefix
comes from the ASGI scope's ``root_path``, and every link, form action,
stylesheet and redirect goes through ``Urls`` so that it carries it. Pages
come in several formats, named by a suffix of their path (``/search``,
``/search.json``, ``/search.atom``): ``FORMATS`` lists them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from starlette.requests import HTTPConnection

# Format name → path suffix. HTML is the page itself, without a suffix.
FORMATS = {"html": "", "json": ".json", "atom": ".atom"}
MEDIA_TYPES = {"html": "text/html", "json": "application/json", "atom": "application/atom+xml"}

Query = Mapping[str, str] | Iterable[tuple[str, str]]


@dataclass(frozen=True)
class Urls:
    # The path prefix the site is served under ("/docs"), without a final slash; "" at the root.
    root: str = ""
    # "https://ressources.example.org": for the links that must be absolute (feeds, permalinks).
    origin: str = ""

    @classmethod
    def of(cls, connection: HTTPConnection) -> Urls:
        scope = connection.scope
        # Inside a Mount (/gestion), root_path holds the mount too; app_root_path the site's own prefix.
        root = str(scope.get("app_root_path", scope.get("root_path", ""))).rstrip("/")
        url = connection.url  # scheme and host already those of DOCSEARCH_PUBLIC_URL when it is set
        return cls(root=root, origin=f"{url.scheme}://{url.netloc}")

    def path(self, path: str, query: Query | None = None) -> str:
        """A path of the site ("/search") with the prefix, and its query string without empty values."""
        items = list(query.items() if isinstance(query, Mapping) else query or ())
        items = [(k, str(v)) for k, v in items if v is not None and str(v) != ""]
        return self.root + path + (f"?{urlencode(items)}" if items else "")

    def absolute(self, path: str) -> str:
        """An address already built by ``path`` (or another method), made absolute."""
        return self.origin + path

    def route_path(self, full_path: str) -> str:
        """A request's path without the prefix: the site's own path ("/gestion/")."""
        if self.root and (full_path == self.root or full_path.startswith(self.root + "/")):
            return full_path[len(self.root):] or "/"
        return full_path

    # Public pages, in any of their formats ------------------------------

    def home(self, format: str = "html") -> str:
        return self.path("/") if format == "html" else self.path("/index" + FORMATS[format])

    def search(self, query: Query | None = None, format: str = "html") -> str:
        return self.path("/search" + FORMATS[format], query)

    def document(self, doc_id: str, format: str = "html") -> str:
        return self.path(f"/documents/{doc_id}" + FORMATS[format])

    def document_file(self, doc_id: str, download: bool = False, page: int | None = None, search: str = "") -> str:
        """The original; ``page`` and ``search`` (words to find) go to the PDF viewer
        in the fragment (``#page=N&search=…``, PDF.js's open parameters)."""
        url = self.path(f"/documents/{doc_id}/file", {"telecharger": "1"} if download else None)
        fragment = [f"page={page}"] if page else []
        if search:
            fragment.append(f"search={quote(search)}")
        return url + "#" + "&".join(fragment) if fragment else url

    def feed(self) -> str:
        return self.path("/feed.atom")

    def opensearch(self) -> str:
        return self.path("/opensearch.xml")

    def openapi(self) -> str:
        return self.path("/openapi.json")

    def static(self, name: str) -> str:
        return self.path(f"/static/{name}")

    # Staff pages ----------------------------------------------------------

    def staff(self, path: str = "/", query: Query | None = None) -> str:
        return self.path("/gestion" + path, query)
