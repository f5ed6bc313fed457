"""Generate the tiny sample files used by the unit tests, in ``tests/data/``.

Each file exercises one behaviour of the text extraction: a well-formed
French PDF (metadata, per-page text, a word hyphenated across a line break, a
ligature), encrypted PDFs, broken or fake PDFs, and HTML pages with tricky
encodings, boilerplate and escaped markup. ``tests/data/README.md`` lists them.

The output is deterministic: fixed creation dates, and the encrypted PDFs use
RC4-128 (no random IV) with a file identifier copied from the source PDF, so
rerunning gives identical bytes.

Usage::

    .venv/bin/python scripts/make_test_samples.py [--out tests/data]
"""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject

ROOT = Path(__file__).resolve().parent.parent
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
CEST = timezone(timedelta(hours=2))
FIXED_DATE = datetime(2015, 1, 15, 12, 0, tzinfo=UTC)

# ---------------------------------------------------------------------------
# PDF files
# ---------------------------------------------------------------------------


def new_pdf(created: datetime = FIXED_DATE) -> FPDF:
    """A4 document with the DejaVu fonts loaded and a fixed creation date."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(created)
    pdf.set_margins(20, 20, 20)
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))  # one font keeps files small
    return pdf


def heading(pdf: FPDF, text: str) -> None:
    """Title line, in a larger size."""
    pdf.set_font("DejaVu", "", 16)
    pdf.multi_cell(0, 8, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def paragraph(pdf: FPDF, text: str) -> None:
    """Left-aligned body text; explicit newlines in `text` force line breaks."""
    pdf.set_font("DejaVu", "", 11)
    pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def good_report() -> bytes:
    """3 pages; hyphenation and ligature on page 2, 'compostage' only on page 3."""
    pdf = new_pdf(datetime(2011, 6, 30, 10, 0, tzinfo=CEST))
    pdf.set_title("Rapport d'activité 2011")
    pdf.set_subject("Bilan annuel d'une ressourcerie du Bocage normand")
    pdf.set_keywords("ressourcerie, réemploi")
    pdf.set_author("Ressourcerie du Bocage")
    pdf.add_page()
    heading(pdf, "Rapport d'activité 2011 — Ressourcerie du Bocage")
    paragraph(pdf, "La Ressourcerie du Bocage collecte les objets dont les habitants n'ont plus "
                   "l'usage, les répare et les revend à petit prix. Association loi 1901, elle "
                   "emploie douze salariés en insertion et s'appuie sur une vingtaine de bénévoles.")
    pdf.add_page()
    heading(pdf, "Réemploi et emploi local")
    paragraph(pdf, "Cette année, la ressourcerie a renforcé sa place dans l'éco-\n"
                   "nomie circulaire du territoire de Vire.")
    paragraph(pdf, "Le \ufb01nancement de la nouvelle boutique a été assuré par la Région, le "
                   "Département et une fondation d'entreprise.")
    pdf.add_page()
    heading(pdf, "Perspectives")
    paragraph(pdf, "En 2012, une plateforme de compostage partagé sera ouverte avec les jardins "
                   "familiaux, et les ateliers de réparation seront proposés chaque samedi.")
    return bytes(pdf.output())


def short_document(title: str, text: str) -> bytes:
    """One-page French document used as the plaintext of the encrypted samples."""
    pdf = new_pdf()
    pdf.set_title(title)
    pdf.add_page()
    heading(pdf, title)
    paragraph(pdf, text)
    return bytes(pdf.output())


def encrypt(plain: bytes, user_password: str, owner_password: str) -> bytes:
    """Encrypt with pypdf (RC4-128), keeping the source file identifier for determinism."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(plain)))
    writer.encrypt(user_password=user_password, owner_password=owner_password,
                   algorithm="RC4-128")
    # pypdf draws the second half of /ID at random; the key only depends on the first.
    writer._ID = ArrayObject((writer._ID[0], writer._ID[0]))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def owner_only() -> bytes:
    """Encrypted with an empty user password: opens without a password."""
    plain = short_document("Chantier d'insertion des Jardins du Val",
                           "Le chantier d'insertion accueille des personnes éloignées de l'emploi "
                           "et leur propose un contrat de travail en maraîchage biologique.")
    return encrypt(plain, user_password="", owner_password="owner")


def user_password() -> bytes:
    """Encrypted with user password 'secret': cannot be read without it."""
    plain = short_document("Document confidentiel",
                           "Compte rendu du conseil d'administration de la coopérative.")
    return encrypt(plain, user_password="secret", owner_password="owner")


def truncated() -> bytes:
    """The first 60 % of the bytes of a valid 4-page PDF (no xref, no trailer)."""
    pdf = new_pdf()
    for number in range(1, 5):
        pdf.add_page()
        heading(pdf, f"Partie {number}")
        paragraph(pdf, "L'économie sociale et solidaire rassemble des associations, des "
                       "coopératives, des mutuelles et des fondations. " * 6)
    data = bytes(pdf.output())
    return data[: int(len(data) * 0.6)]


