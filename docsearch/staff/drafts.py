"""Uploads waiting for a staff member to confirm their metadata.

``create_draft`` checks an upload (type from the content, size, readable
text, not already in the corpus), extracts it in a worker, guesses its
metadata and keeps it in ``instance/drafts/<id>/`` — outside the corpus, so
nothing is published before staff confirm. Publishing ``claimed`` a draft:
the metadata staff typed are saved beside it, its folder renamed
``<id>.publication`` (so two clicks publish once), the file and its
metadata written into the corpus (see ``ingest``), the folder removed.

A server killed in between leaves ``<id>.publication`` behind:
``recover_publications`` (at start, and on the dashboard) finishes it with
the saved metadata, or puts it back as a draft if they were not saved yet.
A publication under way holds a lock on its folder, so recovery never
takes one that another request or process is still doing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from docsearch.catalogue.learned import learned_path, load_model
from docsearch.catalogue.metadata import resolve_metadata
from docsearch.catalogue.records import Metadata
from docsearch.catalogue.staff import StaffMetadata
from docsearch.catalogue.vocabulary_files import current_vocabulary
from docsearch.config import Settings
from docsearch.corpus.atomic import write_atomic
from docsearch.errors import UserError
from docsearch.extraction import Extracted
from docsearch.extraction.cache import ExtractionCache
from docsearch.faults import fault

_ID_CHARS = "0123456789abcdef"
PUBLICATION = ".publication"  # suffix of a draft's folder while it is being published
TYPED = "publication.json"  # the metadata staff typed, saved before the folder is renamed
_LOCK = ".lock"


@dataclass
class Draft:
    id: str
    name: str  # the uploaded file's name, as sent (shown, never used as a path)
    suffix: str
    url: str
    meta: Metadata  # what was found, with the origin of each value
    folder: str = ""  # the folders it was uploaded from ("rapports/culture/2019"): a hint, never a path written to

    def data_path(self, folder: Path) -> Path:
        return folder / self.id / f"document{self.suffix}"


def drafts_folder(settings: Settings) -> Path:
    return settings.instance_dir / "drafts"


def create_draft(settings: Settings, data: bytes, name: str, url: str = "", folder_hint: str = "") -> Draft:
    """``folder_hint``: the folders of a folder upload, read for sectors and
    years as the corpus folders are (``culture/2019``)."""
    from docsearch.staff.ingest import check_upload, extract_checked
    from docsearch.staff.previews import write_preview

    suffix = check_upload(settings, data, name)
    extracted = extract_checked(settings, data, suffix, name)
    meta = resolve_metadata(f"{folder_hint or 'a-trier'}/{Path(name).name}", extracted, StaffMetadata(url=url),
                            current_vocabulary(settings),
                            learned=load_model(learned_path(settings.instance_dir)))
    ExtractionCache(settings.cache_dir).put(hashlib.sha256(data).hexdigest(), extracted)  # read once
    draft = Draft(secrets.token_hex(12), name[:200], suffix, url, meta, folder_hint[:300])
    folder = drafts_folder(settings) / draft.id
    write_atomic(draft.data_path(drafts_folder(settings)), data)
    write_preview(settings, folder, data, extracted.format, extracted)
    write_atomic(folder / "draft.json", json.dumps(_as_json(draft, extracted), ensure_ascii=False).encode("utf-8"))
    return draft


def load_draft(settings: Settings, draft_id: str, folder: Path | None = None) -> Draft:
    if len(draft_id) != 24 or any(c not in _ID_CHARS for c in draft_id):
        raise UserError("brouillon introuvable")
    try:
        raw = json.loads(((folder or drafts_folder(settings) / draft_id) / "draft.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        raise UserError("brouillon introuvable") from None
    return Draft(raw["id"], raw["name"], raw["suffix"], raw["url"], Metadata(**raw["meta"]), raw.get("folder", ""))


@contextmanager
def claimed(settings: Settings, draft: Draft, staff: StaffMetadata | None = None) -> Iterator[bytes]:
    """Take a draft for publication, so that two clicks publish it once: the
    typed metadata are saved, then its folder is renamed (atomic); the draft
    is gone if the body succeeds, back if it fails."""
    folder = drafts_folder(settings) / draft.id
    taken = folder.with_name(draft.id + PUBLICATION)
    with _held(folder):
        try:
            if staff is not None:
                write_atomic(folder / TYPED, json.dumps(_staff_json(staff), ensure_ascii=False).encode("utf-8"))
            else:
                (folder / TYPED).unlink(missing_ok=True)  # from a publication killed before its rename
            folder.rename(taken)
        except FileNotFoundError:  # published or discarded meanwhile
            raise UserError("brouillon introuvable") from None
        fault("draft-claimed")
        try:
            yield (taken / f"document{draft.suffix}").read_bytes()
        except BaseException:
            (taken / TYPED).unlink(missing_ok=True)
            taken.rename(folder)
            raise
        shutil.rmtree(taken, ignore_errors=True)


@contextmanager
def _held(folder: Path) -> Iterator[None]:
    """The lock of a draft's folder (it follows the folder when renamed);
    refused at once if a publication of this draft is under way."""
    try:
        descriptor = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    except (FileNotFoundError, NotADirectoryError):
        raise UserError("brouillon introuvable") from None
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError("brouillon introuvable") from None
        yield
    finally:
        os.close(descriptor)  # releases the lock, also when the process dies


@dataclass
class Recovered:
    """A publication found interrupted, and what became of it."""

    name: str  # the uploaded file's name
    title: str
    published: bool  # True: now in the corpus (at relpath); False: a draft again
    relpath: str = ""
    draft_id: str = ""


def recover_publications(settings: Settings) -> list[Recovered]:
    """Finish the publications a killed server left (``<id>.publication``):
    with the metadata staff typed, the file goes into the corpus (unless it
    already got there); without them, the folder becomes a draft again. The
    corpus paths written are for the caller to index."""
    from docsearch.staff.ingest import Duplicate, place_in_corpus, refuse_duplicate

    folder = drafts_folder(settings)
    recovered: list[Recovered] = []
    for taken in sorted(folder.glob("*" + PUBLICATION)) if folder.is_dir() else []:
        draft_id = taken.name.removesuffix(PUBLICATION)
        if len(draft_id) != 24 or any(c not in _ID_CHARS for c in draft_id) or not taken.is_dir():
            continue
        try:
            with _held(taken):
                draft = load_draft(settings, draft_id, taken)
                data = (taken / f"document{draft.suffix}").read_bytes()
                if not (taken / TYPED).is_file():
                    taken.rename(taken.with_name(draft_id))
                    recovered.append(Recovered(draft.name, draft.meta.title, False, draft_id=draft_id))
                    continue
                staff = _staff_from_json(json.loads((taken / TYPED).read_text(encoding="utf-8")))
                try:
                    refuse_duplicate(settings, hashlib.sha256(data).hexdigest(), len(data), draft.name)
                    relpath = place_in_corpus(settings, data, draft.name, staff, None)
                except Duplicate as exc:  # placed before the kill, not yet cleaned up
                    relpath = exc.relpath
                shutil.rmtree(taken, ignore_errors=True)
                recovered.append(Recovered(draft.name, staff.title or draft.meta.title, True, relpath=relpath))
        except (UserError, OSError, ValueError):
            continue  # under way in another request, or unreadable: left as it is
    return recovered


def _staff_json(staff: StaffMetadata) -> dict[str, Any]:
    data = asdict(staff)
    data["sectors"], data["cleared"] = list(staff.sectors), sorted(staff.cleared)
    return data


def _staff_from_json(data: dict[str, Any]) -> StaffMetadata:
    lists = {name: tuple(data.get(name, ())) for name in ("sectors", "authors", "keywords")}
    return StaffMetadata(**{**data, **lists, "cleared": frozenset(data.get("cleared", ()))})


def discard_draft(settings: Settings, draft_id: str) -> None:
    load_draft(settings, draft_id)  # validates the id
    shutil.rmtree(drafts_folder(settings) / draft_id, ignore_errors=True)


def _as_json(draft: Draft, extracted: Extracted) -> dict[str, Any]:
    data = asdict(draft)
    data["pages"] = len(extracted.pages)
    return data
