"""Uploads waiting for a staff member to confirm their metadata.

``create_draft`` checks an upload (type from the content, size, readable
text, not already in the corpus), extracts it in a worker, guesses its
metadata and keeps it in ``instance/drafts/<id>/`` — outside the corpus, so
nothing is published before staff confirm. ``publish_draft`` writes the file
and its staff metadata into the corpus (see ``ingest``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from docsearch.catalogue.metadata import resolve_metadata
from docsearch.catalogue.records import Metadata
from docsearch.catalogue.staff import StaffMetadata
from docsearch.catalogue.vocabulary import load_vocabulary
from docsearch.config import Settings
from docsearch.corpus.atomic import write_atomic
from docsearch.errors import UserError
from docsearch.extraction import Extracted
from docsearch.extraction.cache import ExtractionCache

_ID_CHARS = "0123456789abcdef"


@dataclass
class Draft:
    id: str
    name: str  # the uploaded file's name, as sent (shown, never used as a path)
    suffix: str
    url: str
    meta: Metadata  # what was found, with the origin of each value

    def data_path(self, folder: Path) -> Path:
        return folder / self.id / f"document{self.suffix}"


def drafts_folder(settings: Settings) -> Path:
    return settings.instance_dir / "drafts"


def create_draft(settings: Settings, data: bytes, name: str, url: str = "") -> Draft:
    from docsearch.staff.ingest import check_upload, extract_checked

    suffix = check_upload(settings, data, name)
    extracted = extract_checked(settings, data, suffix, name)
    meta = resolve_metadata(f"a-trier/{Path(name).name}", extracted, StaffMetadata(url=url),
                            load_vocabulary(settings.vocabulary_file))
    ExtractionCache(settings.cache_dir).put(hashlib.sha256(data).hexdigest(), extracted)  # read once
    draft = Draft(secrets.token_hex(12), name[:200], suffix, url, meta)
    folder = drafts_folder(settings) / draft.id
    write_atomic(draft.data_path(drafts_folder(settings)), data)
    write_atomic(folder / "draft.json", json.dumps(_as_json(draft, extracted), ensure_ascii=False).encode("utf-8"))
    return draft


def load_draft(settings: Settings, draft_id: str) -> Draft:
    if len(draft_id) != 24 or any(c not in _ID_CHARS for c in draft_id):
        raise UserError("brouillon introuvable")
    try:
        raw = json.loads((drafts_folder(settings) / draft_id / "draft.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raise UserError("brouillon introuvable") from None
    return Draft(raw["id"], raw["name"], raw["suffix"], raw["url"], Metadata(**raw["meta"]))


@contextmanager
def claimed(settings: Settings, draft: Draft) -> Iterator[bytes]:
    """Take a draft for publication, so that two clicks publish it once: its
    folder is renamed (atomic); the draft is gone if the body succeeds, back
    if it fails."""
    folder = drafts_folder(settings) / draft.id
    taken = folder.with_name(f"{draft.id}.publication")
    try:
        folder.rename(taken)
    except FileNotFoundError:
        raise UserError("brouillon introuvable") from None
    try:
        yield (taken / f"document{draft.suffix}").read_bytes()
    except BaseException:
        taken.rename(folder)
        raise
    shutil.rmtree(taken, ignore_errors=True)


def discard_draft(settings: Settings, draft_id: str) -> None:
    load_draft(settings, draft_id)  # validates the id
    shutil.rmtree(drafts_folder(settings) / draft_id, ignore_errors=True)


def _as_json(draft: Draft, extracted: Extracted) -> dict[str, Any]:
    data = asdict(draft)
    data["pages"] = len(extracted.pages)
    return data
