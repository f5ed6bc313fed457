"""Word 97–2003, PowerPoint 97–2003 and Excel 97–2003 files, through
LibreOffice headless when it is installed.

``soffice --headless --convert-to`` turns the file into its OOXML twin in a
private temporary folder (its own profile too, so two workers never share
one), then the OOXML readers read it. Without LibreOffice the file is
reported, not guessed at. Encrypted files are recognised first (the FIB flag
of Word, the FILEPASS record of Excel, the encrypted summary of PowerPoint):
LibreOffice would stop at a password prompt.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from docsearch.errors import ExtractionError
from docsearch.extraction.containers import ole_stream, ole_streams
from docsearch.extraction.extracted import Extracted

TARGETS = {"doc": "docx", "ppt": "pptx", "xls": "xlsx"}
LABELS = {"doc": "document Word 97-2003", "ppt": "présentation PowerPoint 97-2003", "xls": "classeur Excel 97-2003"}
# One conversion; a worker's own timeout bounds the whole file anyway.
CONVERT_TIMEOUT = 120.0
MISSING = ("format ancien : LibreOffice non installé "
           "(apt-get install libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)")


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def extract_legacy(data: bytes, kind: str) -> Extracted:
    if is_encrypted(data, kind):
        raise ExtractionError("encrypted", f"protégé par un mot de passe ({LABELS[kind]})")
    program = soffice()
    if program is None:
        raise ExtractionError("missing-tool", MISSING)
    converted = convert(program, data, kind)
    from docsearch.extraction import ooxml

    reader = {"doc": ooxml.extract_docx, "ppt": ooxml.extract_pptx, "xls": ooxml.extract_xlsx}[kind]
    extracted = reader(converted)
    extracted.format = kind
    return extracted


def convert(program: str, data: bytes, kind: str) -> bytes:
    target = TARGETS[kind]
    with tempfile.TemporaryDirectory(prefix="docsearch-soffice-") as folder:
        source = Path(folder) / f"document.{kind}"
        source.write_bytes(data)
        profile = Path(folder) / "profile"
        command = [program, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                   "--nolockcheck", "--convert-to", target, "--outdir", str(Path(folder) / "out"), str(source)]
        try:
            subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=CONVERT_TIMEOUT, check=False, env={**os.environ, "HOME": folder},
                           start_new_session=True)
        except subprocess.TimeoutExpired:
            raise ExtractionError("timeout", f"LibreOffice n'a pas converti le fichier en {CONVERT_TIMEOUT:g} s") from None
        result = Path(folder) / "out" / f"document.{target}"
        if not result.is_file():
            raise ExtractionError("corrupt", f"LibreOffice ne sait pas lire ce {LABELS[kind]}")
        return result.read_bytes()


def is_encrypted(data: bytes, kind: str) -> bool:
    if kind == "doc":
        fib = ole_stream(data, "WordDocument", 64)
        return len(fib) >= 12 and bool(struct.unpack("<H", fib[10:12])[0] & 0x0100)  # FIB fEncrypted
    if kind == "xls":
        stream = ole_stream(data, "Workbook", 1 << 16) or ole_stream(data, "Book", 1 << 16)
        offset = 0
        for _ in range(64):  # FILEPASS comes right after the first BOF, among the first records
            if offset + 4 > len(stream):
                break
            record, size = struct.unpack("<HH", stream[offset:offset + 4])
            if record == 0x002F:
                return True
            offset += 4 + size
        return False
    if kind == "ppt":
        if "EncryptedSummary" in ole_streams(data):
            return True
        current = ole_stream(data, "Current User", 16)
        return len(current) >= 16 and current[12:16] == b"\xdf\xc4\xd1\xf3"  # encrypted header token
    return False
