"""Writing into the corpus: safe names, atomic writes, sidecars, the trash.

Nothing here deletes a document from disk: removal moves the file and its
sidecar into ``.corbeille/<date>/`` inside the corpus, from where it can be
put back by hand; a file replaced by a new version goes to
``.corbeille/<date>-remplace/`` (``replace_in_corpus``).
"""

from __future__ import annotations

import fcntl
import re
import shutil
import time
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import tomli_w

from docsearch.corpus.atomic import write_atomic
from docsearch.corpus.scan import TRASH_DIR, resolve_inside, sidecar_path
from docsearch.errors import UserError

_UNSAFE = re.compile(r"[^a-z0-9.]+")
LOCK_NAME = ".ecriture.lock"  # hidden: not a document
REPLACED_MARK = "-remplace"  # ends the trash folder of a file replaced by a new version


def safe_filename(name: str, suffix: str) -> str:
    """A plain ASCII file name with ``suffix``: no path, no dot file, no surprise."""
    base = Path(name.replace("\\", "/").split("/")[-1]).stem
    ascii_name = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode().lower()
    slug = _UNSAFE.sub("-", ascii_name).strip("-.")[:100].strip("-.")
    return f"{slug or 'document'}{suffix}"


def unique_path(folder: Path, filename: str) -> Path:
    """``folder/filename``, or ``name-2.ext``… when that is taken."""
    path = folder / filename
    stem, suffix = Path(filename).stem, Path(filename).suffix
    number = 2
    while path.exists() or sidecar_path(path).exists():
        path = folder / f"{stem}-{number}{suffix}"
        number += 1
    return path


def sidecar_text(values: Mapping[str, object]) -> str:
    """A sidecar's TOML (tomli-w: strings, integers, booleans and lists each
    as their TOML type), under a comment for whoever opens the file."""
    text = "# Métadonnées du document (modifiables à la main).\n" + tomli_w.dumps(dict(values))
    tomllib.loads(text)  # never write a file the reader would reject
    return text


def write_sidecar(document: Path, values: Mapping[str, object]) -> None:
    """Write the sidecar of ``document`` (``<file name>.meta.toml``) atomically."""
    write_atomic(sidecar_path(document), sidecar_text(values).encode("utf-8"))


@contextmanager
def corpus_lock(corpus: Path) -> Iterator[None]:
    """One process at a time chooses a name and writes it (two uploads of
    "rapport.pdf" at once must not end as one file)."""
    corpus.mkdir(parents=True, exist_ok=True)
    with open(corpus / LOCK_NAME, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def move_to_trash(corpus: Path, relpath: str) -> Path:
    """Move a document and its sidecar to ``.corbeille/<date>/<relpath>``."""
    with corpus_lock(corpus):
        return _move_to_trash(corpus, relpath)


def _move_to_trash(corpus: Path, relpath: str) -> Path:
    source = resolve_inside(corpus, relpath)
    if not source.is_file():
        raise UserError(f"{relpath} n'est pas un fichier du fonds")
    target = _trash_target(corpus, relpath)
    shutil.move(str(source), str(target))
    if sidecar_path(source).exists():
        shutil.move(str(sidecar_path(source)), str(sidecar_path(target)))
    return target


def _trash_target(corpus: Path, relpath: str, mark: str = "") -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = corpus.resolve() / TRASH_DIR / f"{stamp}{mark}" / relpath
    number = 2
    while target.exists() or sidecar_path(target).exists():  # never overwrite what is in the trash
        target = corpus.resolve() / TRASH_DIR / f"{stamp}-{number}{mark}" / relpath
        number += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def replace_in_corpus(corpus: Path, relpath: str, data: bytes) -> Path:
    """Put a new version of a document at its place (same path, so same id);
    the old file first goes to ``.corbeille/<date>-remplace/<relpath>`` with a
    copy of its sidecar, which itself stays: the record is the document's.
    Copy, then atomic write: a crash in between leaves the old version in
    both places, never no file at all. The trash path is returned."""
    with corpus_lock(corpus):
        source = resolve_inside(corpus, relpath)
        if not source.is_file():
            raise UserError(f"{relpath} n'est pas un fichier du fonds")
        target = _trash_target(corpus, relpath, REPLACED_MARK)
        shutil.copy2(source, target)
        if sidecar_path(source).exists():
            shutil.copy2(sidecar_path(source), sidecar_path(target))
        write_atomic(source, data)
    return target
