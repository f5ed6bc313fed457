"""The corpus on disk: which files are documents, their hashes, their sidecars.

A document is a ``.pdf``, ``.html`` or ``.htm`` file anywhere under the
corpus folder, outside hidden folders (the trash is ``.corbeille``). Its
staff metadata lives beside it in ``<file name>.meta.toml``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from docsearch.errors import UserError

SIDECAR_SUFFIX = ".meta.toml"
TRASH_DIR = ".corbeille"


@dataclass(frozen=True)
class SourceFile:
    path: Path  # absolute
    relpath: str  # POSIX path relative to the corpus: the document's identity
    size: int
    mtime: float

    @property
    def sidecar(self) -> Path:
        return sidecar_path(self.path)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


# Files at the top of the corpus that describe the folder, not documents.
FOLDER_NOTES = frozenset({"README.md", "README.txt", "LISEZMOI.md", "LISEZMOI.txt"})


def list_sources(corpus: Path, suffixes: Iterable[str]) -> list[SourceFile]:
    """Every file of the corpus whose suffix is one of ``suffixes`` (those the
    extraction registry reads), sorted by relative path."""
    suffixes = frozenset(suffixes)
    if not corpus.is_dir():
        raise UserError(f"the corpus folder {corpus} does not exist")
    root = str(corpus.resolve())
    prefix = root.rstrip(os.sep) + os.sep
    found: list[SourceFile] = []
    # os.scandir and plain strings: with tens of thousands of files, making
    # a Path of every name was most of the walk.
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir():
                    if not entry.is_symlink():  # as os.walk: a linked folder is not entered
                        folders.append(entry.path)
                    continue
                if os.path.splitext(entry.name)[1].lower() not in suffixes:
                    continue
                if folder == root and entry.name in FOLDER_NOTES:
                    continue  # the corpus folder's own notes, now that .md and .txt are documents
                stat = entry.stat()
            except OSError:
                continue  # vanished or unreadable: the next run will see it
            relpath = entry.path[len(prefix):].replace(os.sep, "/")
            found.append(SourceFile(Path(entry.path), relpath, stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda s: s.relpath)


def source_for(corpus: Path, relpath: str) -> SourceFile:
    """The source file at ``relpath``, refusing any path that leaves the corpus."""
    path = resolve_inside(corpus, relpath)
    stat = path.stat()
    return SourceFile(path, path.relative_to(corpus.resolve()).as_posix(), stat.st_size, stat.st_mtime)


def resolve_inside(corpus: Path, relpath: str) -> Path:
    """``corpus/relpath`` resolved, or ``UserError`` if it would escape the corpus."""
    root = corpus.resolve()
    if "\x00" in relpath or PurePosixPath(relpath).is_absolute():
        raise UserError(f"{relpath!r} n'est pas un chemin dans le fonds")
    path = (root / relpath).resolve()
    if path != root and root not in path.parents:
        raise UserError(f"{relpath!r} n'est pas un chemin dans le fonds")
    return path


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sidecar_hash(path: Path) -> str:
    """Hash of the staff metadata file, "" when there is none."""
    sidecar = sidecar_path(path)
    try:
        return hashlib.sha256(sidecar.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return ""


TEMPORARY_PREFIX = ".tmp-"


def remove_stale_temporaries(corpus: Path, older_than: float = 600.0) -> list[Path]:
    """Delete the hidden temporary files an interrupted write left in the corpus.

    Only old ones: a younger one may belong to a write going on right now.
    """
    import time

    removed = []
    limit = time.time() - older_than
    for path in corpus.rglob(f"{TEMPORARY_PREFIX}*"):
        try:
            if path.is_file() and path.stat().st_mtime < limit:
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed
