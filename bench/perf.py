"""Performance of docsearch beside Recoll, tantivy and SQLite FTS5, on the same generated corpus, in the same run.

    .venv/bin/python bench/perf.py [--docs 2000] [--html] [--repeats 3] [--work /tmp/docsearch-bench]
                                   [--queries 200] [--http-seconds 20] [--no-recoll] [--no-peers]
                                   [--server-workers N] [--ocr] [--plot] [--development]

Measures, for docsearch and for Recoll (``recollindex``/``recollq``, Debian
package ``recoll``): first ingestion (wall time, pages/s, peak memory),
rebuild with nothing changed (``index --rebuild``, which takes over the
live files when they are what the last full build wrote, and ``--rebuild
--fresh``, which writes every record again; both beside Recoll's first
ingestion), an update with nothing changed (``index``, beside ``recollindex``),
one file added until it is findable, query
latency (p50/p95/p99 over 200 queries of 1–3 words, top 10 with snippets,
page numbers and facet counts), the web server under ``wrk`` (2 and 8
connections, distinct queries, then a Zipf draw), and the index size. The
same 200 queries go to two in-process peers built from the text docsearch
extracted (``bench/peers.py``: tantivy, SQLite FTS5), asked for the same
top 10 with snippets and counts over all matches. Each measure is taken
``--repeats`` times (3 by default: these machines are noisy) and the table
gives the medians, each figure beside the peers' with their ratio. The
figures go to ``bench/results/<date>-<format>-<docs>.json`` (with the date,
the machine and the commit) and to the work folder; ``--plot`` redraws
``bench/results/perf.png`` from every result file present (``bench/plot.py``);
``--ocr`` also runs ``bench/ocr.py`` (docsearch's OCR beside ocrmypdf).
Missing tools are installed: recoll, wrk (and ocrmypdf with ``--ocr``) with
apt-get, tantivy and matplotlib with the ``bench`` extra.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.make_corpus import SECTORS, TOWNS, make_corpus  # noqa: E402
from bench.peers import PeerDocument, extracted_documents, make_peers, measure_peer  # noqa: E402

DOCSEARCH = [sys.executable, "-c", "from docsearch.cli import main; main()"]


# Measuring helpers -----------------------------------------------------------


def run_measured(command: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Wall time and peak memory (sum over the process tree) of a command."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], _tree_rss(process.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{command[:4]} failed: {err.decode()[-500:]}")
    return {"seconds": time.monotonic() - started, "peak_mb": peak[0] / 1024}


def _tree_rss(root: int) -> int:
    """Resident memory in KB of a process and all its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = int(re.search(r"PPid:\s+(\d+)", status).group(1))
        found = re.search(r"VmRSS:\s+(\d+)", status)
        children.setdefault(ppid, []).append(int(entry.name))
        rss[int(entry.name)] = int(found.group(1)) if found else 0
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {"p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": at(0.95), "p99_ms": at(0.99)}


def folder_size(path: Path, exclude: str = "") -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not (exclude and exclude in p.parts))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The queries -------------------------------------------------------------------


def draw_queries(count: int, seed: int) -> list[str]:
    """``count`` distinct queries of 1–3 words drawn from the corpus's own vocabulary."""
    rng = random.Random(seed)
    words = sorted({w for topics in SECTORS.values() for t in topics for w in t.replace("'", " ").split() if len(w) > 3})
    words += [t for t in TOWNS]
    # Distinct: a query drawn twice would be answered from docsearch's result
    # cache the second time (18 of the 200 were, before), and no query figure
    # may come from a cache. There are about 110 one-word queries, so a long
    # list holds more two- and three-word ones than the draw's 2 in 5.
    queries: dict[str, None] = {}
    while len(queries) < count:
        queries[" ".join(rng.sample(words, rng.choice((1, 1, 2, 2, 3))))] = None
    return list(queries)


# docsearch ---------------------------------------------------------------------


