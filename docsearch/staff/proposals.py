"""A contributor's draft, proposed for publication: the values typed, who proposed it, when.

Each draft records who uploaded it (``owner.txt``): a contributor sees and
proposes its own drafts only. A ``contributeur`` may not publish: the form of its draft saves the
metadata it typed beside the draft (``proposal.json`` in the draft's
folder) and the draft waits on the dashboard of the documentalists, whose
form starts from these values. Publishing or discarding the draft removes
its folder, and the proposal with it.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass

from docsearch.catalogue.staff import StaffMetadata
from docsearch.config import Settings
from docsearch.corpus.atomic import write_atomic
from docsearch.staff.drafts import drafts_folder, load_draft

PROPOSAL = "proposal.json"
OWNER = "owner.txt"


@dataclass(frozen=True)
class Proposal:
    by: str
    at: str  # ISO date and time
    staff: StaffMetadata


def propose(settings: Settings, draft_id: str, staff: StaffMetadata, by: str) -> Proposal:
    """Save a contributor's values beside its draft (``UserError`` for a draft that is gone)."""
    load_draft(settings, draft_id)  # validates the id, and that the draft is still there
    proposal = Proposal(by, dt.datetime.now().isoformat(timespec="seconds"), staff)
    data = {"by": by, "at": proposal.at,
            "staff": {**asdict(staff), "sectors": list(staff.sectors), "cleared": sorted(staff.cleared)}}
    write_atomic(drafts_folder(settings) / draft_id / PROPOSAL, json.dumps(data, ensure_ascii=False).encode("utf-8"))
    return proposal


def proposal_of(settings: Settings, draft_id: str) -> Proposal | None:
    """The proposal of a draft, if a contributor made one."""
    try:
        raw = json.loads((drafts_folder(settings) / draft_id / PROPOSAL).read_text(encoding="utf-8"))
        values = raw["staff"]
        staff = StaffMetadata(**{**values, "sectors": tuple(values.get("sectors", ())),
                                 "cleared": frozenset(values.get("cleared", ()))})
        return Proposal(str(raw["by"]), str(raw["at"]), staff)
    except (FileNotFoundError, NotADirectoryError, ValueError, KeyError, TypeError):
        return None


def set_owner(settings: Settings, draft_id: str, who: str) -> None:
    load_draft(settings, draft_id)  # validates the id
    write_atomic(drafts_folder(settings) / draft_id / OWNER, who.encode("utf-8"))


def owner_of(settings: Settings, draft_id: str) -> str:
    """Who uploaded a draft ("" for a draft from before owners were kept)."""
    load_draft(settings, draft_id)  # validates the id
    try:
        return (drafts_folder(settings) / draft_id / OWNER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return ""
