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


def french_pages(pages: list[int]) -> str:
    """[1, 2, 3, 5] → "pages 1 à 3 et 5"; [4] → "page 4"."""
    runs: list[tuple[int, int]] = []
    for page in sorted(set(pages)):
        if runs and page == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], page)
        else:
            runs.append((page, page))
    parts: list[str] = []
    for first, last in runs:
        parts += [str(first)] if first == last else [str(first), str(last)] if last == first + 1 else [f"{first} à {last}"]
    text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]
    return ("page " if len(set(pages)) == 1 else "pages ") + text if parts else ""


# Tesseract's model codes, as a visitor reads them.
LANGUAGE_NAMES = {"fra": "français", "eng": "anglais", "deu": "allemand", "spa": "espagnol", "ita": "italien",
                  "por": "portugais", "nld": "néerlandais", "oci": "occitan", "bre": "breton", "eus": "basque",
                  "cat": "catalan"}


def french_languages(codes: str) -> str:
    """"fra+eng" → "français et anglais"."""
    names = [LANGUAGE_NAMES.get(code, code) for code in codes.split("+") if code]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " et " + names[-1] if names else ""
