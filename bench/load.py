"""A bounded load on a running docsearch: N clients searching for S seconds.

    .venv/bin/python bench/load.py http://127.0.0.1:8000 [--clients 8] [--seconds 30]

Prints the number of requests, errors (non-200 answers or failed
connections), requests per second and the latency p50/p95/p99. Run it
while `docsearch index --rebuild` and uploads go on to see that searches
keep being answered.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import threading
import time
import urllib.parse
import urllib.request

DEFAULT_QUERIES = ["économie sociale", "insertion", "coopérative", "rapport activité 2012", "AMAP", "finance solidaire",
                   "ressourcerie", "mobilité", "habitat participatif", "zzz introuvable", "SCOP", "tourisme social"]


def run_load(base: str, clients: int, seconds: float, queries: list[str] | None = None) -> dict[str, float]:
    queries = queries or DEFAULT_QUERIES
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(seed: int) -> None:
        pick = random.Random(seed)
        while time.monotonic() < deadline:
            url = f"{base}/search?q={urllib.parse.quote(pick.choice(queries))}"
            started = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            with lock:
                latencies.append(time.monotonic() - started)
                errors[0] += 0 if ok else 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)

    return {"requests": len(latencies), "errors": errors[0], "per_second": round(len(latencies) / seconds, 1),
            "p50_ms": round(statistics.median(ordered) * 1000, 1), "p95_ms": pct(0.95), "p99_ms": pct(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    print(json.dumps(run_load(args.base.rstrip("/"), args.clients, args.seconds), indent=1))


if __name__ == "__main__":
    main()
