"""Query-string parameters of the search pages, in French, both ways.

``search_request`` reads ``q, secteur (repeatable), type (repeatable),
annee (a year, or "inconnue"), de, a, tri, page, par_page`` into a ``SearchRequest``; a value that is
not a number raises ``QueryError`` (HTTP 400). ``toggle_url`` is the link that
selects or unselects one facet value.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from ..errors import QueryError
from ..indexstore import UNKNOWN_YEAR
from ..search import UNKNOWN_YEAR_FILTER, SearchRequest

FACET_PARAMS = {"sectors": "secteur", "types": "type", "years": "annee"}
SORT_PARAMS = {"pertinence": "relevance", "date": "date", "relevance": "relevance"}


def search_request(params: QueryParams) -> SearchRequest:
    page = _int(params, "page") or 1
    year = UNKNOWN_YEAR_FILTER if params.get("annee") == UNKNOWN_YEAR else _int(params, "annee")
    return SearchRequest(
        q=params.get("q", ""),
        sectors=tuple(params.getlist("secteur")),
        types=tuple(params.getlist("type")),
        year=year,
        year_from=_int(params, "de"),
        year_to=_int(params, "a"),
        sort=SORT_PARAMS.get(params.get("tri", "pertinence"), params.get("tri", "")),
        page=page,
        per_page=_int(params, "par_page") or 10,
    )


def _int(params: QueryParams, name: str) -> int | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,6}", raw):
        raise QueryError(f"Le paramètre « {name} » doit être un nombre entier positif (reçu : « {raw[:20]} »).")
    return int(raw)


def toggle_url(params: QueryParams, facet: str, value: str) -> str:
    """The search URL with ``value`` of ``facet`` added, or removed if present."""
    name = FACET_PARAMS[facet]
    items = [(k, v) for k, v in params.multi_items() if k != "page"]
    if (name, value) in items:
        items = [(k, v) for k, v in items if (k, v) != (name, value)]
    elif facet == "years":
        items = [(k, v) for k, v in items if k not in ("annee", "de", "a")] + [(name, value)]
    else:
        items.append((name, value))
    return "/search?" + urlencode(items)
