"""Chaos: random faults interleaved in rounds, the invariants checked after each one.

    .venv/bin/python bench/chaos.py --minutes 10 --seed N [--rounds R] [--work DIR] [--enable KIND]…

A real ``docsearch serve`` runs on 127.0.0.1 over a small corpus. Each round
picks a few faults at random (from the seed and the round number) and runs
them at the same time: kills of the CLI (``index``, ``index --rebuild``,
``add``, ``remove``) and of the server, at a named fault point of
``docsearch/faults.py`` or by a plain SIGKILL at a random instant; a damaged
segment file of the live generation; hostile files dropped in the corpus;
concurrent uploads and withdrawals through the staff web interface, signed in
with a real account; a full disk (the index folder is a small tmpfs, filled
by a ballast file; only where this process may mount one, else that kind is
skipped and said so).

Then the system settles — the server is restarted if it died, and one plain
``docsearch index`` runs to its end (never a fixed sleep) — and the
invariants are checked:

- every corpus file is indexed or reported as a failure; nothing indexed
  lacks its file; no temporary file or ``.build`` folder is left;
- nothing withdrawn is public (no search hit, ``/documents/{id}`` is a 404)
  and it is in the trash;
- no publication is lost: every upload or ``add`` that got a success answer
  is searchable;
- nothing outside the corpus is shown (a symlink's target);
- the server answers: ``/`` is 200, or a clean 503 while no generation opens
  (never a 500, never silence), and 200 after the settling run.

At the end it prints the rounds survived and the faults injected per kind;
on a failed invariant, the seed, the round and the faults of that round (the
same ``--seed`` replays the same choices; ``--rounds`` stops after that one).
It exits 1 when an invariant failed.

Fault kinds that still reveal a known unfixed case of issue 12 are listed in
``KNOWN_UNFIXED`` with the case number; they only run with ``--enable KIND``
(or ``--enable all``), so CI stays green until the fix lands.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.cookiejar
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:  # run as a script: bench/ is not a package on the path
    sys.path.insert(0, str(PROJECT))

from docsearch.config import Settings  # noqa: E402
from docsearch.corpus.scan import list_sources  # noqa: E402
from docsearch.extraction import SUPPORTED_SUFFIXES  # noqa: E402
from docsearch.search.service import SearchService  # noqa: E402
from docsearch.staff.accounts import Accounts  # noqa: E402

DATA = PROJECT / "tests" / "data"
PASSWORD = "un-mot-de-passe-solide"
SETTLE_TIMEOUT = 150.0  # a settling run that takes longer is stuck (case 4), not slow
SERVER_START_TIMEOUT = 120.0
HTTP_TIMEOUT = 60.0
STALE_TEMPORARY = 600.0  # docsearch.corpus.scan.remove_stale_temporaries's age
DISK_MB = 48  # the tmpfs holding the index, when one can be mounted

# Fault kind -> the case of issue 12 it still breaks. Run only with --enable.
KNOWN_UNFIXED: dict[str, str] = {
    # A segment truncated under a running server: the server has it mapped in memory (Whoosh's
    # mmap) and dies of SIGBUS (status -7) on its next read, or its search fails inside Whoosh
    # (zlib.error) and answers 500; the CLI itself recovers (case 1 is fixed for a new process).
    "corrupt-index": "case 1, with the server up: it dies of SIGBUS",
    "check-damaged-search": "case 1, with the server up: a search answers 500, not 503",
}

# Fault kind -> weight of its draw.
KINDS: dict[str, int] = {
    "upload": 6,
    "withdraw": 3,
    "edit": 2,
    "cli-fault-kill": 4,
    "cli-sigkill": 3,
    "server-fault-kill": 2,
    "server-sigkill": 2,
    "corrupt-index": 2,
    "hostile-corrupt-pdf": 1,
    "hostile-encrypted-pdf": 1,
    "hostile-empty": 1,
    "hostile-page-count": 1,
    "hostile-fifo": 1,
    "hostile-dev-zero": 1,
    "hostile-symlink-outside": 1,
    "disk-full": 1,
    "check-interrupted-publications": 0,  # not faults: invariants, checked when enabled
    "check-full-disk-uploads": 0,
    "check-damaged-search": 0,
}

# Named moments of each CLI command (docsearch/faults.py), killed at the N-th time.
CLI_POINTS: dict[str, list[str]] = {
    "index": ["update-locked:1", "update-document:1", "update-document:2", "writer-commit:1", "update-committed:1",
              "update-publish:1", "update-published:1", "extract-worker-task:1"],
    "rebuild": ["update-locked:1", "update-document:1", "update-document:5", "update-document:12", "writer-commit:1",
                "update-committed:1", "update-publish:1", "update-published:1"],
    "add": ["extract-worker-task:1", "update-locked:1", "update-document:1", "writer-commit:1", "update-committed:1"],
    "remove": ["update-locked:1", "writer-commit:1", "update-committed:1"],
}
SERVER_POINTS = ["update-locked", "update-document", "writer-commit", "update-committed", "update-publish",
                 "update-published", "draft-claimed", "draft-claimed"]  # the last: case 7's moment, drawn twice as often


def word_of(n: int, prefix: str = "kzq") -> str:
    """A word no French text holds, the same through the analysis at index and query time."""
    letters = ""
    n += 26 * 26  # at least three letters after the prefix
    while n:
        n, digit = divmod(n, 26)
        letters = "bcdfghjklmnpqrstvwxzaeiouy"[digit] + letters
    return prefix + letters


def html_page(title: str, text: str) -> bytes:
    return (f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><h1>{title}</h1><p>{text}</p></main></body></html>").encode()


def page_count_pdf(pages: int) -> bytes:
    """A small PDF whose page tree lists one page ``pages`` times (case 10)."""
    stream = b"BT /F1 12 Tf 72 720 Td (Une page mille fois repetee) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + b"3 0 R " * pages + b"] /Count " + str(pages).encode() + b" >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# HTTP -------------------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    status: int  # 0: no answer (connection refused or reset, timeout)
    location: str
    body: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the harness reads the 303 itself


class Web:
    """A browser of the server: its own cookies (a staff session once signed in)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: bytes | None = None, content_type: str = "",
                timeout: float = HTTP_TIMEOUT) -> Answer:
        request = urllib.request.Request(self.base + path, data=data)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return Answer(response.status, response.headers.get("Location", ""),
                              response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            with error:  # its connection, closed at once rather than at collection
                return Answer(error.code, error.headers.get("Location", ""), error.read().decode("utf-8", "replace"))
        except (OSError, http.client.HTTPException):
            return Answer(0, "", "")

    def form(self, path: str, fields: list[tuple[str, str]]) -> Answer:
        return self.request(path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def csrf(self, path: str) -> str | None:
        match = re.search(r'name="csrf" value="([^"]+)"', self.request(path).body)
        return match.group(1) if match else None

    def sign_in(self, name: str) -> bool:
        token = self.csrf("/gestion/connexion")
        return bool(token) and self.form("/gestion/connexion", [("nom", name), ("mot_de_passe", PASSWORD),
                                                                ("csrf", token or "")]).status == 303

    def upload(self, name: str, data: bytes, csrf: str) -> Answer:
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="fichiers"; filename="{name}"\r\n'
                "Content-Type: text/html\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        return self.request("/gestion/ajouter", body, f"multipart/form-data; boundary={boundary}")

    def json(self, path: str) -> dict[str, Any] | None:
        answer = self.request(path)
        if answer.status != 200:
            return None
        try:
            value = json.loads(answer.body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None


# The harness --------------------------------------------------------------------


@dataclasses.dataclass
class Doc:
    word: str  # the word only its text holds
    doc_id: str = ""  # known once it was found by a search
    relpath: str = ""


class Violation(Exception):
    pass


class Chaos:
    def __init__(self, work: Path, seed: int, enabled: set[str], log: Callable[[str], None] = print,
                 focus: set[str] | None = None) -> None:
        self.work, self.seed, self.enabled, self.log = work, seed, enabled, log
        self.focus = focus or set()
        self.corpus, self.index, self.instance = work / "corpus", work / "index", work / "instance"
        self.outside = work / "outside"
        self.settings = Settings(corpus_dir=self.corpus, index_dir=self.index, instance_dir=self.instance)
        # A generous search deadline: on a loaded machine a cut search would look like a lost publication.
        self.env = {**os.environ, "DOCSEARCH_EXTRACT_TIMEOUT": "20", "DOCSEARCH_WORKER_MEMORY_MB": "1024",
                    "DOCSEARCH_SEARCH_TIMEOUT": "30"}
        for name in ("DOCSEARCH_FAULT", "DOCSEARCH_FAULT_FILE"):
            self.env.pop(name, None)
        self.server: subprocess.Popen[bytes] | None = None
        self.server_lock = threading.RLock()
        self.settled_at = 0.0  # when the last settling run began
        self.server_fault = ""  # the fault plan of the running server, for one round only
        self.port = 0
        self.counter = 0
        self.counter_lock = threading.Lock()
        self.published: dict[str, Doc] = {}  # word -> a document that got a success answer
        self.withdrawn: dict[str, Doc] = {}  # word -> a document whose withdrawal got a success answer
        self.interrupted: dict[str, str] = {}  # word -> draft path of a publication that got no answer
        self.secrets: list[str] = []  # words of files outside the corpus, never to be shown
        self.faults: Counter[str] = Counter()
        self.round_faults: list[str] = []
        self.notes: Counter[str] = Counter()  # what happened beside the faults (server crashes, kills not reached)
        self.mounted = False
        self.disk_note = ""
        self._where = threading.local()

    # set-up -----------------------------------------------------------------

    def setup(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)
        for folder in (self.corpus, self.index, self.instance, self.outside):
            folder.mkdir(parents=True)
        self.mounted = self._mount_index()
        sectors = ["habitat", "culture", "iae", "environnement"]
        for n in range(12):
            folder = self.corpus / sectors[n % 4] / str(2005 + n % 5)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"page-{n:02d}.html").write_bytes(html_page(f"Page {n}", f"Texte {n} sur l'habitat et la mobilité."))
        (self.corpus / "environnement" / "good-report.pdf").write_bytes((DATA / "good-report.pdf").read_bytes())
        Accounts(self.instance).add("chaos", PASSWORD)
        result = self.cli("index", timeout=SETTLE_TIMEOUT)
        if result.returncode != 0:
            raise RuntimeError(f"the first index run failed: {result.stderr[-2000:]}")
        self.start_server()

    def _mount_index(self) -> bool:
        """A small tmpfs for the index, so a ballast file can fill its disk for real."""
        if "disk-full" not in self.enabled:
            return False
        if os.geteuid() != 0 or not shutil.which("mount"):
            self.disk_note = "disk-full skipped: mounting a tmpfs needs root"
            return False
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK_MB}m", "tmpfs", str(self.index)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            self.disk_note = f"disk-full skipped: {done.stderr.strip() or 'mount failed'}"
            return False
        return True

    def teardown(self) -> None:
        self.stop_server()
        if self.mounted:
            subprocess.run(["umount", str(self.index)], capture_output=True)
            self.mounted = False

    def next_number(self) -> int:
        with self.counter_lock:
            self.counter += 1
            return self.counter

    # processes ----------------------------------------------------------------

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-c", "from docsearch.cli import main; main()", "--corpus", str(self.corpus),
                "--index", str(self.index), "--instance", str(self.instance), *args]

    def cli(self, *args: str, timeout: float = SETTLE_TIMEOUT, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
        process = subprocess.Popen(self.command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   env=env or self.env)
        try:
            out, err = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            raise Violation(f"`docsearch {' '.join(args)}` did not end within {timeout:g} s (killed)") from None
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)

    def start_server(self, fault: str = "") -> None:
        with self.server_lock:  # a round may kill and restart it from two faults at once
            self._start_server(fault)

    def _start_server(self, fault: str) -> None:
        self.stop_server()
        with socket_closed() as port:
            self.port = port
        env = dict(self.env)
        self.server_fault = fault
        if fault:
            env["DOCSEARCH_FAULT"] = fault
            env["DOCSEARCH_FAULT_FILE"] = str(self.work / "server-faults")
        log = open(self.work / "server.log", "ab")  # noqa: SIM115 - the server writes to it while it lives
        self.server = server = subprocess.Popen(self.command("serve", "--port", str(self.port)), stdout=log,
                                                stderr=log, env=env)
        log.close()
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            status = Web(self.base).request("/", timeout=5).status
            if status in (200, 503):
                return
            if status >= 500:  # an answer, but not a clean one
                raise Violation(f"the starting server answers {status} on /")
            if server.poll() is not None:
                if fault:  # its own fault point may kill it while it catches up
                    self.notes["server died at its fault point while starting"] += 1
                    return self._start_server("")
                raise Violation(f"the server ended at start (status {server.returncode})")
            if time.monotonic() > deadline:
                raise Violation(f"the server did not answer within {SERVER_START_TIMEOUT:g} s of its start")
            time.sleep(0.05)  # polling for the answer, not waiting for luck

    def stop_server(self) -> None:
        with self.server_lock:
            if self.server is not None and self.server.poll() is None:
                self.server.kill()
                self.server.wait()
            self.server = None

    def server_alive(self) -> bool:
        return self.server is not None and self.server.poll() is None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def staff(self) -> Web:
        web = Web(self.base)
        if not web.sign_in("chaos"):
            raise _NoAnswer
        return web

    # faults -----------------------------------------------------------------------

    def fault_upload(self, rng: random.Random, full_disk: bool = False) -> int:
        """Upload a page through the staff interface and publish it; remembered once answered with
        success. The status of the last answer (0: none)."""
        try:
            web = self.staff()
        except _NoAnswer:
            self.notes["upload: no sign-in (server down)"] += 1
            return 0
        word = word_of(self.next_number())
        token = web.csrf("/gestion/ajouter")
        if not token:
            return 0
        upload = web.upload(f"{word}.html", html_page(f"Publication {word}", f"Le mot {word} sur l'économie sociale."),
                            token)
        if upload.status >= 500 and upload.status != 503:
            if full_disk and "check-full-disk-uploads" not in self.enabled:
                self.notes[f"upload on a full disk answered {upload.status}"] += 1
                return 0
            raise Violation(f"an upload{' on a full disk' if full_disk else ''} answers {upload.status}")
        if upload.status != 303 or "/gestion/brouillons/" not in upload.location:
            self.notes[f"upload answered {upload.status}"] += 1
            return upload.status
        draft = urllib.parse.urlsplit(upload.location).path
        token = web.csrf(draft)
        if not token:
            return 0
        answer = web.form(draft, [("csrf", token), ("titre", f"Publication {word}"), ("type", "etude"),
                                  ("annee", str(rng.randint(2000, 2020))), ("secteurs", rng.choice(["habitat", "culture", "iae"])),
                                  ("resume", "")])
        if answer.status in (200, 202, 303):
            with self.counter_lock:
                self.published[word] = Doc(word)
        elif answer.status >= 500 and answer.status != 503:
            raise Violation(f"a publication answers {answer.status}")
        elif answer.status == 0:  # the server died meanwhile: published, or still a draft, never lost
            with self.counter_lock:
                self.interrupted[word] = draft
            self.notes["publication answered 0"] += 1
        else:
            self.notes[f"publication answered {answer.status}"] += 1
        return answer.status

    def fault_withdraw(self, rng: random.Random) -> None:
        doc = self._take_published(rng)
        if doc is None:
            return
        if rng.random() < 0.5:  # through the web
            try:
                web = self.staff()
            except _NoAnswer:
                self._put_back(doc)
                return
            path = f"/gestion/documents/{doc.doc_id}/retirer"
            token = web.csrf(path)
            if not token:
                self._put_back(doc)
                return
            answer = web.form(path, [("csrf", token)])
            ok, unknown = answer.status == 303, answer.status == 0
        else:  # through the CLI, half the time killed
            how = rng.choice(["point", "instant", "", ""])
            if how:
                kind = "cli-fault-kill" if how == "point" else "cli-sigkill"
                self.faults[kind] += 1
                self.detail(kind)
            status = self._killable(rng, "remove", ("remove", doc.doc_id), how)
            ok, unknown = status == 0, status == -signal.SIGKILL
        with self.counter_lock:
            if ok:
                self.withdrawn[doc.word] = doc
            elif not unknown:
                self.published[doc.word] = doc
            # else: killed or no answer, the document may be either way: no longer checked

    def _take_published(self, rng: random.Random) -> Doc | None:
        with self.counter_lock:
            known = [doc for doc in self.published.values() if doc.doc_id]
            if not known:
                return None
            doc = rng.choice(known)
            del self.published[doc.word]
            return doc

    def _put_back(self, doc: Doc) -> None:
        with self.counter_lock:
            self.published[doc.word] = doc

    def _killable(self, rng: random.Random, command: str, args: tuple[str, ...], how: str) -> int:
        """Run a CLI command; ``how``: "point" kills it at a named moment, "instant" by a SIGKILL
        after a random delay, "" lets it end. Its exit status (-9: killed)."""
        env = dict(self.env)
        report = self.work / f"cli-faults-{uuid.uuid4().hex}"
        if how == "point":
            env["DOCSEARCH_FAULT"], env["DOCSEARCH_FAULT_FILE"] = f"{rng.choice(CLI_POINTS[command])}:kill", str(report)
            self.detail(f"{command} at {env['DOCSEARCH_FAULT']}")
        process = subprocess.Popen(self.command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            if how == "instant":
                delay = rng.uniform(0.0, 3.0)
                self.detail(f"{command} after {delay:.2f} s")
                try:
                    process.wait(timeout=delay)  # the random instant of the kill
                except subprocess.TimeoutExpired:
                    process.kill()
            try:
                status = process.wait(timeout=SETTLE_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise Violation(f"`docsearch {' '.join(args)}` did not end within {SETTLE_TIMEOUT:g} s") from None
        finally:
            report.unlink(missing_ok=True)
        if how and status != -signal.SIGKILL:
            self.notes["cli ended before its kill"] += 1
        return status

    def fault_edit(self, rng: random.Random) -> None:
        """Rewrite a few base pages, so the next index run has something to read."""
        pages = sorted(self.corpus.glob("*/*/page-*.html"))
        for path in rng.sample(pages, min(len(pages), rng.randint(1, 4))):
            path.write_bytes(html_page(path.stem, f"Texte {self.next_number()} sur l'habitat et la mobilité."))

    def fault_cli(self, rng: random.Random, kind: str) -> None:
        """index, index --rebuild or add, killed at a named moment or at a random instant."""
        command = rng.choice(["index", "rebuild", "add"])
        args: tuple[str, ...]
        word = ""
        if command == "add":
            word = word_of(self.next_number())
            source = self.work / f"{word}.html"
            source.write_bytes(html_page(f"Ajout {word}", f"Le mot {word} ajouté en ligne de commande."))
            args = ("add", str(source), "--sector", "environnement", "--year", "2011")
        else:
            self.fault_edit(rng)
            args = ("index", "--rebuild") if command == "rebuild" else ("index",)
        status = self._killable(rng, command, args, "point" if kind == "cli-fault-kill" else "instant")
        if word and status == 0:
            with self.counter_lock:
                self.published[word] = Doc(word)

    def fault_server_sigkill(self, rng: random.Random) -> None:
        delay = rng.uniform(0.0, 2.0)
        self.detail(f"after {delay:.2f} s")
        time.sleep(delay)  # the random instant of the kill, while the round's other faults run
        self.stop_server()
        self.start_server()

    def fault_server_point(self, rng: random.Random) -> None:
        """Restart the server so that its indexing thread kills it at a named moment."""
        spec = f"{rng.choice(SERVER_POINTS)}:{rng.randint(1, 3)}:kill"
        self.detail(f"{spec}")
        (self.work / "server-faults").unlink(missing_ok=True)
        self.start_server(spec)

    def fault_corrupt_index(self, rng: random.Random) -> None:
        try:
            generation = self.index / (self.index / "CURRENT").read_text().strip()
        except (OSError, UnicodeDecodeError):
            return
        segments = sorted(p for p in generation.glob("*") if p.suffix in (".seg", ".toc", ".trm", ".pst", ".vpst")
                          or p.name.endswith(".seg"))
        if not segments:
            self.notes["corrupt-index: no segment file"] += 1
            return
        target = rng.choice(segments)
        size = target.stat().st_size
        how = rng.choice(["truncate", "zero"])
        self.detail(f"{how} {target.name}")
        with open(target, "r+b") as handle:
            if how == "truncate":
                handle.truncate(size // 2)
            else:
                handle.write(b"\0" * size)
        status = Web(self.base).request("/search?q=habitat").status
        if status not in (0, 200, 503):
            if "check-damaged-search" not in self.enabled:
                self.notes[f"search on a damaged segment answered {status}"] += 1
                return
            raise Violation(f"with a damaged segment, /search answers {status} (a 503 page is expected)")

    def fault_hostile(self, rng: random.Random, kind: str) -> None:
        folder = self.corpus / "hostile"
        folder.mkdir(exist_ok=True)
        n = self.next_number()
        if kind == "hostile-corrupt-pdf":
            (folder / f"corrupt-{n}.pdf").write_bytes((DATA / "truncated.pdf").read_bytes() + os.urandom(16))
        elif kind == "hostile-encrypted-pdf":
            (folder / f"encrypted-{n}.pdf").write_bytes((DATA / "user-password.pdf").read_bytes() + f"\n%{n}\n".encode())
        elif kind == "hostile-empty":
            (folder / f"empty-{n}.{rng.choice(['pdf', 'html'])}").write_bytes(b"")
        elif kind == "hostile-page-count":
            (folder / f"pages-{n}.pdf").write_bytes(page_count_pdf(20_000 + n))
        elif kind == "hostile-fifo":
            os.mkfifo(folder / f"fifo-{n}.pdf")
        elif kind == "hostile-dev-zero":
            (folder / f"zero-{n}.html").symlink_to("/dev/zero")
        elif kind == "hostile-symlink-outside":
            secret = word_of(n, "secretqx")
            target = self.outside / f"{secret}.html"
            target.write_bytes(html_page(f"Secret {secret}", f"Le mot {secret} ne doit jamais être montré."))
            (folder / f"outside-{n}.html").symlink_to(target)
            self.secrets.append(secret)

    def fault_disk_full(self, rng: random.Random) -> None:
        """Fill the index's disk (a ballast file, minus a little room), then a rebuild, an upload
        and an index run on it: none may crash or answer 500, and no writer may leave its
        ``.build`` behind (case 5: it then fills the disk for good). The ballast goes at the end."""
        ballast = self.index / "ballast"
        with contextlib.suppress(OSError), open(ballast, "wb") as handle:
            block = b"\0" * (1 << 16)
            while True:
                handle.write(block)
                handle.flush()
        room = rng.choice([0, 16 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10])
        with open(ballast, "r+b") as handle:
            handle.truncate(max(0, ballast.stat().st_size - room))
        try:
            done = self.cli("index", "--rebuild")
            self.detail(f"{room >> 10} kB free, rebuild exit {done.returncode}")
            if "Traceback" in done.stderr:
                raise Violation(f"a rebuild on a full disk ends with a traceback: {done.stderr[-800:]}")
            self.fault_upload(rng, full_disk=True)
            status = Web(self.base).request("/").status
            if status not in (0, 200, 503):
                raise Violation(f"with the disk full, / answers {status}")
            again = self.cli("index")
            if "Traceback" in again.stderr:
                raise Violation(f"an index run on a full disk ends with a traceback: {again.stderr[-800:]}")
            leftovers = [p.name for p in self.index.glob("*.build")]
            if leftovers:
                raise Violation(f"on a full disk, an index run leaves the build folders {leftovers} "
                                f"(exit {again.returncode}: {again.stderr.strip()[-300:]})")
        finally:
            ballast.unlink(missing_ok=True)

    # rounds --------------------------------------------------------------------

    def available(self) -> list[str]:
        kinds = [kind for kind in KINDS if kind in self.enabled and KINDS[kind]]
        if not self.mounted:
            kinds = [kind for kind in kinds if kind != "disk-full"]
        return kinds

    def play_round(self, number: int) -> None:
        rng = random.Random(f"{self.seed}:{number}")
        kinds = self.available()
        chosen = rng.choices(kinds, weights=[KINDS[k] * (10 if k in self.focus else 1) for k in kinds],
                             k=rng.randint(1, 4))
        if "disk-full" in chosen:  # alone: the other faults would only fail for want of room
            chosen = ["disk-full"]
        self.round_faults = []
        if not self.server_alive():
            self.notes["server found dead at a round's start"] += 1
            self.start_server()
        # Faults that restart the server or fill the disk go first, alone; the others run together.
        threads: list[threading.Thread] = []
        errors: list[BaseException] = []
        for kind in chosen:
            self.faults[kind] += 1
            self.round_faults.append(kind)
            index = len(self.round_faults) - 1
            action = self._action(kind, random.Random(rng.random()), index)
            if kind in ("server-fault-kill", "disk-full", "corrupt-index"):
                action()
            else:
                thread = threading.Thread(target=_catching(action, errors), daemon=True)
                thread.start()
                threads.append(thread)
        for thread in threads:
            thread.join(SETTLE_TIMEOUT * 2)
            if thread.is_alive():
                raise Violation("a fault of the round did not end (a request or a command hangs)")
        if errors:
            raise errors[0]
        self.settle()
        self.check()

    def _action(self, kind: str, rng: random.Random, index: int) -> Callable[[], object]:
        actions: dict[str, Callable[[], object]] = {
            "upload": lambda: self.fault_upload(rng),
            "withdraw": lambda: self.fault_withdraw(rng),
            "edit": lambda: self.fault_edit(rng),
            "cli-fault-kill": lambda: self.fault_cli(rng, kind),
            "cli-sigkill": lambda: self.fault_cli(rng, kind),
            "server-fault-kill": lambda: self.fault_server_point(rng),
            "server-sigkill": lambda: self.fault_server_sigkill(rng),
            "corrupt-index": lambda: self.fault_corrupt_index(rng),
            "disk-full": lambda: self.fault_disk_full(rng),
        }
        function = actions.get(kind, lambda: self.fault_hostile(rng, kind))

        def labelled() -> None:
            self._where.index = index  # the entry of round_faults this fault's details go to
            function()
        return labelled

    def detail(self, text: str) -> None:
        """Add the details of the running fault (the point, the delay) to its entry of the round."""
        index = getattr(self._where, "index", None)
        if index is not None:
            self.round_faults[index] += f"({text})"

    def settle(self) -> None:
        """The server up again, then one plain index run to its end."""
        if not self.server_alive():
            status = self.server.returncode if self.server is not None else None
            self.notes[f"server dead after a round, status {status} (restarted)"] += 1
            self.start_server()
        elif self.server_fault:  # its plan was for this round: killed now if it did not fire
            self.start_server()
        self.settled_at = time.time()
        done = self.cli("index")
        if "Traceback" in done.stderr:
            raise Violation(f"the settling `docsearch index` ends with a traceback: {done.stderr[-1500:]}")
        if done.returncode != 0:
            # A clean refusal may ask for a rebuild; the rebuild must then recover.
            self.notes["settling index refused, rebuilt"] += 1
            rebuilt = self.cli("index", "--rebuild")
            if rebuilt.returncode != 0:
                raise Violation(f"neither `index` nor `index --rebuild` recover: {done.stderr[-600:]} / "
                                f"{rebuilt.stderr[-600:]}")

    def check(self) -> None:
        web = Web(self.base)
        home = web.request("/")
        if home.status == 0 and self.server is not None and self.server.poll() is not None:
            raise Violation(f"the server died (status {self.server.returncode}) during the settling run")
        if home.status != 200:
            raise Violation(f"after the settling run, / answers {home.status}")
        leftovers = [p.name for p in self.index.glob("*.build")]
        if leftovers:
            raise Violation(f"build folders left after the settling run: {leftovers}")
        # A killed write leaves its hidden temporary file; index runs remove those older than
        # ten minutes (a younger one may be a write going on): only the old ones are a fault.
        limit = self.settled_at - STALE_TEMPORARY  # old already when the settling run began
        temporary = [p for p in self.corpus.rglob(".tmp-*") if p.stat().st_mtime < limit]
        if temporary:
            raise Violation(f"old temporary files left in the corpus: {[str(p.relative_to(self.corpus)) for p in temporary]}")
        service = SearchService(self.settings)
        indexed = {d.relpath for d in service.all_documents()}
        failed = {f.relpath for f in service.backend.stats().failures}
        files = {s.relpath for s in list_sources(self.corpus, SUPPORTED_SUFFIXES)}
        if files - indexed - failed:
            raise Violation(f"corpus files neither indexed nor reported: {sorted(files - indexed - failed)[:10]}")
        if indexed - files:
            raise Violation(f"indexed documents without their file: {sorted(indexed - files)[:10]}")
        for word, doc in list(self.published.items()):
            result = web.json(f"/search.json?q={word}&par_page=50")
            if result is None:
                raise Violation(f"/search.json?q={word} gives no JSON answer")
            hits = [hit for hit in result["hits"] if word in hit["title"]]
            if not hits:
                raise Violation(f"the publication {word} got a success answer and is not searchable")
            doc.doc_id, doc.relpath = hits[0]["id"], hits[0]["relpath"]
            if web.request(f"/documents/{doc.doc_id}").status != 200:
                raise Violation(f"/documents/{doc.doc_id} of the publication {word} is not 200")
        for word, doc in self.withdrawn.items():
            result = web.json(f"/search.json?q={word}&par_page=50")
            if result is None or any(hit["id"] == doc.doc_id for hit in result["hits"]):
                raise Violation(f"the withdrawn {word} ({doc.doc_id}) is still found by a search")
            status = web.request(f"/documents/{doc.doc_id}").status
            if status != 404:
                raise Violation(f"/documents/{doc.doc_id} of the withdrawn {word} answers {status}, not 404")
            if not list((self.corpus / ".corbeille").glob(f"*/{doc.relpath}")):
                raise Violation(f"the withdrawn {doc.relpath} is not in the trash")
        if "check-interrupted-publications" in self.enabled:
            self.check_interrupted(web)
        else:
            self.interrupted.clear()
        for secret in self.secrets:
            result = web.json(f"/search.json?q={secret}")
            if result is None or result["total"]:
                raise Violation(f"the text of a file outside the corpus ({secret}) is shown")

    def check_interrupted(self, web: Web) -> None:
        """A publication the server died in is either searchable or still waiting as a draft (case 7)."""
        staff = self.staff()
        for word, draft in list(self.interrupted.items()):
            result = web.json(f"/search.json?q={word}&par_page=50")
            if result and any(word in hit["title"] for hit in result["hits"]):
                self.published[word] = Doc(word)
            elif staff.request(draft).status != 200:
                raise Violation(f"the publication {word} was interrupted by a kill and is lost: not searchable, "
                                f"and its draft {draft} is gone")
            del self.interrupted[word]

    def run(self, seconds: float, rounds: int | None) -> int:
        """Rounds survived until the time is up; raises Violation on the first failed invariant."""
        deadline = time.monotonic() + seconds
        survived = 0
        while time.monotonic() < deadline and (rounds is None or survived < rounds):
            number = survived + 1
            try:
                self.play_round(number)
            except Violation as violation:
                raise RoundFailed(number, list(self.round_faults), str(violation)) from violation
            except Exception as error:  # the harness's own failure: said with the seed and round too
                reason = f"unexpected {type(error).__name__}: {error}\n{traceback.format_exc()}"
                raise RoundFailed(number, list(self.round_faults), reason) from error
            survived = number
            self.log(f"round {number}: {', '.join(self.round_faults)}")
        return survived


class _NoAnswer(Exception):
    pass


class RoundFailed(Exception):
    def __init__(self, number: int, faults: list[str], reason: str) -> None:
        super().__init__(f"round {number} failed: {reason}")
        self.number, self.faults, self.reason = number, faults, reason


def _catching(action: Callable[[], object], errors: list[BaseException]) -> Callable[[], None]:
    def run() -> None:
        try:
            action()
        except BaseException as error:  # handed to the round, which reports it
            errors.append(error)
    return run


@contextlib.contextmanager
def socket_closed() -> Iterator[int]:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    yield port


@dataclasses.dataclass
class Outcome:
    seed: int
    rounds: int
    faults: Counter[str]
    notes: Counter[str]
    failure: RoundFailed | None
    skipped: str

    def summary(self) -> str:
        lines = [f"seed {self.seed}: {self.rounds} round(s) survived; faults injected: "
                 + ", ".join(f"{kind} {count}" for kind, count in sorted(self.faults.items()))
                 + f" ({sum(self.faults.values())} in all)"]
        if self.notes:
            lines.append("observed: " + ", ".join(f"{note} {count}" for note, count in sorted(self.notes.items())))
        if self.skipped:
            lines.append(self.skipped)
        if self.failure:
            lines.append(f"INVARIANT FAILED at round {self.failure.number} (seed {self.seed}, replay with "
                         f"--seed {self.seed} --rounds {self.failure.number}): {self.failure.reason}")
            lines.append("faults of that round: " + ", ".join(self.failure.faults))
        return "\n".join(lines)


def chaos(seconds: float, seed: int, work: Path, enabled: set[str], rounds: int | None = None,
          log: Callable[[str], None] = print, focus: set[str] | None = None) -> Outcome:
    harness = Chaos(work, seed, enabled, log, focus)
    failure = None
    survived = 0
    try:
        harness.setup()
        try:
            survived = harness.run(seconds, rounds)
        except RoundFailed as failed:
            failure = failed
            survived = failed.number - 1
    finally:
        harness.teardown()
    return Outcome(seed, survived, harness.faults, harness.notes, failure, harness.disk_note)


def default_kinds(extra: list[str]) -> set[str]:
    kinds = {kind for kind in KINDS if kind not in KNOWN_UNFIXED}
    for name in extra:
        if name == "all":
            kinds |= set(KINDS)
        elif name in KINDS:
            kinds.add(name)
        else:
            raise SystemExit(f"chaos: unknown fault kind {name!r} (kinds: {', '.join(KINDS)})")
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--seconds", type=float, help="instead of --minutes")
    parser.add_argument("--seed", type=int, help="default: a random one, printed")
    parser.add_argument("--rounds", type=int, help="stop after this round (to replay a failed one)")
    parser.add_argument("--work", type=Path, help="folder for the corpus, index and instance (default: a temporary one)")
    parser.add_argument("--enable", action="append", default=[], metavar="KIND",
                        help="also run a kind of KNOWN_UNFIXED ("
                             + "; ".join(f"{k}: {c}" for k, c in KNOWN_UNFIXED.items()) + "), or 'all'")
    parser.add_argument("--focus", action="append", default=[], metavar="KIND",
                        help="draw this kind ten times as often (it is enabled too)")
    args = parser.parse_args()
    # Stopped by a plain kill: the teardown still stops the server and unmounts the tmpfs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1_000_000)
    work = args.work or Path(tempfile.mkdtemp(prefix="docsearch-chaos-"))
    print(f"chaos: seed {seed}, work folder {work}", flush=True)
    outcome = chaos(args.seconds if args.seconds is not None else args.minutes * 60, seed, work,
                    default_kinds(args.enable + args.focus), args.rounds, log=lambda line: print(line, flush=True),
                    focus=set(args.focus))
    print(outcome.summary())
    sys.exit(1 if outcome.failure else 0)


if __name__ == "__main__":
    main()
