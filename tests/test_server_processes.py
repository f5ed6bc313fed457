"""`docsearch serve --workers 2`: the sign-in limits and the search log hold across processes.

A real server with two worker processes on 127.0.0.1, spoken to over real
HTTP. Which worker answers a connection is read from /proc (the worker
holding the server side of that TCP connection), so the test knows its
requests were spread over both rather than hoping they were.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.staff.accounts import Accounts
from docsearch.staff.searchlog import SearchLog
from tests.conftest import html_page

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the connections from Linux's /proc")

PASSWORD = "un-mot-de-passe-solide"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, port: int, workers: list[int], instance: Path) -> None:
        self.port, self.workers, self.instance = port, workers, instance
        self.visitors: list[Visitor] = []

    def visitor(self, worker: int) -> Visitor:
        visitor = Visitor(self.port, self.workers, worker)
        self.visitors.append(visitor)
        return visitor


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(3):
        (corpus / f"page-{n}.html").write_bytes(html_page(f"Ressourcerie {n}", f"La ressourcerie numéro {n} répare."))
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance", workers=1)
    update_index(settings)
    accounts = Accounts(settings.instance_dir)
    accounts.add("marie", PASSWORD)
    accounts.add("paul", PASSWORD)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", "from docsearch.cli import main; main()", "--corpus", str(corpus),
         "--index", str(settings.index_dir), "--instance", str(settings.instance_dir),
         "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        running = Server(port, wait_for_workers(process, port), settings.instance_dir)
        yield running
        for visitor in running.visitors:
            visitor.connection.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


def wait_for_workers(process: subprocess.Popen[bytes], port: int) -> list[int]:
    """The pids of the two workers, once both answer."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {process.stderr.read().decode() if process.stderr else ''}")
        workers = children(process.pid)
        if len(workers) == 2:
            seen = set()
            for _ in range(40):
                try:
                    connection, local = connect(port)
                except OSError:
                    break
                with contextlib.closing(connection):
                    seen.add(worker_of(local, port, workers))
            if seen == set(workers):
                return workers
        time.sleep(0.2)  # polling for the start, not waiting for luck: the deadline is what fails
    raise AssertionError("the two workers did not both answer")


def children(pid: int) -> list[int]:
    """The worker processes multiprocessing spawned for uvicorn (not its resource tracker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in command:
                found.append(int(entry.name))
    return sorted(found)


def connect(port: int) -> tuple[http.client.HTTPConnection, int]:
    """A kept-alive connection that has been accepted, and its local port."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/index.json")
    response = connection.getresponse()
    response.read()
    assert response.status == 200
    assert connection.sock is not None
    return connection, connection.sock.getsockname()[1]


def worker_of(client_port: int, server_port: int, workers: list[int]) -> int:
    """The worker process that holds the server side of the connection from ``client_port``."""
    wanted = (f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}")
    inode = ""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if (fields[1], fields[2]) == wanted:
            inode = fields[9]
    assert inode, "connection not found in /proc/net/tcp"
    for pid in workers:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


class Visitor:
    """One browser: a kept-alive connection to a known worker, and its session cookie."""

    def __init__(self, port: int, workers: list[int], worker: int) -> None:
        for _ in range(200):
            self.connection, local = connect(port)
            if worker_of(local, port, workers) == worker:
                break
            self.connection.close()
        else:
            raise AssertionError(f"no connection reached worker {worker}")
        self.worker, self.cookie = worker, ""

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"cookie": self.cookie} if self.cookie else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["content-type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode("utf-8")
        cookie = response.getheader("set-cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def sign_in(self, name: str, password: str) -> int:
        _, page = self.request("GET", "/gestion/connexion")
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token is not None, page[:300]
        return self.request("POST", "/gestion/connexion", {"nom": name, "mot_de_passe": password, "csrf": token.group(1)})[0]


def test_sign_in_failures_on_both_workers_lock_at_the_documented_count(server) -> None:
    workers = server.workers
    # Eight failures at once, four on each worker (at once, so the slow-down
    # they earn runs in parallel): the README's "after 8 in 10 minutes".
    visitors = [server.visitor(workers[i % 2]) for i in range(8)]
    answers: list[int] = []
    threads = [threading.Thread(target=lambda v=v: answers.append(v.sign_in("marie", "mauvais mot de passe")))
               for v in visitors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [401] * 8
    # Each worker alone saw four: only the shared count locks the account, on both.
    for worker in workers:
        assert server.visitor(worker).sign_in("marie", PASSWORD) == 429


def test_searches_on_both_workers_are_all_in_the_log(server) -> None:
    # Two visitors on each worker, searching at the same time.
    visitors = [server.visitor(server.workers[i % 2]) for i in range(4)]
    statuses: list[int] = []

    def search(visitor: Visitor, numbers: range) -> None:
        for n in numbers:
            statuses.append(visitor.request("GET", f"/search?q=ressourcerie+{n}")[0])

    threads = [threading.Thread(target=search, args=(v, range(i, 40, 4))) for i, v in enumerate(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 40
    staff = visitors[0]
    assert staff.sign_in("paul", PASSWORD) == 303
    status, report = staff.request("GET", "/gestion/recherches")
    assert status == 200
    assert "40 recherches du " in report and "(30 jours)" in report
    frequent = report.split('id="frequentes"')[1].split("</section>")[0]
    assert len(re.findall(r"ressourcerie \d+</a>", frequent)) == 30  # the page lists the 30 most frequent
    logged = SearchLog(server.instance).report(top=100).frequent
    assert sorted(q.query for q in logged) == sorted(f"ressourcerie {n}" for n in range(40))
