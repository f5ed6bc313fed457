"""docsearch: the search engine of an ESS documentation centre.

Data flow: source file (``sources``) → extracted text and embedded metadata
(``extract``) → document record with resolved metadata (``metadata``,
``records``) → Whoosh index (``indexstore``, ``pipeline``) → search service
(``search``) → CLI (``cli``) and web (``web``).
"""

__version__ = "0.1.0"
