"""The Whoosh engine: query parsing, ranking, facets, snippets and
suggestions over a Whoosh index, behind ``WhooshBackend``."""

from docsearch.index.engine.whoosh_backend import WhooshBackend
from docsearch.index.lookup import find_document

__all__ = ["WhooshBackend", "find_document"]
