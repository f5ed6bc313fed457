"""bench/perf.py end to end at a tiny size, so that the harness cannot rot
silently: 30 generated web pages, docsearch beside tantivy and SQLite FTS5
(and Recoll and the web server under wrk when installed), the JSON of the
run and the plot."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RECOLL = shutil.which("recollindex") is not None and shutil.which("recollq") is not None
WRK = shutil.which("wrk") is not None

pytest.importorskip("tantivy", reason="the bench extra is not installed (pip install -e '.[bench]')")
pytest.importorskip("matplotlib", reason="the bench extra is not installed (pip install -e '.[bench]')")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, object], Path]:
    work = tmp_path_factory.mktemp("perf")
    results = work / "results"
    command = [sys.executable, str(ROOT / "bench" / "perf.py"), "--docs", "30", "--html", "--repeats", "1",
               "--queries", "40", "--work", str(work), "--results", str(results), "--plot", "--development"]
    http = ["--http-seconds", "1", "--warmup-seconds", "1", "--server-workers", "1", "--http-repeats", "1"]
    command += http if WRK else ["--http-seconds", "0"]
    command += [] if RECOLL else ["--no-recoll"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    files = sorted(results.glob("*-html-30.json"))
    assert len(files) == 1, list(results.iterdir())
    return done.stdout, json.loads(files[0].read_text()), results


def test_the_peers_answer_the_same_queries_beside_docsearch(run: tuple[str, dict[str, object], Path]) -> None:
    stdout, figures, results = run
    header = stdout.splitlines()[0]
    assert "30 HTML documents" in header and "development run" in header
    assert "| figure | docsearch |" in stdout and "| tantivy | ratio | FTS5 | ratio |" in stdout
    queries = figures["queries"]
    for engine in ("docsearch", "tantivy", "FTS5"):
        assert 0 < queries[engine]["p50_ms"] <= queries[engine]["p95_ms"], engine  # type: ignore[index]
        assert figures["index_bytes"][engine] > 0  # type: ignore[index]
    for peer in ("tantivy", "FTS5"):
        answers = figures["peer_answers"][peer]  # type: ignore[index]
        # The queries are words of the corpus: nearly all find documents, with marked snippets.
        assert answers["answered"] >= 35, answers
        assert answers["snippets"] >= answers["answered"], answers  # marked snippets
        assert figures["peer_build"][peer]["seconds"] > 0  # type: ignore[index]
        assert peer in figures["peers"]  # type: ignore[operator]  # the analysis it was given
    assert figures["update_unchanged"]["docsearch"]["seconds"] > 0  # type: ignore[index]
    assert figures["rebuild_fresh"]["docsearch"]["seconds"] > 0  # type: ignore[index]
    assert "`--rebuild --fresh`" in stdout
    assert "no stemmer" in figures["peers"]["FTS5"]  # type: ignore[index]
    machine = figures["machine"]
    assert machine["cores"] and machine["cpu"] and machine["ram"]  # type: ignore[index]
    assert figures["commit"] and figures["repeats"] == 1 and len(figures["rounds"]) == 1  # type: ignore[arg-type]
    assert (results / "perf.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not RECOLL, reason="recoll is not installed (apt-get install recoll): its figures are not checked")
def test_recoll_is_measured_in_the_same_run(run: tuple[str, dict[str, object], Path]) -> None:
    _, figures, _ = run
    assert figures["first_ingestion"]["recoll"]["seconds"] > 0  # type: ignore[index]
    assert figures["queries"]["recoll"]["p95_ms"] > 0  # type: ignore[index]
    assert figures["add_until_found"]["recoll"]["seconds"] > 0  # type: ignore[index]
    assert figures["update_unchanged"]["recoll"]["seconds"] > 0  # type: ignore[index]


@pytest.mark.skipif(not WRK, reason="wrk is not installed (apt-get install wrk): the web server is not measured")
def test_the_web_server_answers_every_request_under_load(run: tuple[str, dict[str, object], Path]) -> None:
    _, figures, _ = run
    http = figures["http"]
    assert set(http) == {"2 connections, distinct", "8 connections, distinct", "8 connections, Zipf"}  # type: ignore[arg-type]
    for label, load in http.items():  # type: ignore[attr-defined]
        assert load["per_second"] > 0 and load["errors"] == 0, (label, load)
