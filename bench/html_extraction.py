"""Main-content extraction of real web pages: docsearch's own against trafilatura.

    .venv/bin/python bench/html_extraction.py [--realworld DIR] [--verbose]

Over the HTML pages of ``../shared/realworld`` (``expected.tsv``, kind
``html``; or ``$DOCSEARCH_REALWORLD``), each extractor is scored on:

* phrases found — the page's expected phrase (a sentence of its article) is
  in the extracted text (compared after NFKC, case folding, ’ as ' and
  whitespace collapsed);
* boilerplate kept — a page's boilerplate lines are the text lines (at
  least 25 characters and 4 words) of its site chrome: ``nav``, ``aside``,
  ``header``/``footer`` outside ``main``/``article``, the ARIA roles
  navigation/banner/contentinfo/complementary/search, and any element whose
  ``id`` or ``class`` names a menu, cookie or consent banner, newsletter,
  share or social buttons, breadcrumb, sidebar, related articles, comments
  or advertising; lines holding the expected phrase are not counted. The
  score is the share of those lines found in the extracted text (lower is
  better).

Extractors: ``docsearch`` (``extraction.html.rules_text``, what
``extract_html`` did before this comparison: main/article/body minus
boilerplate tags), ``trafilatura`` (``trafilatura.extract`` on the text
docsearch decoded, tables kept, no comments, ``favor_recall``) and
``adopted`` (what ``extract_html`` does now: trafilatura unless it finds
less than ``MAIN_SHARE`` of docsearch's text, see ``extraction/html.py``).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning  # noqa: E402

from docsearch.extraction import html as html_extraction  # noqa: E402

CHROME_WORDS = re.compile(r"(menu|nav|cookie|consent|rgpd|gdpr|newsletter|share|partage|social|breadcrumb|ariane|sidebar|"
                          r"related|similaire|comment|advert|\bads?\b|\bpub\b|promo|abonn|subscribe|footer|header|banner|"
                          r"widget|outbrain|taboola)", re.I)
CHROME_ROLES = ("navigation", "banner", "contentinfo", "complementary", "search")


def normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold().replace("’", "'").replace("\u00a0", " ")
    return re.sub(r"\s+", " ", text).strip()


def boilerplate_lines(text: str, phrase: str) -> set[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "html.parser")
    for tag in soup.find_all(("script", "style", "noscript", "template")):
        tag.decompose()
    chrome = []
    for tag in soup.find_all(True):
        if tag.attrs is None:
            continue
        names = " ".join([str(tag.get("id") or ""), *[str(c) for c in (tag.get("class") or [])]])
        if (tag.name in ("nav", "aside") or str(tag.get("role") or "") in CHROME_ROLES
                or (tag.name in ("header", "footer") and tag.find_parent(("main", "article")) is None)
                or (names.strip() and CHROME_WORDS.search(names) and tag.name not in ("html", "body", "main", "article"))):
            chrome.append(tag)
    lines: set[str] = set()
    wanted = normalised(phrase)
    for tag in chrome:
        for raw in tag.get_text("\n").splitlines():
            line = normalised(raw)
            if len(line) >= 25 and len(line.split()) >= 4 and (not wanted or wanted not in line):
                lines.add(line)
    return lines


def before(data: bytes) -> str:
    return html_extraction.rules_text(data)


def trafilatura_only(data: bytes) -> str:
    import trafilatura

    return trafilatura.extract(html_extraction.decode_html(data), include_comments=False, include_tables=True,
                               favor_recall=True) or ""


def adopted(data: bytes) -> str:
    return "\n".join(html_extraction.extract_html(data).pages)


EXTRACTORS: dict[str, Callable[[bytes], str]] = {"docsearch": before, "trafilatura": trafilatura_only, "adopted": adopted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default = Path(os.environ.get("DOCSEARCH_REALWORLD") or PROJECT.parent / "shared" / "realworld")
    parser.add_argument("--realworld", type=Path, default=default)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    rows = [r for r in csv.DictReader((args.realworld / "expected.tsv").open(encoding="utf-8"), delimiter="\t")
            if r["kind"] == "html" and r["has_text"] == "yes"]
    if not rows:
        sys.exit(f"no HTML pages listed in {args.realworld / 'expected.tsv'}")
    totals = {name: {"found": 0, "kept": 0, "chars": 0, "seconds": 0.0} for name in EXTRACTORS}
    all_lines = 0
    french = {name: {"found": 0, "kept": 0} for name in EXTRACTORS}
    french_pages = french_lines = 0
    for row in rows:
        data = (args.realworld / row["file"]).read_bytes()
        lines = boilerplate_lines(html_extraction.decode_html(data), row["phrase"])
        all_lines += len(lines)
        is_french = row["lang"] == "fr"
        french_pages += is_french
        french_lines += len(lines) * is_french
        report = []
        for name, extract in EXTRACTORS.items():
            started = time.perf_counter()
            try:
                text = extract(data)
            except Exception as exc:  # an extractor failing on a page scores nothing on it
                text = ""
                report.append(f"{name}: error {type(exc).__name__}")
            totals[name]["seconds"] += time.perf_counter() - started
            flat = normalised(text)
            found = normalised(row["phrase"]) in flat
            kept = sum(1 for line in lines if line in flat)
            totals[name]["found"] += found
            totals[name]["kept"] += kept
            totals[name]["chars"] += len(text)
            if is_french:
                french[name]["found"] += found
                french[name]["kept"] += kept
            report.append(f"{name}: phrase {'✓' if found else '✗'} boilerplate {kept}/{len(lines)} chars {len(text)}")
        if args.verbose:
            print(f"{row['file']}\n  " + "\n  ".join(report))
    print(f"{len(rows)} pages ({french_pages} French), {all_lines} boilerplate lines ({french_lines} on French pages)")
    for name, t in totals.items():
        share = t["kept"] / all_lines if all_lines else 0.0
        fr_share = french[name]["kept"] / french_lines if french_lines else 0.0
        print(f"{name:12s} phrases {t['found']}/{len(rows)} (French {french[name]['found']}/{french_pages}); "
              f"boilerplate kept {t['kept']}/{all_lines} = {share:.0%} (French {fr_share:.0%}); "
              f"{t['chars'] / len(rows):.0f} chars/page; {t['seconds'] * 1000 / len(rows):.0f} ms/page")


if __name__ == "__main__":
    main()