def scanned_image() -> Image.Image:
    """A small greyscale picture that looks vaguely like a scanned page."""
    image = Image.new("L", (160, 226), color=245)
    draw = ImageDraw.Draw(image)
    draw.rectangle((14, 14, 146, 40), fill=60)
    for top in range(56, 210, 12):
        draw.line((14, top, 146 - (top % 5) * 9, top), fill=120, width=3)
    return image


def image_only() -> bytes:
    """One page holding only an image: no text, no font."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_page()
    pdf.image(scanned_image(), x=20, y=20, w=170)
    return bytes(pdf.output())


# ---------------------------------------------------------------------------
# HTML files
# ---------------------------------------------------------------------------

LATIN1_HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="iso-8859-1">
<title>Délégation régionale à l'économie sociale et solidaire</title>
</head>
<body>
<nav><a href="/">Accueil</a> <a href="/menu">Menu</a> <a href="/contact">Contact</a></nav>
<main>
<h1>Délégation régionale à l'économie sociale et solidaire</h1>
<p>La Délégation soutient le développement de l'économie sociale et solidaire en Normandie.
Elle a aidé cette année une coopérative de menuisiers à se créer à Vernon.</p>
</main>
<footer>Mentions légales - Plan du site</footer>
</body>
</html>
"""

UNDECLARED_CP1252_HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<title>Les acteurs de l'économie solidaire</title>
</head>
<body>
<main>
<h1>Les acteurs de l’économie solidaire</h1>
<p>L’économie solidaire regroupe des initiatives très variées : épiceries solidaires,
recycleries, cafés associatifs au cœur des villages. Une adhésion coûte 10 €.</p>
</main>
</body>
</html>
"""

# What most "iso-8859-1" pages really are: Windows-1252, with ’ (0x92) and € (0x80),
# which browsers show because the WHATWG Encoding Standard reads the label so.
LABELLED_LATIN1_CP1252_HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">
<title>L’épicerie solidaire de Lisieux</title>
</head>
<body>
<main>
<h1>L’épicerie solidaire de Lisieux</h1>
<p>L’épicerie solidaire vend des produits frais à petits prix : le panier de légumes
coûte 3 € aux adhérents, et l’adhésion 5 € par an.</p>
</main>
</body>
</html>
"""

UTF8_BOM_HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="iso-8859-1">
<title>Économie sociale et solidaire à Caen</title>
</head>
<body>
<main>
<h1>Économie sociale et solidaire à Caen</h1>
<p>Économie sociale et solidaire à Caen : plus de quatre cents structures employeuses
et des milliers de bénévoles.</p>
</main>
</body>
</html>
"""

BOILERPLATE_HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Les AMAP en Normandie | Portail ESS</title>
<meta name="description" content="Panorama des AMAP normandes : paniers, maraîchers et circuits courts.">
<meta name="keywords" content="AMAP, circuits courts, agriculture biologique">
<meta name="DC.date" content="2019-05-14">
<meta name="DC.subject" content="Agriculture et alimentation">
<meta property="article:published_time" content="2019-05-14T10:00:00+02:00">
<style>.stylezzz { color: red; } body { margin: 0; }</style>
<script>var scriptzzz = "tracking";</script>
</head>
<body>
<header><p>Portail ESS — entetezzz</p></header>
<nav><ul><li><a href="/">navigationzzz</a></li><li><a href="/agenda">Agenda</a></li></ul></nav>
<article>
<h1>Les AMAP en Normandie</h1>
<p>Les associations pour le maintien d'une agriculture paysanne (AMAP) relient des familles
et des maraîchers. Chaque semaine, les adhérents récupèrent leur panier de légumes de saison.</p>
<p>On compte aujourd'hui plus de quatre-vingts AMAP en Normandie, surtout autour de Rouen et de Caen.</p>
</article>
<aside><h2>À lire aussi</h2><p>asidezzz</p></aside>
<form action="/newsletter" method="post"><label>formulairezzz</label><input type="email" name="email"></form>
<noscript>noscriptzzz : activez JavaScript</noscript>
<footer><p>piedzzz — Mentions légales</p></footer>
<script>console.log("scriptzzz");</script>
</body>
</html>
"""

SCRIPT_TITLE_HTML = """<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>&lt;script&gt;alert('x')&lt;/script&gt; Titre piégé</title>
<meta name="description" content="Description avec &quot;guillemets&quot; et &lt;i&gt;balise&lt;/i&gt;">
</head>
<body>
<main>
<h1>Page de test d'échappement</h1>
<p>Pour mettre un mot en gras, on écrit la balise &lt;b&gt; avant le mot et &lt;/b&gt; après.</p>
<p>Les caractères &amp; et &lt; doivent rester du texte.</p>
</main>
</body>
</html>
"""


