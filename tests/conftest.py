"""Shared fixtures: tiny corpora on disk, settings pointing at them, the sample index."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from docsearch.config import Settings
from docsearch.index.update import update_index
from docsearch.search.service import SearchService

DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).parent.parent
SAMPLE_CORPUS = PROJECT / "corpus"
# ../shared/realworld beside the project, or wherever DOCSEARCH_REALWORLD points.
REALWORLD = Path(os.environ.get("DOCSEARCH_REALWORLD") or PROJECT.parent / "shared" / "realworld")


# Debian's Chromium, driven by Playwright (never a browser Playwright downloads).
CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def html_page(title: str, body: str, charset: str = "utf-8") -> bytes:
    """A small but complete web page, with site chrome around the article."""
    page = (
        f'<!doctype html><html lang="fr"><head><meta charset="{charset}"><title>{title}</title></head>'
        f"<body><nav>Accueil Menu</nav><main><h1>{title}</h1><p>{body}</p></main>"
        f"<footer>Mentions légales</footer></body></html>"
    )
    return page.encode(charset)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    return folder


@pytest.fixture
def settings(tmp_path: Path, corpus: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=tmp_path / "index", instance_dir=tmp_path / "instance",
                    workers=2, extract_timeout=30)


def copy_sample(corpus: Path, name: str, relpath: str | None = None) -> Path:
    target = corpus / (relpath or name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(DATA / name, target)
    return target


# What SearchService.search logs when a query trips the engine and is searched
# again as plain words: a query that gets there is a bug, even if it is answered.
RETRY_LOG = "search failed, retried as plain words"
# The notes a visitor may read above the results.
SYNTAX_NOTE = "La syntaxe de la requête n'a pas été comprise : elle est cherchée comme de simples mots."
LONG_NOTE = "Requête trop longue : seuls les 500 premiers caractères sont cherchés."
NO_WORD_NOTE = "Aucun mot à chercher : la requête ne contient que des mots trop courants."


def retried_searches(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The searches that fell into the service's catch-all retry."""
    return [record.getMessage() for record in caplog.records if record.getMessage().startswith(RETRY_LOG)]


@pytest.fixture(scope="session")
def sample_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped sample corpus, indexed once for the whole session."""
    root = tmp_path_factory.mktemp("sample")
    settings = Settings(corpus_dir=SAMPLE_CORPUS, index_dir=root / "index", instance_dir=root / "instance", workers=2)
    update_index(settings)
    return settings


@pytest.fixture(scope="session")
def sample_service(sample_settings: Settings) -> SearchService:
    return SearchService(sample_settings)
