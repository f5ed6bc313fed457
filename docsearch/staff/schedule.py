"""Crawls run by the server: "run now" and the daily or weekly schedule.

``Crawls.start`` runs one site's crawl in a thread of its own (a crawl takes
minutes: no request waits for it); ``Crawls.tick`` starts every followed
site whose crawl is due. The web app calls ``tick`` every ``crawl_tick``
seconds; a test calls it directly. Two server processes ticking at once
start a site once: ``SiteStore.begin`` lets one crawl per site run.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from docsearch.config import Settings
from docsearch.errors import UserError
from docsearch.staff.crawl import Indexer, crawl
from docsearch.staff.sites import Site, SiteStore

logger = logging.getLogger(__name__)


class Crawls:
    def __init__(self, settings: Settings, index: Indexer | None = None) -> None:
        self.settings, self.index = settings, index
        self.store = SiteStore(settings.instance_dir)

    def start(self, site: Site) -> threading.Thread:
        thread = threading.Thread(target=self._run, args=(site,), name=f"docsearch-crawl-{site.id}", daemon=True)
        thread.start()
        return thread

    def tick(self, now: datetime | None = None) -> list[threading.Thread]:
        """Start the crawls that are due; their threads (a test may join them)."""
        now = now or datetime.now(UTC)
        return [self.start(site) for site in self.store.sites() if site.due(now)]

    def _run(self, site: Site) -> None:
        try:
            report = crawl(self.settings, site.rules, self.store, self.index)
            logger.info("crawl of %s: %d new, %d changed, %d gone", site.rules.start_url, len(report.new),
                        len(report.changed), len(report.gone))
        except UserError as exc:  # already running (another process ticked first)
            logger.info("crawl of %s not started: %s", site.rules.start_url, exc)
        except Exception:
            logger.exception("crawl of %s failed", site.rules.start_url)
