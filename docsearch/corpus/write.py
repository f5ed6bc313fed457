"""Writing into the corpus: safe names, atomic writes, sidecars, the trash.

Nothing here deletes a document from disk: removal moves the file and its
sidecar into ``.corbeille/<date>/`` inside the corpus, from where it can be
put back by hand.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import time
import tomllib
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from docsearch.corpus.atomic import write_atomic
from docsearch.errors import UserError
from docsearch.corpus.scan import TRASH_DIR, resolve_inside, sidecar_path

_UNSAFE = re.compile(r"[^a-z0-9.]+")
LOCK_NAME = ".ecriture.lock"  # hidden: not a document


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


def sidecar_text(values: dict[str, object], keep_empty: bool = False) -> str:
    """Staff metadata as TOML. An empty value is left out, or with
    ``keep_empty`` written as "" — staff saying "none", which wins over guesses."""
    lines = ["# Métadonnées du document (modifiables à la main)."]
    for key, value in values.items():
        if value in (None, "", []) and not keep_empty:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            lines.append(f"{key} = {value}")
        elif isinstance(value, (list, tuple)):
            lines.append(f"{key} = [{', '.join(_toml_string(v) for v in value)}]")
        else:
            lines.append(f"{key} = {_toml_string(value)}")
    text = "\n".join(lines) + "\n"
    tomllib.loads(text)  # never write a file the reader would reject
    return text


def _toml_string(value: object) -> str:
    # JSON strings are TOML basic strings, except that TOML forbids a raw DEL.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def write_sidecar(document: Path, values: dict[str, object], keep_empty: bool = False) -> None:
    write_atomic(sidecar_path(document), sidecar_text(values, keep_empty).encode("utf-8"))


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
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = corpus.resolve() / TRASH_DIR / stamp / relpath
    number = 2
    while target.exists() or sidecar_path(target).exists():  # never overwrite what is in the trash
        target = corpus.resolve() / TRASH_DIR / f"{stamp}-{number}" / relpath
        number += 1
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(source), str(target))
    if sidecar_path(source).exists():
        shutil.move(str(sidecar_path(source)), str(sidecar_path(target)))
    return target