def html_samples() -> dict[str, bytes]:
    """The HTML samples, each in its own encoding."""
    return {
        "latin1.html": LATIN1_HTML.encode("iso-8859-1"),
        "undeclared-cp1252.html": UNDECLARED_CP1252_HTML.encode("cp1252"),
        "labelled-latin1-cp1252.html": LABELLED_LATIN1_CP1252_HTML.encode("cp1252"),
        "utf8-bom.html": b"\xef\xbb\xbf" + UTF8_BOM_HTML.encode("utf-8"),
        "boilerplate.html": BOILERPLATE_HTML.encode("utf-8"),
        "script-title.html": SCRIPT_TITLE_HTML.encode("utf-8"),
    }


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

README = """# Test samples

Generated by `scripts/make_test_samples.py` (deterministic; rerun it instead of
editing these files). Every file is a few KB.

| File | What it is | What it tests |
|------|------------|---------------|
| `good-report.pdf` | 3-page French PDF. Page 1 title "Rapport d'activité 2011 — Ressourcerie du Bocage"; page 2 has "éco-" / "nomie" on two lines (raw text `éco-\\nnomie`) and "ﬁnancement" written with the U+FB01 ligature; "compostage" appears only on page 3. Info: Title "Rapport d'activité 2011", Subject, Keywords "ressourcerie, réemploi", Author, CreationDate 2011-06-30 10:00 +02:00. | metadata, per-page text, dehyphenation, ligature normalisation (NFKC) |
| `owner-only.pdf` | 1 page, RC4-128 encrypted with an empty user password and owner password "owner"; text contains "chantier d'insertion". | encrypted PDF that opens without a password |
| `user-password.pdf` | 1 page, RC4-128 encrypted with user password "secret" (owner "owner"). | PDF that cannot be read without a password: must be reported, not crash |
| `truncated.pdf` | First 60 % of the bytes of a valid 4-page PDF (no xref table, no trailer). | broken file handling |
| `image-only.pdf` | 1 page with a single greyscale image, no text and no font. | "no text" detection (scanned document) |
| `not-a-pdf.pdf` | The text "ceci n'est pas un PDF" with a .pdf name. | file-type sniffing |
| `empty.pdf` | Zero bytes. | empty file handling |
| `latin1.html` | ISO-8859-1 bytes with `<meta charset="iso-8859-1">`; "économie", "coopérative", "Délégation" inside `<main>`; `<nav>` "Accueil Menu Contact" and `<footer>` "Mentions légales - Plan du site" to be removed. | declared legacy charset, boilerplate removal |
| `undeclared-cp1252.html` | windows-1252 bytes, no charset declaration anywhere; "économie solidaire", "’" (0x92), "œ" (0x9C), "€" (0x80). | charset detection / fallback |
| `labelled-latin1-cp1252.html` | windows-1252 bytes declared `charset=iso-8859-1` (in a `<meta http-equiv>`); "L’épicerie solidaire", "’" (0x92), "3 €" (0x80). | the WHATWG reading of Latin-1 labels (windows-1252), in the page and in an HTTP header |
| `utf8-bom.html` | UTF-8 with a BOM but a wrong `<meta charset="iso-8859-1">`; text "Économie sociale et solidaire à Caen". | the BOM wins over the declaration |
| `boilerplate.html` | UTF-8; `<title>` "Les AMAP en Normandie \\| Portail ESS", meta description and keywords, DC.date "2019-05-14", DC.subject, article:published_time "2019-05-14T10:00:00+02:00"; real text in `<article>`. Marker words that must NOT survive extraction: header "entetezzz", nav "navigationzzz", aside "asidezzz", form "formulairezzz", noscript "noscriptzzz", footer "piedzzz", script "scriptzzz", style "stylezzz". | boilerplate removal, HTML metadata |
| `script-title.html` | `<title>` is `&lt;script&gt;alert('x')&lt;/script&gt; Titre piégé` in the source (so the title text is `<script>alert('x')</script> Titre piégé`); body text contains the escaped markup `&lt;b&gt;`, `&lt;/b&gt;`, `&amp;`, `&lt;`; meta description contains `&quot;` and `&lt;i&gt;`. | output escaping (title and snippets must not inject HTML) |
"""


def samples() -> dict[str, bytes]:
    """All sample files, by name."""
    files = {
        "good-report.pdf": good_report(),
        "owner-only.pdf": owner_only(),
        "user-password.pdf": user_password(),
        "truncated.pdf": truncated(),
        "image-only.pdf": image_only(),
        "not-a-pdf.pdf": b"ceci n'est pas un PDF\n",
        "empty.pdf": b"",
    }
    files.update(html_samples())
    return files


def main() -> None:
    """Write every sample and the README."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data", help="output directory")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for name, data in samples().items():
        (out / name).write_bytes(data)
        print(f"{name:26} {len(data):7} bytes")
    (out / "README.md").write_text(README, encoding="utf-8")


if __name__ == "__main__":
    main()
