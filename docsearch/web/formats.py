"""French formats for the pages: numbers, dates, file sizes."""

from __future__ import annotations

import datetime as dt

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")
NARROW_NBSP = "\u202f"


def french_number(value: int | float) -> str:
    """1234 → "1 234" (with a narrow no-break space)."""
    return f"{value:,}".replace(",", NARROW_NBSP).replace(".", ",")


def french_date(value: str) -> str:
    """"2024-03-01T10:00:00" → "1er mars 2024"."""
    try:
        day = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return value or ""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def french_size(size: int) -> str:
    """1536 → "1,5 ko"; 2_400_000 → "2,3 Mo"."""
    for unit, scale in (("Mo", 1024 * 1024), ("ko", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}".replace(".", ",")
    return f"{size} octets"
