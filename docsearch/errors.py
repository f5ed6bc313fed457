"""The error hierarchy of docsearch.

``UserError`` and its subclasses carry a message that is safe to show to a
user (one line, no traceback); everything else is a bug.
"""

from __future__ import annotations


class DocsearchError(Exception):
    """Base class of every error docsearch raises on purpose."""


class UserError(DocsearchError):
    """A mistake the user can fix: bad option, unknown document, bad input."""


class QueryError(UserError):
    """A search request that cannot be answered as asked (HTTP 400)."""


class IndexMissing(UserError):
    """There is no index yet at the configured place."""


class IndexUnavailable(UserError):
    """The live generation cannot be opened (damaged files, a garbled
    ``CURRENT``): searches answer 503 until a rebuild publishes a good one."""


class SchemaMismatch(UserError):
    """The index on disk was built by another version of the schema."""


# Each ``ExtractionError.reason``, as staff read it (upload errors, the "à vérifier" page).
FAILURE_REASONS = {
    "encrypted": "protégé par un mot de passe", "image-only": "image sans texte (document scanné)",
    "corrupt": "fichier abîmé", "empty": "fichier vide", "wrong-type": "contenu d'un autre type que son nom",
    "timeout": "lecture trop longue", "too-large": "trop volumineux", "crashed": "le lecteur s'est arrêté",
    "no-text": "page sans texte", "unreadable": "illisible sur le disque", "bad-filename": "nom de fichier invalide",
    "unsupported": "type non pris en charge", "missing-tool": "outil de lecture non installé (LibreOffice)",
}


class ExtractionError(DocsearchError):
    """A file could not be turned into text; ``reason`` is a short code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
