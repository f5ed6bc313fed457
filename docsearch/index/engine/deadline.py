"""The cost bound of one search: a deadline its loops look at.

A search has ``seconds`` (``Settings.search_timeout``) from the moment it
starts. The engine's loops that may run long (expanding wildcards over the
lexicon, counting matches leaf by leaf, collecting the page of hits) ask
``passed()`` as they go and, once it is true, stop with what they have:
the visitor gets what was found in time, with a note saying so, instead
of a worker thread held for seconds by a query crafted to be slow.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from whoosh.collectors import Collector, WrappingCollector

# Told to the visitor above results cut short; the search service shows it as is.
TIME_NOTE = "Recherche trop longue : elle a été arrêtée, les résultats affichés sont ceux trouvés à temps."
WILDCARD_NOTE = ("Requête écourtée : les jokers (*) désignent trop de mots de l'index, "
                 "seuls les mots trouvés en premier sont cherchés.")
CHECK_EVERY = 256  # iterations between two looks at the clock in the tightest loops


class Deadline:
    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds, self.clock = seconds, clock
        self.start = clock()
        self.reached = False

    def passed(self) -> bool:
        """Whether the search's time is up (and stays up once it is)."""
        if not self.reached and self.clock() - self.start >= self.seconds:
            self.reached = True
        return self.reached


class OutOfTime(Exception):
    """Raised inside Whoosh's collecting loop; the collector keeps what it collected."""


class DeadlineCollector(WrappingCollector):  # type: ignore[misc]  # Whoosh is untyped
    """Stops collecting at the deadline (raising ``OutOfTime``; ``results()``
    then gives the hits collected so far). Whoosh's ``TimeLimitCollector``
    uses SIGALRM, which only the main thread may handle, and a timer thread
    per search; searches run in the server's worker threads. It checks the
    matches as they come, so it goes inside a ``FilterCollector`` (which
    reads its child's matches), never around one."""

    def __init__(self, child: Collector, deadline: Deadline) -> None:
        super().__init__(child)
        self.deadline = deadline

    def matches(self) -> Iterator[int]:
        for n, sub_docnum in enumerate(self.child.matches()):
            if n % CHECK_EVERY == 0 and self.deadline.passed():
                raise OutOfTime
            yield sub_docnum