class Docsearch:
    def __init__(self, corpus: Path, work: Path) -> None:
        self.corpus, self.index, self.instance = corpus, work / "docsearch-index", work / "docsearch-instance"

    def cli(self, *args: str) -> list[str]:
        return [*DOCSEARCH, "--corpus", str(self.corpus), "--index", str(self.index), "--instance", str(self.instance), *args]

    def first_ingestion(self) -> dict[str, float]:
        shutil.rmtree(self.index, ignore_errors=True)
        return run_measured(self.cli("index", "-q"))

    def rebuild_unchanged(self) -> dict[str, float]:
        return run_measured(self.cli("index", "--rebuild", "-q"))

    def rebuild_fresh(self) -> dict[str, float]:
        """``index --rebuild --fresh``: every record written again (the plain rebuild takes over
        the live generation's files when they are what its last full build wrote)."""
        return run_measured(self.cli("index", "--rebuild", "--fresh", "-q"))

    def update_unchanged(self) -> dict[str, float]:
        """``docsearch index`` when nothing changed: what staff run after a day's work (Recoll's
        ``recollindex`` without ``-z`` is its peer)."""
        return run_measured(self.cli("index", "-q"))

    def add_until_found(self, new_file: Path, word: str) -> float:
        started = time.monotonic()
        subprocess.run(self.cli("add", str(new_file), "--sector", "culture"), check=True, stdout=subprocess.DEVNULL)
        while word not in subprocess.run(self.cli("search", word), capture_output=True, text=True).stdout:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        # Leave the corpus as generated, so that the next run can add the file again.
        subprocess.run(self.cli("remove", f"culture/{new_file.name}"), check=True, stdout=subprocess.DEVNULL)
        shutil.rmtree(self.corpus / ".corbeille", ignore_errors=True)
        self.wait_for_learning()
        return elapsed

    def wait_for_learning(self, limit: float = 300) -> None:
        """``add`` and ``remove`` answer first and train the learned classifier in a detached
        ``docsearch learn``: the next measures start once it is done, so that it does not run
        beside them (its time is not hidden: it is not on the add's path, as in real use)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline and _learning(self.instance):
            time.sleep(0.2)

    def queries(self, queries: list[str], cold: bool = False) -> dict[str, float]:
        """Each query once (no result is ever served from the result cache).
        ``cold``: the per-word scores kept by the searcher are dropped before
        each query too, as if every word were new."""
        from docsearch.config import Settings
        from docsearch.search.service import SearchRequest, SearchService

        service = SearchService(Settings(corpus_dir=self.corpus, index_dir=self.index, instance_dir=self.instance))
        service.search(SearchRequest(q="ouverture"))  # open the searcher once, as a server would
        times = []
        for query in queries:
            if cold:
                service.backend._current().ranker.forget()  # type: ignore[attr-defined]  # the Whoosh backend's
            started = time.monotonic()
            service.search(SearchRequest(q=query, per_page=10))
            times.append(time.monotonic() - started)
        return percentiles(times)

    def index_bytes(self) -> int:
        """The live generation. The one before it stays on disk until the next rebuild (searchers
        opened before the swap may still read it): counting both, as the runs of 2026-12-01 16:48
        and 16:55 did, doubled the figure (2,000 PDFs: 63.9 MB on disk, 32.0 MB live)."""
        live = (self.index / "CURRENT").read_text(encoding="utf-8").strip()
        return folder_size(self.index / live)


def _learning(instance: Path) -> bool:
    """Whether a ``docsearch learn`` of this instance is running."""
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"learn" in words and str(instance).encode() in words:
            return True
    return False


# Recoll ------------------------------------------------------------------------


class Recoll:
    def __init__(self, corpus: Path, work: Path) -> None:
        self.corpus, self.conf = corpus, work / "recoll-conf"

    def configure(self) -> None:
        shutil.rmtree(self.conf, ignore_errors=True)
        self.conf.mkdir(parents=True)
        (self.conf / "recoll.conf").write_text(
            f"topdirs = {self.corpus}\nindexstemminglanguages = french\nskippedNames+ = *.meta.toml\n"
            "loglevel = 1\nidxflushmb = 50\n", encoding="utf-8")

    def first_ingestion(self) -> dict[str, float]:
        self.configure()
        return run_measured(["recollindex", "-c", str(self.conf), "-z"])

    def update_unchanged(self) -> dict[str, float]:
        return run_measured(["recollindex", "-c", str(self.conf)])

    def add_until_found(self, new_file: Path, word: str) -> float:
        started = time.monotonic()
        target = self.corpus / "recoll-added" / new_file.name
        target.parent.mkdir(exist_ok=True)
        shutil.copy(new_file, target)
        subprocess.run(["recollindex", "-c", str(self.conf), "-i", str(target)], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while str(target) not in subprocess.run(["recollq", "-c", str(self.conf), word], capture_output=True, text=True).stdout:
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        target.unlink()
        return elapsed

    def queries(self, queries: list[str]) -> dict[str, float]:
        times = []
        for query in queries:
            started = time.monotonic()
            subprocess.run(["recollq", "-c", str(self.conf), "-n", "10", "-A", query], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            times.append(time.monotonic() - started)
        return percentiles(times)

    def index_bytes(self) -> int:
        return folder_size(self.conf / "xapiandb")


# The web server under wrk ------------------------------------------------------------

WRK_SCRIPT = r"""
local queries = {}
for line in io.lines(os.getenv("QUERIES")) do table.insert(queries, line) end
local zipf = os.getenv("ZIPF") == "1"
local counter = 0
local threads = 0
setup = function(thread)
  thread:set("id", threads)  -- a global of that thread's own interpreter
  threads = threads + 1
