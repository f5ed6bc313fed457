"""Changing some fields of many notices at once, and writing them back one field at a time.

``BulkChange`` is what the notices page asks for (add or remove a sector,
set the type, the year or the organisation, add or remove a value of any
other list field such as keywords); ``changed`` applies it to a document's
current values. ``write_fields`` writes only the given fields into the
document's sidecar and keeps the others as they were: a bulk edit of the
sector does not turn the guessed title of twenty documents into staff
values (they stay "à vérifier"). A revert from the journal goes through
the same function with the old values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from docsearch.catalogue.staff import CLEARABLE, StaffMetadata, read_sidecar, sidecar_values
from docsearch.config import Settings
from docsearch.corpus.scan import resolve_inside, sidecar_path
from docsearch.corpus.write import write_sidecar
from docsearch.errors import UserError

UNCLASSIFIED = "non-classe"


def list_fields() -> tuple[str, ...]:
    """The fields of ``StaffMetadata`` holding several values, besides sectors
    (keywords, once the record has them): each gets "add"/"remove" in a bulk edit."""
    return tuple(f.name for f in fields(StaffMetadata) if f.default == () and f.name != "sectors")


@dataclass(frozen=True)
class BulkChange:
    add_sector: str = ""
    remove_sector: str = ""
    doctype: str = ""
    year: int | None = None
    organisation: str = ""
    # List field (keywords…) → values to add, and values to remove.
    add_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    remove_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def is_empty(self) -> bool:
        return not (self.add_sector or self.remove_sector or self.doctype or self.year or self.organisation
                    or any(self.add_values.values()) or any(self.remove_values.values()))


def changed(current: StaffMetadata, change: BulkChange) -> StaffMetadata:
    """``current`` with ``change`` applied."""
    sectors = list(current.sectors)
    if change.add_sector and change.add_sector not in sectors:
        sectors = [s for s in sectors if s != UNCLASSIFIED] + [change.add_sector]  # classified now
    if change.remove_sector:
        sectors = [s for s in sectors if s != change.remove_sector] or [UNCLASSIFIED]
    updated = replace(current, sectors=tuple(sectors))
    if change.doctype:
        updated = replace(updated, doctype=change.doctype)
    if change.year:
        updated = replace(updated, year=change.year)
    if change.organisation:
        updated = replace(updated, organisation=change.organisation)
    for name in list_fields():
        values = [str(v) for v in getattr(updated, name)]
        values += [v for v in change.add_values.get(name, ()) if v not in values]
        removed = set(change.remove_values.get(name, ()))
        kept: dict[str, Any] = {name: tuple(v for v in values if v not in removed)}
        updated = replace(updated, **kept)
    return updated


def write_fields(settings: Settings, relpath: str, values: Mapping[str, Any]) -> None:
    """Set these fields (``StaffMetadata`` names → values) in a document's
    sidecar, every other value of the sidecar kept. An empty value of a
    field staff may clear is written as cleared (so no guess comes back)."""
    path = resolve_inside(settings.corpus_dir, relpath)
    if not path.is_file():
        raise UserError(f"{relpath} n'est pas un fichier du fonds")
    staff, warnings = read_sidecar(sidecar_path(path))
    if any("unreadable" in warning for warning in warnings):  # rewriting it would lose what staff wrote there
        raise UserError(f"{relpath} : son fichier de métadonnées ({sidecar_path(path).name}) est illisible, "
                        "corrigez-le d'abord")
    known = {f.name for f in fields(StaffMetadata)} - {"cleared"}
    given = {name: _typed(name, value) for name, value in values.items() if name in known}
    cleared = set(staff.cleared) - set(given)
    cleared |= {name for name, value in given.items() if name in CLEARABLE and value in (None, "")}
    write_sidecar(path, sidecar_values(replace(staff, **given, cleared=frozenset(cleared))))


def _typed(name: str, value: Any) -> Any:
    """A value as the record holds it (the journal gives lists back for tuples)."""
    default = next(f.default for f in fields(StaffMetadata) if f.name == name)
    if default == ():
        return tuple(str(v) for v in value or ())
    if name == "year":
        return int(value) if value not in (None, "") else None
    return "" if value is None else str(value)
