"""Writing into the corpus: safe names, atomic writes, sidecars, the trash.

Nothing here deletes a document from disk: removal moves the file and its
sidecar into ``.corbeille/<date>/`` inside the corpus, from where it can be
put back by hand.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import unicodedata
from pathlib import Path

from .atomic import write_atomic
from .errors import UserError
from .sources import TRASH_DIR, resolve_inside, sidecar_path

_UNSAFE = re.compile(r"[^a-z0-9.]+")


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


def sidecar_text(values: dict[str, object]) -> str:
    """Staff metadata as TOML (JSON strings are valid TOML basic strings)."""
    lines = ["# Métadonnées du document (modifiables à la main)."]
    for key, value in values.items():
        if value in (None, "", []):
            continue
        if isinstance(value, int):
            lines.append(f"{key} = {value}")
        elif isinstance(value, (list, tuple)):
            lines.append(f"{key} = [{', '.join(json.dumps(str(v), ensure_ascii=False) for v in value)}]")
        else:
            lines.append(f"{key} = {json.dumps(str(value), ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def write_sidecar(document: Path, values: dict[str, object]) -> None:
    write_atomic(sidecar_path(document), sidecar_text(values).encode("utf-8"))


def move_to_trash(corpus: Path, relpath: str) -> Path:
    """Move a document and its sidecar to ``.corbeille/<date>/<relpath>``."""
    source = resolve_inside(corpus, relpath)
    if not source.is_file():
        raise UserError(f"{relpath} is not a file of the corpus")
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