end
init = function(args)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1000000))
  if zipf then
    counter = math.random(#queries)
  else
    -- Distinct: each thread walks its own half of a list longer than the load's requests,
    -- so that no query is asked twice and none is answered from a cache.
    counter = id * math.floor(#queries / 2)
  end
end
request = function()
  counter = counter + 1
  local index
  if zipf then
    index = math.floor((#queries) ^ math.random())  -- a heavy head, a long tail
  else
    index = counter % #queries + 1
  end
  return wrk.format("GET", "/search?q=" .. queries[index])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.1f %.1f %.1f\n", summary.requests, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


# Distinct queries for each load of the web server: more than it can answer in the load's
# seconds (at most ~600 req/s here), so that none repeats. Until 2026-12-01 17:00 the
# "distinct" loads walked the 2,000 queries of the Zipf draw over and over: after the
# first 2,000 requests every answer came from the result cache (20,000 web pages: 510 req/s
# reported "distinct"; truly distinct, see the README).
DISTINCT_PER_SECOND = 700


def http_load(ds: Docsearch, work: Path, queries: list[str], seconds: int, workers: int,
              warmup: int = 5, seed: int = 1) -> dict[str, dict[str, float]]:
    def query_file(name: str, chosen: list[str]) -> Path:
        path = work / name
        path.write_text("\n".join(urllib.parse.quote_plus(q) for q in chosen) + "\n", encoding="utf-8")
        return path

    zipf_file = query_file("queries.txt", queries)
    # One list of distinct queries cut in disjoint parts: the warm-up and each load ask their own.
    wanted = DISTINCT_PER_SECOND * max(seconds, warmup)
    zipf_queries = set(queries)
    distinct = [q for q in draw_queries(3 * wanted + len(queries), seed + 7) if q not in zipf_queries]
    parts = {label: query_file(f"distinct-{n}.txt", distinct[n * wanted:(n + 1) * wanted])
             for n, label in enumerate(("warm-up", "2 connections, distinct", "8 connections, distinct"))}
    (work / "search.lua").write_text(WRK_SCRIPT, encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(ds.cli("serve", "--port", str(port), "--workers", str(workers)),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = {}
    try:
        _wait(f"http://127.0.0.1:{port}/index.json")
        # A server that has been running a little: each worker has opened its
        # searcher and read the field lengths (warm-up figures not reported).
        for label, connections, zipf in (("warm-up", 8, "0"), ("2 connections, distinct", 2, "0"),
                                         ("8 connections, distinct", 8, "0"), ("8 connections, Zipf", 8, "1")):
            env = {**os.environ, "QUERIES": str(zipf_file if zipf == "1" else parts[label]), "ZIPF": zipf}
            duration = warmup if label == "warm-up" else seconds
            out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
                                  "-s", str(work / "search.lua"), f"http://127.0.0.1:{port}"],
                                 capture_output=True, text=True, env=env)
            found = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+)", out.stdout)
            if found is None:
                raise RuntimeError(f"wrk gave no result: {out.stdout[-300:]} {out.stderr[-300:]}")
            requests, errors, p50, p95, p99 = found.groups()
            if label == "warm-up":
                continue
            results[label] = {"per_second": round(int(requests) / seconds, 1), "errors": int(errors),
                              "p50_ms": float(p50), "p95_ms": float(p95), "p99_ms": float(p99)}
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)
    return results


def _wait(url: str) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} never answered")


# The run -------------------------------------------------------------------------

RESULTS = PROJECT / "bench" / "results"


def main() -> None:
    args = _arguments()
    _ensure_tools(args)
    # A run stopped (SIGTERM) still stops the server it started (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = args.work / f"{args.docs}-{'html' if args.html else 'pdf'}-s{args.seed}"
    corpus, generated = work / "corpus", work / "corpus-generated"
    if not generated.is_file():  # a generation that was stopped is done again (the corpus is seeded)
        print(f"generating {args.docs} documents…", file=sys.stderr)
        shutil.rmtree(corpus, ignore_errors=True)
        make_corpus(corpus, args.docs, args.seed, args.html)
        generated.write_text(f"{args.docs} documents\n", encoding="utf-8")
    for leftover in [*corpus.glob("*/nouveau-*"), corpus / ".corbeille", corpus / "recoll-added"]:  # an interrupted run
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
    results: dict[str, object] = {
        "date": dt.datetime.now().isoformat(timespec="minutes"), "machine": _machine(), "commit": _commit(),
        "documents": args.docs, "pages": _pages(corpus), "format": "html" if args.html else "pdf",
        "repeats": args.repeats, "development": args.development,
    }
    if args.http_only:
        _http_only(args, corpus, work, results)
        return
    rounds = []
    peer_documents: list[PeerDocument] = []
    for number in range(args.repeats):
        print(f"round {number + 1} of {args.repeats}…", file=sys.stderr)
        rounds.append(_round(args, corpus, work, peer_documents))
    results.update(medians(rounds))
    results["rounds"] = rounds
    if not args.no_peers:
        results["peers"] = {peer.name: peer.analysis for peer in make_peers(work / "peers")}
    if args.http_seconds:
        results["server_workers"] = args.server_workers
    if args.ocr:
        results["ocr"] = _ocr(work, args.ocr_pages)
    _report(results, work, args.results)
    if args.plot:
        from bench.plot import plot

        print(f"plot: {plot(args.results)}")


def _round(args: argparse.Namespace, corpus: Path, work: Path, peer_documents: list[PeerDocument]) -> dict[str, object]:
    """Every measure once: what the run repeats, to give medians."""
    ds, rc = Docsearch(corpus, work), Recoll(corpus, work)
    queries = draw_queries(args.queries, args.seed)
    recoll = not args.no_recoll
    figures: dict[str, dict[str, object]] = {}
    figures["first_ingestion"] = {"docsearch": ds.first_ingestion()}
    if recoll:
        figures["first_ingestion"]["recoll"] = rc.first_ingestion()
    figures["rebuild_unchanged"] = {"docsearch": ds.rebuild_unchanged()}
    if not args.no_fresh_rebuild:
        figures["rebuild_fresh"] = {"docsearch": ds.rebuild_fresh()}
    figures["update_unchanged"] = {"docsearch": ds.update_unchanged()}
    if recoll:
        figures["update_unchanged"]["recoll"] = rc.update_unchanged()
    new_file = _new_document(work, args.html)
    figures["add_until_found"] = {"docsearch": {"seconds": ds.add_until_found(new_file, "zyxwalbum")}}
    if recoll:
        figures["add_until_found"]["recoll"] = {"seconds": rc.add_until_found(_new_document(work, args.html, 2), "zyxwalbum2")}
    figures["queries"] = {"docsearch": ds.queries(queries)}
    figures["queries_cold"] = {"docsearch": ds.queries(queries, cold=True)}
    if recoll:
        figures["queries"]["recoll"] = rc.queries(queries)
    figures["index_bytes"] = {"docsearch": ds.index_bytes(), **({"recoll": rc.index_bytes()} if recoll else {})}
    if not args.no_peers:
        if not peer_documents:  # the same text every round: read it once
            peer_documents += extracted_documents(corpus, ds.index, ds.instance)
        figures["peer_build"], figures["peer_answers"] = {}, {}
        for peer in make_peers(work / "peers"):
            measured = measure_peer(peer, peer_documents, queries)
            peer.close()
            figures["queries"][peer.name] = percentiles(measured.pop("times"))  # type: ignore[arg-type]
            figures["peer_build"][peer.name] = {"seconds": measured.pop("build_seconds")}
            figures["index_bytes"][peer.name] = measured.pop("index_bytes")
            figures["peer_answers"][peer.name] = measured  # matches, queries answered, snippets marked
    if args.http_seconds:
        # The server's figures are the noisiest (one run of record gave 362 and another 692 req/s
        # for the same Zipf draw): each round takes the median of --http-repeats loads.
        loads = _http_loads(args, ds, work)
        figures["http"] = medians(loads)  # type: ignore[arg-type]
    return figures


def _http_loads(args: argparse.Namespace, ds: Docsearch, work: Path) -> list[dict[str, dict[str, float]]]:
    """``--http-repeats`` loads of the web server (a Zipf draw over 2,000 queries, distinct ones beside)."""
    return [http_load(ds, work, draw_queries(2000, args.seed + 1), args.http_seconds, args.server_workers,
                      args.warmup_seconds, args.seed) for _ in range(args.http_repeats)]


def _http_only(args: argparse.Namespace, corpus: Path, work: Path, results: dict[str, object]) -> None:
    """Only the web server, on the index a full run left in the work folder."""
    ds = Docsearch(corpus, work)
    if not (ds.index / "CURRENT").is_file():
        sys.exit(f"no index in {ds.index}: run without --http-only first")
    loads = _http_loads(args, ds, work)
    results.update({"http": medians(loads), "http_rounds": loads, "server_workers": args.server_workers})  # type: ignore[arg-type]
    lines = [f"{results['documents']} {str(results['format']).upper()} documents, {results['date']}, web server only, "
             f"median of {args.http_repeats} load(s), `serve --workers {args.server_workers}`"]
    lines += [f"| /search, {label} | {f['per_second']} req/s, p95 {f['p95_ms']} ms, {f['errors']} errors |"
              for label, f in results["http"].items()]  # type: ignore[union-attr]
    print("\n".join(lines))
    args.results.mkdir(parents=True, exist_ok=True)
    name = f"{str(results['date']).replace(':', '-')}-{results['format']}-{results['documents']}-http.json"
    (args.results / name).write_text(json.dumps(results, indent=1) + "\n")
    print(f"figures: {args.results / name}")


def medians(rounds: list[dict[str, object]]) -> dict[str, object]:
    """The median of each figure over the rounds (same shape as one round)."""
    first = rounds[0]
    out: dict[str, object] = {}
    for key, value in first.items():
        others = [r.get(key) for r in rounds]
        if isinstance(value, dict):
            out[key] = medians([o for o in others if isinstance(o, dict)])  # type: ignore[misc]
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            numbers = [o for o in others if isinstance(o, (int, float))]
            median = statistics.median(numbers)
            out[key] = round(median) if all(isinstance(n, int) for n in numbers) else round(median, 4)
        else:
            out[key] = value
    return out


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--html", action="store_true", help="HTML pages instead of PDFs (for 20,000 documents)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "docsearch-bench")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON of the run goes")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of every measure (the table gives medians)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--http-seconds", type=int, default=20, help="0 to skip the web server")
    parser.add_argument("--http-repeats", type=int, default=3, help="loads of the web server per round (median)")
    parser.add_argument("--warmup-seconds", type=int, default=5, help="of the web server, before its figures")
    parser.add_argument("--no-recoll", action="store_true")
    parser.add_argument("--http-only", action="store_true",
                        help="only the web server, on the index the last run left in the work folder")
    parser.add_argument("--no-fresh-rebuild", action="store_true",
                        help="skip `index --rebuild --fresh` (minutes at 100,000 documents; no target there)")
    parser.add_argument("--no-peers", action="store_true", help="no tantivy, no FTS5")
    parser.add_argument("--server-workers", type=int, default=os.cpu_count() or 1,
                        help="`docsearch serve --workers` (default: one per core)")
    parser.add_argument("--ocr", action="store_true", help="also run bench/ocr.py (docsearch's OCR beside ocrmypdf)")
    parser.add_argument("--ocr-pages", type=int, default=12, help="scanned pages of the OCR comparison")
    parser.add_argument("--plot", action="store_true", help="redraw bench/results/perf.png from every result file")
    parser.add_argument("--development", action="store_true",
                        help="mark the figures as a development run (a busy machine): the plot prefers the others")
    return parser.parse_args()


