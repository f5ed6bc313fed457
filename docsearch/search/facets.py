"""Facet values as visitors see them: French labels, in reading order.

The engine counts (``FacetCount``: a code and its count); here each value
gets its label from the vocabulary, sectors and types are ordered by count,
years newest first with the unknown year last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from docsearch.catalogue.language import language_name
from docsearch.catalogue.vocabulary import Vocabulary
from docsearch.index.backend import FACET_KEYS, UNKNOWN_YEAR, FacetCount


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool = False


def facet_values(counts: dict[str, list[FacetCount]], vocab: Vocabulary) -> dict[str, list[FacetValue]]:
    labels: dict[str, Callable[[str], str]] = {"sectors": vocab.sector_label, "types": vocab.doctype_label,
                                               "years": year_label, "languages": lambda c: _capital(language_name(c)),
                                               "keywords": _capital}
    return {key: _ordered(key, [FacetValue(c.value, labels[key](c.value), c.count, c.selected)
                                for c in counts.get(key, [])])
            for key in FACET_KEYS}


def _capital(label: str) -> str:
    """"français" → "Français", "économie circulaire" → "Économie circulaire" (as the vocabulary's labels)."""
    return label[:1].upper() + label[1:]


def year_label(value: str) -> str:
    return "Année inconnue" if value == UNKNOWN_YEAR else value


def _ordered(facet: str, values: list[FacetValue]) -> list[FacetValue]:
    if facet == "years":
        return sorted(values, key=lambda v: (v.value == UNKNOWN_YEAR, -int(v.value) if v.value.isdigit() else 0))
    return sorted(values, key=lambda v: (-v.count, v.label))


def as_plain(values: dict[str, list[FacetValue]]) -> dict[str, list[dict[str, Any]]]:
    return {k: [asdict(v) for v in vs] for k, vs in values.items()}
