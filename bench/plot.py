"""How cost grows: ingestion time, query p50/p95 and index size against the
corpus size, docsearch beside Recoll, tantivy and SQLite FTS5, drawn from the
result files of ``bench/perf.py``.

    .venv/bin/python bench/plot.py [--results bench/results] [--out bench/results/perf.png]

For each corpus size the latest run is drawn; runs marked ``development``
(taken on a busy machine) only when there is no other, and the title then
says so. tantivy's and FTS5's "ingestion" is their build from the text
docsearch extracted (no extraction of their own), drawn dashed.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ENGINES = {"docsearch": ("docsearch", "#1f5fa8"), "recoll": ("Recoll", "#b5651d"),
           "tantivy": ("tantivy", "#2e8b57"), "FTS5": ("SQLite FTS5", "#8b3a8b")}
PEERS = ("tantivy", "FTS5")


def latest_runs(folder: Path) -> tuple[list[dict[str, object]], bool]:
    """The latest run of each size (quiet runs first); and whether they are development runs."""
    runs = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "documents" in data and "queries" in data:
            runs.append(data)
    quiet = [r for r in runs if not r.get("development")]
    chosen, development = (quiet, False) if quiet else (runs, bool(runs))
    by_size: dict[int, dict[str, object]] = {}
    for run in sorted(chosen, key=lambda r: str(r["date"])):
        by_size[int(run["documents"])] = run  # type: ignore[call-overload]
    return [by_size[n] for n in sorted(by_size)], development


def _series(runs: list[dict[str, object]], figure: str, engine: str, key: str | None, scale: float = 1.0
            ) -> tuple[list[int], list[float]]:
    xs, ys = [], []
    for run in runs:
        value = run.get(figure, {}).get(engine)  # type: ignore[attr-defined]
        if isinstance(value, dict):
            value = value.get(key)
        if isinstance(value, (int, float)) and value > 0:
            xs.append(int(run["documents"]))  # type: ignore[call-overload]
            ys.append(value * scale)
    return xs, ys


def plot(folder: Path = RESULTS, out: Path | None = None) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs, development = latest_runs(folder)
    out = out or folder / "perf.png"
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    panels = [
        (axes[0][0], "ingestion (s)", [("first_ingestion", e, "seconds") for e in ("docsearch", "recoll")]
         + [("peer_build", e, "seconds") for e in PEERS]),
        (axes[0][1], "index size (MB)", [("index_bytes", e, None) for e in ENGINES]),
        (axes[1][0], "query p50 (ms)", [("queries", e, "p50_ms") for e in ENGINES]),
        (axes[1][1], "query p95 (ms)", [("queries", e, "p95_ms") for e in ENGINES]),
    ]
    for ax, title, lines in panels:
        for figure, engine, key in lines:
            xs, ys = _series(runs, figure, engine, key, 1e-6 if figure == "index_bytes" else 1.0)
            if not xs:
                continue
            label, colour = ENGINES[engine]
            if figure == "peer_build":
                label += " (built from the extracted text)"
            if engine == "recoll" and figure == "queries":
                label += " (recollq, process start included)"
            ax.plot(xs, ys, marker="o", color=colour, label=label, linestyle="--" if figure == "peer_build" else "-")
        ax.set_title(title)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("documents in the corpus")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="best", framealpha=0.6)
    sizes = ", ".join(f"{r['documents']} {str(r['format']).upper()} ({str(r['date'])[:10]})" for r in runs)
    fig.suptitle(f"How cost grows — {sizes or 'no result yet'}"
                 + (" — development runs, busy machine" if development else ""), fontsize=10)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    print(plot(args.results, args.out))


if __name__ == "__main__":
    main()