# Tools ---------------------------------------------------------------------------


def _ensure_tools(args: argparse.Namespace) -> None:
    """What the run needs, installed when missing (like scripts/test does for
    chromium): Debian packages with apt-get, Python ones with the bench extra."""
    wanted = {}
    if not args.no_recoll:
        wanted["recollindex"] = "recoll"
    if args.http_seconds:
        wanted["wrk"] = "wrk"
    if args.ocr:
        wanted["ocrmypdf"] = "ocrmypdf"
    missing = sorted({package for command, package in wanted.items() if shutil.which(command) is None})
    if missing and shutil.which("apt-get"):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print(f"installing {' '.join(missing)} with apt-get…", file=sys.stderr)
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=False)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=False,
                       env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    for command, package in wanted.items():
        if shutil.which(command) is None:
            sys.exit(f"{command} is missing (Debian package {package}); install it, or run without it "
                     f"({'--no-recoll' if package == 'recoll' else '--http-seconds 0' if package == 'wrk' else 'no --ocr'})")
    modules = ["fpdf"] if not args.html else []
    modules += [] if args.no_peers else ["tantivy"]
    modules += ["matplotlib"] if args.plot else []
    modules += ["rapidfuzz"] if args.ocr else []
    if any(_missing_module(m) for m in modules):
        print("installing the bench extra (pip install -e '.[bench]')…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-e", f"{PROJECT}[bench]"], check=True)


