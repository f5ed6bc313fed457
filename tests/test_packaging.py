"""An installed docsearch (a wheel, not the source tree) serves styled pages.

The templates and the stylesheet live in the repository's top-level ``web/``
folder and ship inside the wheel (``docsearch/_web``): a copy installed in a
fresh virtual environment, run from another folder, must find its own.
Everything here is offline: the wheel is built with the test environment's
hatchling, and the new environment borrows the test environment's
dependencies through a ``.pth`` file instead of downloading them.
"""

from __future__ import annotations

import signal
import site
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

from tests.conftest import PROJECT, html_page
from tests.test_cli import free_port, wait_for


def run(*command: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_an_installed_copy_run_elsewhere_serves_styled_pages(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
        "--wheel-dir", wheels, PROJECT)
    (wheel,) = wheels.glob("docsearch-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"docsearch/_web/static/style.css", "docsearch/_web/templates/base.html",
            "docsearch/_web/templates/staff/base.html", "docsearch/data/vocabulary.toml",
            "docsearch/data/thesaurus.toml"} <= names

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    purelib = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    # The dependencies (starlette, whoosh…) from the test environment; not its docsearch,
    # which a .pth line naming that folder does not bring (its own .pth files are not read).
    (purelib / "borrowed.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel)

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "corpus").mkdir(parents=True)
    (elsewhere / "corpus" / "festival.html").write_bytes(html_page("Festival solidaire", "L'économie sociale fait son festival."))
    found = run(python, "-c", "import docsearch.config as c; print(c.__file__); print(c.Settings().web_dir)", cwd=elsewhere)
    module, web_dir = (Path(line) for line in found.split())
    assert module.is_relative_to(venv) and web_dir == module.parent / "_web", found
    docsearch = venv / "bin" / "docsearch"
    run(docsearch, "index", cwd=elsewhere)

    port = free_port()
    server = subprocess.Popen([docsearch, "serve", "--port", str(port)], cwd=elsewhere,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        home = wait_for(f"http://127.0.0.1:{port}/").decode()
        assert 'rel="stylesheet" href="/static/style.css"' in home and "Festival solidaire" in home
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/style.css", timeout=10) as response:
            assert response.headers["content-type"].startswith("text/css")
            assert response.read() == (PROJECT / "web" / "static" / "style.css").read_bytes()
        search = wait_for(f"http://127.0.0.1:{port}/search?q=festival").decode()
        assert 'href="/static/style.css"' in search and "Résultats pour « festival »" in search
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
