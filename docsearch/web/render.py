"""From a page record to an answer: the templates and the table of renderers.

``templates`` looks for a template in ``<instance folder>/templates/`` first,
then in the shipped ones, so a centre can replace a page (``home.html``) or
extend the shipped one and change a block (``{% extends "docsearch/home.html"
%}``). Every template sees ``urls`` (``docsearch.web.urls.Urls``), the one
builder of the site's addresses.

``Renderers`` is the table keyed by format name (``html``, ``json``,
``atom``): a page's view builds its record once, and the suffix of the
requested path (``/search.json``) picks the renderer. An HTML answer names
its other formats in a ``Link`` header (``rel="alternate"``). Every XML
answer (Atom, OpenSearch) goes through ``Renderers.xml``, which drops the
characters XML 1.0 forbids (a control character typed in a query, U+FFFF in
a sidecar's title): a feed reader rejects the whole document for one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, Protocol, runtime_checkable

import jinja2
from starlette.convertors import Convertor, register_url_convertor
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.templating import Jinja2Templates

from docsearch.catalogue.language import LANGUAGE_NAMES
from docsearch.config import Settings
from docsearch.index.backend import FACETS
from docsearch.staff.accounts import Accounts
from docsearch.web.formats import french_date, french_languages, french_number, french_pages, french_size
from docsearch.web.roles import staff_context
from docsearch.web.structured import document_ld
from docsearch.web.urls import FORMATS, MEDIA_TYPES, Urls

# The shipped templates under this prefix, for an override that extends the page it replaces.
SHIPPED_PREFIX = "docsearch"
# What XML 1.0 does not allow anywhere in a document (its production "Char").
XML_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    return XML_FORBIDDEN.sub("", text)


class Page(Protocol):
    template: ClassVar[str]
    formats: ClassVar[tuple[str, ...]]

    def url(self, format: str) -> str: ...

    def json(self) -> dict[str, Any]: ...


@runtime_checkable
class FeedPage(Protocol):
    def feed(self) -> Any: ...


class SuffixConvertor(Convertor[str]):
    """``{format:suffix}`` in a route: ".json" or ".atom", given to the view as "json" or "atom"."""

    regex = "|".join(rf"\{suffix}" for suffix in FORMATS.values() if suffix)

    def convert(self, value: str) -> str:
        return value.lstrip(".")

    def to_string(self, value: str) -> str:
        return FORMATS[value]


register_url_convertor("suffix", SuffixConvertor())


def make_templates(settings: Settings) -> Jinja2Templates:
    shipped = jinja2.FileSystemLoader(settings.web_dir / "templates")
    loader = jinja2.ChoiceLoader([
        jinja2.FileSystemLoader(settings.instance_dir / "templates"),  # the centre's own, if any
        shipped,
        jinja2.PrefixLoader({SHIPPED_PREFIX: shipped}),
    ])
    env = jinja2.Environment(loader=loader, autoescape=True)
    env.filters.update(fr_number=french_number, fr_date=french_date, fr_size=french_size,
                       fr_pages=french_pages, fr_languages=french_languages)
    env.globals["facets"] = FACETS  # their headings and parameters, spelled once
    env.globals["json_ld"] = document_ld  # schema.org data of a document's page
    env.globals["record_languages"] = LANGUAGE_NAMES  # a record's language: code → French name
    # ``staff`` (the signed-in account, or None) and ``flash`` (a confirmation to show once): see web/roles.py.
    return Jinja2Templates(env=env, context_processors=[lambda request: {"urls": Urls.of(request)},
                                                        staff_context(Accounts(settings.instance_dir))])


class Renderers:
    def __init__(self, templates: Jinja2Templates) -> None:
        self.templates = templates
        self.table: dict[str, Callable[[Request, Any], Response]] = {"html": self.html, "json": self.json,
                                                                     "atom": self.atom}

    @staticmethod
    def format(request: Request, kind: type[Page]) -> str:
        """The format a request asks for, among those of the page; 404 for another."""
        format = str(request.path_params.get("format", "html"))
        if format not in kind.formats:
            raise HTTPException(404, "Page introuvable")
        return format

    def render(self, request: Request, page: Page, format: str) -> Response:
        return self.table[format](request, page)

    def html(self, request: Request, page: Page) -> Response:
        alternates = ", ".join(f'<{page.url(f)}>; rel="alternate"; type="{MEDIA_TYPES[f]}"' for f in page.formats if f != "html")
        return self.templates.TemplateResponse(request, page.template, {"data": page}, headers={"link": alternates})

    def json(self, request: Request, page: Page) -> Response:
        return JSONResponse(page.json())

    def atom(self, request: Request, page: Page) -> Response:
        assert isinstance(page, FeedPage)
        return self.xml(request, "feed.xml", {"feed": page.feed()}, MEDIA_TYPES["atom"])

    def xml(self, request: Request, template: str, context: dict[str, Any], media_type: str) -> Response:
        """An XML template, rendered, without the characters XML forbids."""
        rendered = self.templates.TemplateResponse(request, template, context, media_type=media_type)
        headers = {k: v for k, v in rendered.headers.items() if k != "content-length"}
        return Response(xml_safe(bytes(rendered.body).decode("utf-8")), status_code=rendered.status_code, headers=headers)