def _missing_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is None


def _ocr(work: Path, pages: int) -> dict[str, object]:
    """bench/ocr.py's figures (its tables go to the terminal as they come)."""
    folder = work / "ocr"
    done = subprocess.run([sys.executable, str(PROJECT / "bench" / "ocr.py"), "--work", str(folder), "--pages", str(pages)],
                          check=False)
    try:
        return {"returncode": done.returncode, **json.loads((folder / "results.json").read_text())}
    except (OSError, ValueError):
        return {"returncode": done.returncode}


# What the run reports ---------------------------------------------------------------


def _pages(corpus: Path) -> int:
    total = 0
    for path in corpus.rglob("*.pdf"):
        total += len(re.findall(rb"/Type\s*/Page\b", path.read_bytes()))
    return total or sum(1 for _ in corpus.rglob("*.html"))


def _new_document(work: Path, html: bool, number: int = 1) -> Path:
    word = "zyxwalbum" if number == 1 else f"zyxwalbum{number}"
    path = work / f"nouveau-{number}.{'html' if html else 'pdf'}"
    if html:
        path.write_text(f"<html><head><title>Nouveau {number}</title></head><body><p>Le mot {word} est nouveau.</p></body></html>")
    else:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 6, f"Nouveau document {number}. Le mot {word} n'existait pas.")
        pdf.output(str(path))
    return path


