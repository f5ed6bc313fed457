""""Documents similaires": the documents that share a document's subject.

The most telling words of the document's pages (Whoosh's ``key_terms``,
the Bo1 model) are searched in the other documents' text. Alone, that
finds the document's siblings rather than its subject: the sector sheets
share their template ("fiche secteur", "chiffres clés", the publisher's
address), words rare in the corpus and so the most telling of all, and the
IAE sheet got only other sheets. Two rules make the list follow the
subject across types:

* a word that is the template of the document's type — most documents of
  that type have it, and most documents that have it are of that type — is
  not searched;
* at most half of the list (rounded up) is of the document's own type, the
  rest are the best of the other types.

On the sample corpus, the IAE sheet's five were five other sector sheets;
they are now the open day of a "chantier d'insertion" (a web page), the
activity reports of an insertion garden and of a ressourcerie, and two more
reports and studies (``tests/test_fields.py``).
"""

from __future__ import annotations

from whoosh import query as Q
from whoosh.searching import Searcher

from docsearch.index.backend import StoredDocument
from docsearch.index.lookup import stored_document

KEY_TERMS = 40  # words of the document looked at…
SEARCHED_TERMS = 20  # …and searched, once its type's template words are left out
TEMPLATE_SHARE = 0.5  # of its type's documents having the word, and of the word's documents of that type
MIN_TEMPLATED = 3  # documents of a type, besides this one, for its template to be told
CANDIDATES = 8  # times the list's length, looked at to fill it with other types


def similar_documents(searcher: Searcher, doc_id: str, limit: int) -> list[StoredDocument]:
    pages = list(searcher.document_numbers(doc_id=doc_id, kind="page"))
    own = list(searcher.document_numbers(doc_id=doc_id, kind="doc"))
    if not pages or not own or limit <= 0:
        return []
    doctype = str(searcher.stored_fields(own[0]).get("doctype", ""))
    key_terms = searcher.key_terms(pages, "page_text", numterms=KEY_TERMS)
    same_type = set(searcher.docs_for_query(Q.Term("doctype", doctype))) - set(own) if doctype else set()
    documents = searcher.doc_frequency("kind", "doc")
    # A type with a template: a few documents, not most of the corpus (whose common words IDF already discounts).
    templated = MIN_TEMPLATED <= len(same_type) <= TEMPLATE_SHARE * documents
    terms = [(term, weight) for term, weight in key_terms
             if not (templated and _template(searcher, term, same_type))] or key_terms
    query = Q.Or([Q.Term("content", term, boost=weight) for term, weight in terms[:SEARCHED_TERMS]])
    hits = searcher.search(query, limit=limit * CANDIDATES, filter=Q.Term("kind", "doc"), mask=set(own))
    found = [(hit.docnum, stored_document(hit.fields())) for hit in hits]
    # At most half of the list of the document's own type; the others keep their rank.
    room_same = (limit + 1) // 2
    kept: list[StoredDocument] = []
    for docnum, doc in found:
        if docnum in same_type:
            if room_same == 0:
                continue
            room_same -= 1
        kept.append(doc)
        if len(kept) == limit:
            break
    if len(kept) < limit:  # too few of other types: fill with the rest, in rank order
        kept += [doc for _, doc in found if doc not in kept][: limit - len(kept)]
    return kept


def _template(searcher: Searcher, term: str, same_type: set[int]) -> bool:
    """Whether ``term`` is its type's template: on most of the type's documents, and mostly on them."""
    having = set(searcher.docs_for_query(Q.Term("content", term)))
    shared = len(having & same_type)
    return shared >= TEMPLATE_SHARE * len(same_type) and shared >= TEMPLATE_SHARE * len(having)
