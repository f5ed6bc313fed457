"""One frozen settings object, built once at the edge (CLI, web app, tests).

``Settings.from_env`` reads ``DOCSEARCH_*`` environment variables; explicit
keyword arguments (CLI options) win over them. Nothing deeper in the package
reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"
# The templates and static files: the top-level web/ folder of the repository,
# shipped inside the wheel as docsearch/_web (pyproject.toml, force-include).
# An installed copy uses its own; a source checkout (editable install) has
# only the top-level folder.
SHIPPED_WEB = Path(__file__).resolve().parent / "_web"
WEB_DIR = SHIPPED_WEB if SHIPPED_WEB.is_dir() else PROJECT_ROOT / "web"

_ENV_PREFIX = "DOCSEARCH_"
# Short names for the two settings people set most.
_ENV_ALIASES = {"DOCSEARCH_CORPUS": "corpus_dir", "DOCSEARCH_INDEX": "index_dir", "DOCSEARCH_INSTANCE": "instance_dir"}


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("index")
    # Accounts, the session secret, drafts and the search log: outside the
    # corpus and outside the web root.
    instance_dir: Path = Path("instance")
    vocabulary_file: Path = PACKAGE_DATA / "vocabulary.toml"
    synonyms_file: Path = PACKAGE_DATA / "synonyms.toml"
    thesaurus_file: Path = PACKAGE_DATA / "thesaurus.toml"  # keywords (see catalogue/thesaurus.py)
    web_dir: Path = WEB_DIR
    workers: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    # Processes writing the index when a run has at least index_parallel_from
    # documents to write (each writes a segment of its own).
    index_processes: int = field(default_factory=lambda: min(2, os.cpu_count() or 1))
    index_parallel_from: int = 200
    # Seconds one file may take to extract before its worker is killed.
    extract_timeout: float = 60.0
    # Address-space limit of an extraction worker, in MB (0: no limit).
    worker_memory_mb: int = 2048
    max_file_mb: int = 50
    fetch_timeout: float = 20.0
    fetch_max_mb: int = 20
    # Fetching from loopback and private addresses (this machine, the local
    # network) is refused unless allowed: a page address must not reach the
    # server's own neighbours.
    fetch_private: bool = False
    # Redirects followed for one address before giving up.
    fetch_max_redirects: int = 5
    # The crawler (docsearch crawl, "Sites suivis"): seconds between two
    # requests to one host unless robots.txt asks for more, the cap on what
    # its Crawl-delay may ask (a site asking 3600 s would never be crawled),
    # and the default caps of one crawl.
    crawl_delay: float = 1.0
    crawl_delay_max: float = 10.0
    crawl_max_pages: int = 500
    crawl_max_depth: int = 5
    # Seconds between two looks of the server's scheduler for a followed
    # site whose daily or weekly crawl is due.
    crawl_tick: float = 300.0
    # The address visitors use (https://ressources.example.org): absolute
    # links (permalinks, feeds, OpenSearch) use it instead of the Host header.
    public_url: str = ""
    # Seconds one search may take: past them it answers with what it found,
    # with a note (a query crafted to be slow holds a server thread no longer).
    search_timeout: float = 3.0
    # Addresses of the reverse proxies in front of `docsearch serve`
    # (comma-separated, "127.0.0.1" or "10.0.0.5,10.0.0.6"; "*" for any):
    # only from them are X-Forwarded-For and X-Forwarded-Proto believed. By
    # default none is: a visitor could otherwise choose the address the
    # sign-in throttle counts.
    trusted_proxies: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # OCR of scanned pages: Tesseract's languages ("fra+eng"), the time one
    # page may take, and whether to recognise at all.
    ocr_language: str = "fra+eng"
    ocr_page_timeout: float = 120.0
    ocr_enabled: bool = True
    # Caps per document, so that one file cannot hold the write lock for
    # minutes or fill the index (the measurements behind the numbers are in
    # docsearch/extraction/caps.py); what is cut is said in its warnings.
    max_pages: int = 5_000
    max_page_chars: int = 1_000_000
    max_document_chars: int = 5_000_000
    max_distinct_words: int = 30_000
    # OAI-PMH (/oai): records per page of a list (then a resumption token), and
    # the address Identify gives harvesters (default: documentation@<host>).
    oai_page_size: int = 100
    admin_email: str = ""
    # A CSV of metadata staff may import at once (20,000 rows of a full
    # catalogue export are about 6 MB).
    max_import_mb: int = 10
    # One upload request (many files, or a whole folder): how many files, and
    # their total size. 200 files of a typical 1 MB report fit; above, the
    # staff member sends the folder in several times.
    max_upload_files: int = 200
    max_upload_mb: int = 300

    @property
    def cache_dir(self) -> Path:
        return self.index_dir / "cache"

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def max_upload_bytes(self) -> int:
        return max(self.max_upload_mb, self.max_file_mb) * 1024 * 1024

    @property
    def max_import_bytes(self) -> int:
        return self.max_import_mb * 1024 * 1024

    @property
    def user_agent(self) -> str:
        """What the crawler and ``add URL`` say they are: docsearch, and where
        to find the centre (site owners see it in their logs)."""
        return f"docsearch/0.1 (+{self.public_url})" if self.public_url else "docsearch/0.1 (centre de ressources ESS)"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None, **overrides: object) -> Settings:
        """Settings from ``DOCSEARCH_*`` variables, then explicit overrides (None ignored)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        aliases = {field_name: alias for alias, field_name in _ENV_ALIASES.items()}
        for name, f in cls.__dataclass_fields__.items():
            raw = env.get(_ENV_PREFIX + name.upper()) or env.get(aliases.get(name, ""), "")
            if raw:
                values[name] = _convert(name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)  # type: ignore[arg-type]  # each value has its field's type (_convert, or the caller's)
        return replace(
            settings,
            corpus_dir=Path(settings.corpus_dir),
            index_dir=Path(settings.index_dir),
            instance_dir=Path(settings.instance_dir),
        )


_CONVERTERS: dict[str, Callable[[str], object]] = {"Path": Path, "int": int, "float": float, "str": str,
               "bool": lambda raw: raw.strip().lower() in ("1", "true", "yes", "oui")}


def _convert(name: str, raw: str, type_name: object) -> object:
    try:
        return _CONVERTERS[str(type_name)](raw)
    except ValueError:
        from docsearch.errors import UserError

        raise UserError(f"{_ENV_PREFIX}{name.upper()}={raw!r} is not a valid value") from None