def _machine() -> dict[str, object]:
    cpu = ram = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
        ram_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        ram = f"{ram_kb / 2**20:.1f} GB"
    except (OSError, AttributeError):
        pass
    return {"node": platform.node(), "arch": platform.machine(), "cores": os.cpu_count(), "ram": ram,
            "cpu": cpu or platform.processor(), "python": platform.python_version()}


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(PROJECT), *args], capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short=12", "HEAD")
    return commit + ("+changes" if commit and git("status", "--porcelain", "--untracked-files=no") else "")


ENGINES = (("docsearch", "docsearch"), ("recoll", "Recoll"), ("tantivy", "tantivy"), ("FTS5", "FTS5"))


def _report(results: dict[str, object], work: Path, folder: Path) -> None:
    present = [(key, label) for key, label in ENGINES if key == "docsearch" or key in results["queries"]]  # type: ignore[operator]
    head = ["figure"] + [c for key, label in present for c in ([label] if key == "docsearch" else [label, "ratio"])]
    rows: list[list[str]] = []

    def add(name: str, values: dict[str, float | None], unit: str) -> None:
        ours = values.get("docsearch")
        row = [name, f"{ours:.2f} {unit}".strip() if ours is not None else "—"]
        for key, _ in present[1:]:
            theirs = values.get(key)
            row += [f"{theirs:.2f} {unit}".strip() if theirs else "—",
                    f"{ours / theirs:.2f}" if ours is not None and theirs else "—"]
        rows.append(row)

    def pick(figure: str, key: str) -> dict[str, float | None]:
        return {engine: values.get(key) for engine, values in results.get(figure, {}).items()}  # type: ignore[union-attr]

    first = results["first_ingestion"]
    add("first ingestion", pick("first_ingestion", "seconds"), "s")
    add("  pages per second", {k: results["pages"] / v["seconds"] for k, v in first.items()}, "")  # type: ignore[union-attr, operator]
    add("  peak memory", pick("first_ingestion", "peak_mb"), "MB")
    recoll_first = first.get("recoll", {}).get("seconds")  # type: ignore[union-attr]
    add("rebuild, nothing changed (vs Recoll's first ingestion; peers: built from the extracted text)",
        {"docsearch": results["rebuild_unchanged"]["docsearch"]["seconds"], "recoll": recoll_first,  # type: ignore[index]
         **pick("peer_build", "seconds")}, "s")
    if "rebuild_fresh" in results:
        add("rebuild, nothing changed, every record written again (`--rebuild --fresh`)",
            {"docsearch": results["rebuild_fresh"]["docsearch"]["seconds"], "recoll": recoll_first,  # type: ignore[index]
             **pick("peer_build", "seconds")}, "s")
    add("update, nothing changed (`docsearch index`; Recoll: `recollindex`)", pick("update_unchanged", "seconds"), "s")
    add("one file added → findable", pick("add_until_found", "seconds"), "s")
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        add(f"query {key[:3]}", pick("queries", key), "ms")
    for key in ("p50_ms", "p95_ms"):
        add(f"query {key[:3]}, every word new to the searcher",
            {**pick("queries", key), "docsearch": results["queries_cold"]["docsearch"][key]}, "ms")  # type: ignore[index]
    add("index size", {k: v / 1e6 for k, v in results["index_bytes"].items()}, "MB")  # type: ignore[union-attr]
    for label, figures in results.get("http", {}).items():  # type: ignore[union-attr]
        rows.append([f"/search, {label}", f"{figures['per_second']} req/s, p95 {figures['p95_ms']} ms, "
                     f"{figures['errors']} errors"] + [""] * (len(head) - 2))
    table = "\n".join(f"| {' | '.join(row)} |" for row in [head, ["---"] * len(head), *rows])
    machine = results["machine"]
    header = (f"{results['documents']} {results['format'].upper()} documents ({results['pages']} pages), "  # type: ignore[attr-defined]
              f"{results['date']}, {machine['cpu']}, {machine['cores']} cores, {machine['ram']}, "  # type: ignore[index]
              f"Python {machine['python']}, commit {results['commit'] or '?'}, "  # type: ignore[index]
              f"median of {results['repeats']} round(s)"
              + (f", `serve --workers {results['server_workers']}`" if "server_workers" in results else "")
              + (" — development run (busy machine)" if results["development"] else ""))
    print(header)
    print(table)
    (work / "results.json").write_text(json.dumps(results, indent=1))
    (work / "results.md").write_text(f"{header}\n\n{table}\n")
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{str(results['date']).replace(':', '-')}-{results['format']}-{results['documents']}.json"
    (folder / name).write_text(json.dumps(results, indent=1) + "\n")
    print(f"figures: {folder / name}")


if __name__ == "__main__":
    main()
