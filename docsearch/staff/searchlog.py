"""What visitors search for, without anything personal.

One line per search in ``instance/searches.jsonl``: the day, the query
(normalised: lower case, single spaces) and the number of documents found.
No address, no time of day, no session. ``search_report`` gives the most
frequent queries and the queries that found nothing over the last days.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from docsearch.corpus.atomic import write_atomic

_LOCK = threading.Lock()
MAX_QUERY = 200
KEEP_DAYS = 30
MAX_BYTES = 20 * 1024 * 1024  # past this, searches are no longer logged
# Contact details a visitor may type are never kept.
_CONTACT = re.compile(r"\S+@\S+|(?:\+|\b0)\d(?:[\s.-]?\d{2}){4}\b")


class SearchLog:
    def __init__(self, instance: Path) -> None:
        self.path = instance / "searches.jsonl"
        self._pruned_on = ""  # the day this process last dropped old lines

    def record(self, query: str, total: int) -> None:
        query = _CONTACT.sub("[coordonnées]", " ".join(query.lower().split()))[:MAX_QUERY]
        if not query:
            return
        today = dt.date.today().isoformat()
        line = json.dumps({"day": today, "q": query, "n": total}, ensure_ascii=False)
        with _LOCK:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._forget_old(today)
            if self.path.exists() and self.path.stat().st_size > MAX_BYTES:
                return
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")

    def _forget_old(self, today: str) -> None:
        """Once a day, drop the lines older than the report's window."""
        if self._pruned_on == today:
            return
        since = (dt.date.fromisoformat(today) - dt.timedelta(days=KEEP_DAYS)).isoformat()
        kept = [json.dumps(e, ensure_ascii=False) for e in self._entries() if e.get("day", "") >= since]
        write_atomic(self.path, ("\n".join(kept) + "\n" if kept else "").encode("utf-8"))
        self._pruned_on = today

    def report(self, days: int = KEEP_DAYS, top: int = 30) -> dict[str, Any]:
        since = (dt.date.today() - dt.timedelta(days=days)).isoformat()
        frequent: Counter[str] = Counter()
        empty: Counter[str] = Counter()
        searches = 0
        for entry in self._entries():
            if entry.get("day", "") < since:
                continue
            searches += 1
            frequent[entry["q"]] += 1
            if not entry.get("n"):
                empty[entry["q"]] += 1
        return {
            "days": days, "searches": searches,
            "frequent": [{"query": q, "count": n} for q, n in frequent.most_common(top)],
            "no_result": [{"query": q, "count": n} for q, n in empty.most_common(top)],
        }

    def _entries(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        entries = []
        for line in lines:
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a crash
        return entries
