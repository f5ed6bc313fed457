"""Turn a source file into text pages and embedded metadata.

``extract_file(path, max_bytes)`` reads the file, sniffs what its content is
(a ``.pdf`` must be a PDF), and hands it to the reader of that kind in
``registry.READERS``. Every failure is an ``ExtractionError`` with a short
reason. It runs inside an isolated worker process (see ``workers``).
"""

from docsearch.extraction.extracted import EXTRACTOR_VERSION, Extracted
from docsearch.extraction.registry import READERS, SUPPORTED_SUFFIXES, check_content, extract_file
from docsearch.extraction.sniff import sniff_kind

__all__ = ["EXTRACTOR_VERSION", "READERS", "SUPPORTED_SUFFIXES", "Extracted", "check_content", "extract_file", "sniff_kind"]
