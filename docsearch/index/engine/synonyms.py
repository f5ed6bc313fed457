"""Synonyms and acronyms of the field, expanded in queries both ways.

``load_synonyms(path, analyzer)`` reads the TOML data file (a list of
groups); ``Synonyms.expansions(terms)`` returns, for a query's analyzed
terms, the other members of every group one of whose members the query
contains ("IAE" → "insertion par l'activité économique" and back).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from whoosh.analysis.analyzers import Analyzer

from docsearch.errors import UserError


@dataclass(frozen=True)
class Synonyms:
    # Each group: its members as sequences of index terms.
    groups: tuple[tuple[tuple[str, ...], ...], ...] = ()

    def expansions(self, terms: list[str]) -> list[tuple[str, ...]]:
        found: list[tuple[str, ...]] = []
        for group in self.groups:
            present = [m for m in group if _contains(terms, m)]
            if present:
                found += [m for m in group if m not in present and m not in found]
        return found


def _contains(terms: list[str], member: tuple[str, ...]) -> bool:
    size = len(member)
    return any(tuple(terms[i:i + size]) == member for i in range(len(terms) - size + 1))


def load_synonyms(path: Path, analyzer: Analyzer) -> Synonyms:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Synonyms()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"cannot read the synonyms file {path}: {exc}") from None
    groups = []
    for raw in data.get("groups", []):
        members = tuple(dict.fromkeys(tuple(t.text for t in analyzer(str(m))) for m in raw))
        members = tuple(m for m in members if m)
        if len(members) > 1:
            groups.append(members)
    return Synonyms(tuple(groups))
