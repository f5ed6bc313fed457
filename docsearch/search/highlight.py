"""The searched words marked in a document's text, for its page.

``highlight(text, words)`` escapes ``text`` for HTML and wraps in ``<mark>``
every word whose index term (folded, stemmed: the analyzer's
``word_terms``) is one of the searched words' terms, so "insertion" marks
*Insertion* and *insertions*, and "economie" marks *économie*, as the
search itself matched them. Stop words are never marked.
"""

from __future__ import annotations

import html

from docsearch.index.analysis import WORD, word_terms


def highlight(text: str, words: list[str]) -> str:
    """``text`` as HTML, with the words of ``words`` (and their inflections) marked."""
    wanted = {terms[1] for word in words for token in WORD.findall(word) if (terms := word_terms(token))}
    if not wanted:
        return html.escape(text, quote=False)
    out, last = [], 0
    for match in WORD.finditer(text):
        terms = word_terms(match.group())
        if terms and terms[1] in wanted:
            out += [html.escape(text[last:match.start()], quote=False), "<mark>",
                    html.escape(match.group(), quote=False), "</mark>"]
            last = match.end()
    out.append(html.escape(text[last:], quote=False))
    return "".join(out)

