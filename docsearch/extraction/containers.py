"""Safe access to the containers office files come in: zip packages, OLE
compound files and XML parts.

Office files are zip archives a visitor's upload can make hostile: a few
kilobytes that inflate to gigabytes, millions of entries, entity expansion in
an XML part. ``SafeZip`` reads entries into memory only (no entry path ever
reaches the disk), refuses archives past caps on entries, total size and
compression ratio, and stops reading an entry at its cap whatever its header
declares. ``parse_xml`` refuses document type declarations, which no office
part needs and which carry entity bombs.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from xml.etree import ElementTree

from docsearch.errors import ExtractionError

MAX_ENTRIES = 20_000
# What may be inflated from one file, all entries read together.
MAX_TOTAL_BYTES = 400 * 1024 * 1024
# A part's inflated size over its compressed size. Real XML reaches ~40
# (a 15 MB Word document in 475 KB); bombs are in the thousands.
MAX_RATIO = 200
# Small entries may compress very well (a run of spaces): below this size the
# ratio is not judged.
RATIO_FLOOR = 1024 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def bomb(detail: str) -> ExtractionError:
    return ExtractionError("too-large", f"archive suspecte (bombe de décompression) : {detail}")


class SafeZip:
    """A zip package read in memory, within caps; a truncated archive (central
    directory cut off) is read from its local headers instead."""

    def __init__(self, data: bytes) -> None:
        self.entries: dict[str, tuple[int, int]] = {}  # name -> (compressed, declared size)
        self._read_total = 0
        self._local: dict[str, bytes] | None = None
        try:
            self._zip: zipfile.ZipFile | None = zipfile.ZipFile(io.BytesIO(data))
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            self._zip = None
            infos = []
        if self._zip is None:
            self._local = _walk_local_headers(data)
            if not self._local:
                raise ExtractionError("corrupt", "archive zip illisible (fichier tronqué ou abîmé)")
            self.entries = {name: (len(raw), len(raw)) for name, raw in self._local.items()}
            return
        if len(infos) > MAX_ENTRIES:
            raise bomb(f"{len(infos)} entrées, la limite est {MAX_ENTRIES}")
        declared = sum(info.file_size for info in infos)
        if declared > MAX_TOTAL_BYTES * 4:
            raise bomb(f"{declared // 1_048_576} Mo une fois décompressée")
        for info in infos:
            self.entries[info.filename] = (info.compress_size, info.file_size)

    def names(self) -> list[str]:
        return list(self.entries)

    def has(self, name: str) -> bool:
        return name in self.entries

    def find(self, name: str) -> str | None:
        """The entry of this name, compared without case (producers differ)."""
        if name in self.entries:
            return name
        lowered = name.lower()
        return next((n for n in self.entries if n.lower() == lowered), None)

    def read(self, name: str, limit: int = MAX_TOTAL_BYTES) -> bytes:
        """An entry's bytes; a missing entry is ``KeyError``."""
        if self._local is not None:
            return self._local[name]
        assert self._zip is not None
        compressed, _declared = self.entries[name]
        budget = min(limit, MAX_TOTAL_BYTES - self._read_total)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(name) as handle:
                while True:
                    chunk = handle.read(1 << 20)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > budget:
                        raise bomb(f"{name} dépasse {budget // 1_048_576} Mo")
                    if size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1):
                        raise bomb(f"{name} : taux de compression supérieur à {MAX_RATIO}")
                    chunks.append(chunk)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
            raise ExtractionError("corrupt", f"partie {name} abîmée ({type(exc).__name__})") from None
        except RuntimeError as exc:  # zipfile's "encrypted, password required"
            raise ExtractionError("encrypted", f"partie {name} chiffrée ({exc})") from None
        self._read_total += size
        return b"".join(chunks)


def _walk_local_headers(data: bytes) -> dict[str, bytes]:
    """Entries of a zip whose central directory is missing, from the local
    file headers, within the same caps. Entries cut off are dropped."""
    entries: dict[str, bytes] = {}
    total = 0
    offset = data.find(ZIP_MAGIC)
    while offset >= 0 and len(entries) < MAX_ENTRIES:
        header = data[offset:offset + 30]
        if len(header) < 30:
            break
        (_, _, flags, method, _, _, _, csize, _, name_len, extra_len) = struct.unpack("<IHHHHHIIIHH", header)
        name = data[offset + 30:offset + 30 + name_len].decode("utf-8", "replace")
        start = offset + 30 + name_len + extra_len
        if flags & 0x08 or csize == 0:
            # Sizes come after the data: inflate until the stream ends.
            raw, used = _inflate_stream(data, start, method)
        else:
            raw, used = _inflate_known(data[start:start + csize], method), csize
        if raw is not None:
            total += len(raw)
            if total > MAX_TOTAL_BYTES:
                raise bomb("trop de données une fois décompressée")
            entries[name] = raw
        offset = data.find(ZIP_MAGIC, start + max(used, 0))
    return entries


def _inflate_known(chunk: bytes, method: int) -> bytes | None:
    if method == 0:
        return chunk
    if method != 8:
        return None
    try:
        inflater = zlib.decompressobj(-15)
        out = inflater.decompress(chunk, MAX_TOTAL_BYTES)
        return out if inflater.eof else None
    except zlib.error:
        return None


def _inflate_stream(data: bytes, start: int, method: int) -> tuple[bytes | None, int]:
    if method != 8:
        return None, 0
    inflater = zlib.decompressobj(-15)
    try:
        out = inflater.decompress(data[start:], MAX_TOTAL_BYTES)
    except zlib.error:
        return None, 0
    if not inflater.eof:
        return None, 0
    return out, len(data) - start - len(inflater.unused_data)


def parse_xml(data: bytes, part: str = "XML") -> ElementTree.Element:
    """An XML part's tree; a part with a document type (entity bombs live
    there) or broken markup is refused."""
    head = data[:4096]
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise ExtractionError("corrupt", f"{part} : déclaration de type de document refusée (entités XML)")
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ExtractionError("corrupt", f"{part} : XML abîmé ({exc})") from None


def ole_streams(data: bytes) -> set[str]:
    """The stream names of an OLE compound file (legacy Office, encrypted
    OOXML), or an empty set if it cannot be read."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:
        return set()
    try:
        return {"/".join(entry) for entry in ole.listdir(streams=True, storages=False)}
    finally:
        ole.close()


def ole_stream(data: bytes, name: str, limit: int = 1 << 20) -> bytes:
    """The first ``limit`` bytes of one OLE stream (b"" if missing)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:
        return b""
    try:
        if not ole.exists(name):
            return b""
        with ole.openstream(name) as stream:
            return bytes(stream.read(limit))
    except Exception:
        return b""
    finally:
        ole.close()
