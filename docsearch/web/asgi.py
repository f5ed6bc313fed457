"""The application for a server with several worker processes
(``docsearch serve --workers N``): each worker builds it from the
environment, which the ``serve`` command has filled from its options."""

from __future__ import annotations

from starlette.applications import Starlette

from ..config import Settings
from .app import create_app


def app() -> Starlette:
    return create_app(Settings.from_env())
