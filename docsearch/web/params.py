"""Query-string parameters of the search pages, in French, both ways.

``search_request`` reads ``q, secteur (repeatable), type (repeatable),
annee (a year, or "inconnue"), de, a, langue (repeatable), motcle
(repeatable), tri, page, par_page, tel_quel`` into a
``SearchRequest``; a value that is not a number raises ``QueryError`` (HTTP
400). ``search_links`` builds every link of a results page (facet toggles,
filter chips, sorts, pages, feed) with ``Urls``, so that templates hold no
URL logic and every link carries the site's path prefix.

``return_link`` reads a document page's ``retour`` (the query string of
the results page the visitor came from) back into a link to that page:
only the search's own parameters are kept and the path is always the
site's ``/search``, so ``retour`` can never send anyone elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import QueryParams

from docsearch.errors import QueryError
from docsearch.index.backend import (
    FACETS,
    MAX_QUERY_CHARS,
    UNKNOWN_YEAR,
    UNKNOWN_YEAR_FILTER,
)
from docsearch.search.service import SearchRequest, SearchResult
from docsearch.web.urls import Urls

FACET_PARAMS = {f.key: f.param for f in FACETS}
SORT_PARAMS = {"pertinence": "relevance", "date": "date", "recents": "added"}
SORT_LABELS = {"pertinence": "Pertinence", "date": "Année du document", "recents": "Derniers ajouts"}
YEAR = FACET_PARAMS["years"]
FILTERS = (*FACET_PARAMS.values(), "de", "a")
AS_TYPED = "tel_quel"  # =1: the words as typed, not corrected
KNOWN = ("q", *FILTERS, "tri", "page", "par_page", AS_TYPED)
RETURN = "retour"
MAX_RETURN_CHARS = 2000
# Query-language words that are no words of a document (not highlighted, not passed to the PDF viewer).
OPERATORS = {"AND", "OR", "NOT", "ET", "OU", "NON", "SAUF", "TO"}


def search_request(params: QueryParams) -> SearchRequest:
    page, per_page = _int(params, "page"), _int(params, "par_page")
    year = UNKNOWN_YEAR_FILTER if params.get(YEAR) == UNKNOWN_YEAR else _int(params, YEAR)
    if year == 0 and params.get(YEAR) != UNKNOWN_YEAR:  # 0 only through "inconnue"
        raise QueryError("Année invalide : 0")
    sort = params.get("tri") or "pertinence"
    return SearchRequest(
        q=params.get("q", "")[:MAX_QUERY_CHARS],  # only that much is searched, and echoed
        sectors=tuple(params.getlist(FACET_PARAMS["sectors"])),
        types=tuple(params.getlist(FACET_PARAMS["types"])),
        year=year,
        year_from=_int(params, "de"),
        year_to=_int(params, "a"),
        languages=tuple(params.getlist(FACET_PARAMS["languages"])),
        keywords=tuple(params.getlist(FACET_PARAMS["keywords"])),
        sort=SORT_PARAMS.get(sort, sort),
        page=1 if page is None else page,  # page=0 is an error, not the first page
        per_page=10 if per_page is None else per_page,
        as_typed=params.get(AS_TYPED) == "1",
    )


def _int(params: QueryParams, name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", raw):
        raise QueryError(f"Le paramètre « {name} » doit être un nombre entier positif (reçu : « {raw[:20]} »).")
    return int(raw)


def search_links(params: QueryParams, result: SearchResult, urls: Urls) -> dict[str, Any]:
    """The links of a results page, computed from its own parameters
    (``own``: those parameters, for the page's other formats; ``toggles``:
    facet → value → the page with that value ticked or unticked)."""
    items = [(k, v[:MAX_QUERY_CHARS]) for k, v in params.multi_items() if k in KNOWN and v != ""]
    unpaged = [(k, v) for k, v in items if k != "page"]
    typed = [i for i in unpaged if i[0] not in ("q", AS_TYPED)]
    toggles = {facet: {v.value: urls.search(_toggle(unpaged, facet, v.value)) for v in values}
               for facet, values in result.facets.items()}
    keep_query = [(k, v) for k, v in unpaged if k not in FILTERS]
    has_filters = any(k in FILTERS for k, _ in items)
    return {
        "own": items,
        "toggles": toggles,
        "chips": _chips(unpaged, result, urls),
        "clear_url": urls.search(keep_query) if has_filters else None,
        "sorts": [
            {"key": key, "label": label, "url": urls.search([*(i for i in unpaged if i[0] != "tri"), ("tri", key)]),
             "current": SORT_PARAMS[key] == result.sort}
            for key, label in SORT_LABELS.items()
        ],
        "pages": _pages(unpaged, result.page, result.page_count, urls),
        "feed_url": urls.search([i for i in unpaged if i[0] not in ("tri", "par_page")], "atom"),
        "json_url": urls.search(items, "json"),
        # "Vouliez-vous dire", unless the correction is what was searched.
        "suggestion_url": urls.search([*typed, ("q", result.suggestion)]) if result.suggestion and not result.corrected else None,
        # After a correction, the words as the visitor typed them, one click away.
        "as_typed_url": urls.search([*typed, ("q", result.query), (AS_TYPED, "1")]) if result.corrected else None,
        # The query string of this very page (the last page when a later one was asked for),
        # carried to the documents it lists for their "retour aux résultats".
        "return_to": urlencode(unpaged + ([("page", str(result.page))] if result.page > 1 else [])),
        # What the filter form carries over unchanged (its fields set the rest).
        "keep": [(k, v) for k, v in unpaged if k in ("par_page", AS_TYPED)],
        "year_from": params.get("de", ""),
        "year_to": params.get("a", ""),
    }


def _toggle(items: list[tuple[str, str]], facet: str, value: str) -> list[tuple[str, str]]:
    """The parameters with ``value`` of ``facet`` added, or removed if present."""
    name = FACET_PARAMS[facet]
    if (name, value) in items:
        return [i for i in items if i != (name, value)]
    if facet == "years":  # one year at a time, replacing a range
        return [i for i in items if i[0] not in (YEAR, "de", "a")] + [(name, value)]
    return [*items, (name, value)]


def _chips(items: list[tuple[str, str]], result: SearchResult, urls: Urls) -> list[dict[str, str]]:
    labels = {(FACET_PARAMS[f], v.value): v.label for f, values in result.facets.items() for v in values}
    names = {f.param: f.chip for f in FACETS}
    chips = []
    for key, value in items:
        if key in names:
            label = labels.get((key, value), value)
            chips.append({"label": f"{names[key]} : {label}", "remove_url": urls.search([i for i in items if i != (key, value)])})
    start, end = dict(items).get("de"), dict(items).get("a")
    if start or end:
        text = f"de {start} à {end}" if start and end else (f"depuis {start}" if start else f"jusqu'à {end}")
        chips.append({"label": f"Années : {text}", "remove_url": urls.search([i for i in items if i[0] not in ("de", "a")])})
    return chips


def _pages(items: list[tuple[str, str]], page: int, count: int, urls: Urls) -> dict[str, Any]:
    def link(number: int) -> str:
        return urls.search([*items, ("page", str(number))] if number > 1 else items)

    numbers = sorted({1, count, *range(max(1, page - 2), min(count, page + 2) + 1)})
    shown: list[dict[str, Any]] = []
    for previous, number in zip([0, *numbers], numbers):
        if number - previous > 1:
            shown.append({"gap": True})
        shown.append({"number": number, "url": link(number), "current": number == page})
    return {
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < count else None,
        "numbers": shown if count > 1 else [],
    }


@dataclass(frozen=True)
class ReturnLink:
    url: str  # the results page, on this site
    query: str  # the words searched there ("" when only browsing)
    carried: str  # "retour=…", checked, for the links that keep the way back (similar documents)


def return_link(params: QueryParams, urls: Urls) -> ReturnLink | None:
    """The results page a document page was opened from (its ``retour``), None without one."""
    raw = params.get(RETURN, "")[:MAX_RETURN_CHARS]
    if not raw:
        return None
    items = [(k, v[:MAX_QUERY_CHARS]) for k, v in parse_qsl(raw.lstrip("?")) if k in KNOWN and v]
    return ReturnLink(urls.search(items), dict(items).get("q", ""), urlencode({RETURN: urlencode(items)}))


def searched_words(query: str) -> list[str]:
    """The words of a query as a document writes them: no operators, no field names, no quotes."""
    words = []
    for token in query.split():
        token = token.split(":", 1)[-1]  # titre:rapport → rapport
        for word in re.findall(r"\w[\w'’-]*", token):
            if word not in OPERATORS and word not in words:
                words.append(word)
    return words
