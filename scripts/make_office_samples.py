"""Generate the small office, text and image samples of ``tests/data/office/``.

Each file holds marker words in the places a visitor searches and readers
often miss (footnotes, comments, headers, text boxes, speaker notes, sheet
names), so a test can say which part was read. The packages are built by
hand with ``zipfile`` (fixed dates: rerunning gives identical bytes), plus
a zip bomb and a few broken files. ``tests/data/office/README.md`` lists them.

Usage::

    .venv/bin/python scripts/make_office_samples.py [--out tests/data/office]
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATE = (2015, 1, 15, 12, 0, 0)

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
A = 'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"'
P = 'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CORE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>{title}</dc:title><dc:subject>Économie sociale et solidaire</dc:subject>
<dc:creator>Centre de documentation</dc:creator><cp:keywords>coopérative, insertion</cp:keywords>
<dcterms:created xsi:type="dcterms:W3CDTF">2019-03-14T09:00:00Z</dcterms:created></cp:coreProperties>"""


def package(entries: dict[str, str | bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        names = ([first] if first else []) + [n for n in entries if n != first]
        for name in names:
            data = entries[name]
            info = zipfile.ZipInfo(name, DATE)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return buffer.getvalue()


def content_types(overrides: dict[str, str]) -> str:
    parts = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides.items())
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{parts}</Types>')


def rels(targets: list[tuple[str, str, str]]) -> str:
    body = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>' for rid, kind, target in targets)
    return f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">{body}</Relationships>'


def wp(text: str, extra: str = "") -> str:
    return f"<w:p><w:r>{extra}<w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"


def docx() -> bytes:
    body = (
        wp("Rapport d'activité de la coopérative")
        + "<w:p><w:r><w:t>Le chantier d'insertion accueille des salariés</w:t></w:r>"
        '<w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t xml:space="preserve"> en parcours.</w:t></w:r></w:p>'
        + '<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>Une phrase commentée.</w:t></w:r><w:commentRangeEnd w:id="0"/>'
        '<w:r><w:commentReference w:id="0"/></w:r></w:p>'
        + "<w:tbl><w:tr><w:tc>" + wp("cellule recyclerie") + "</w:tc><w:tc>" + wp("cellule ressourcerie") + "</w:tc></w:tr></w:tbl>"
        + '<w:p><w:r><w:t xml:space="preserve">Avant </w:t></w:r><w:r><w:del><w:delText>effacemotzzz</w:delText></w:del></w:r>'
        '<w:r><w:t>après la révision.</w:t></w:r></w:p>'
        + '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'
        + wp("Deuxième page : compostage partagé")
        + '<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:Choice Requires="wps"><w:drawing><w:txbxContent>' + wp("zone de texte encadrée") + "</w:txbxContent></w:drawing></mc:Choice>"
        '<mc:Fallback><w:pict><w:txbxContent>' + wp("copievmlzzz") + "</w:txbxContent></w:pict></mc:Fallback>"
        "</mc:AlternateContent></w:r><w:r><w:t>Texte autour du cadre.</w:t></w:r></w:p>"
    )
    document = f'<?xml version="1.0" encoding="UTF-8"?><w:document {W} {R}><w:body>{body}</w:body></w:document>'
    footnotes = (f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes {W}><w:footnote w:type="separator" w:id="-1">'
                 '<w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1">'
                 + wp("Note de bas de page sur la monnaie locale") + "</w:footnote></w:footnotes>")
    comments = f'<?xml version="1.0" encoding="UTF-8"?><w:comments {W}><w:comment w:id="0" w:author="Doc">' + wp("Commentaire de relecture") + "</w:comment></w:comments>"
    header = f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {W}>' + wp("En-tête du réseau régional") + "</w:hdr>"
    footer = f'<?xml version="1.0" encoding="UTF-8"?><w:ftr {W}>' + wp("Pied de page confidentiel") + "</w:ftr>"
    return package({
        "[Content_Types].xml": content_types({
            "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            "docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
        }),
        "_rels/.rels": rels([("rId1", f"{REL}/officeDocument", "word/document.xml"),
                             ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml")]),
        "word/_rels/document.xml.rels": rels([("rId1", f"{REL}/footnotes", "footnotes.xml"), ("rId2", f"{REL}/comments", "comments.xml"),
                                              ("rId3", f"{REL}/header", "header1.xml"), ("rId4", f"{REL}/footer", "footer1.xml")]),
        "word/document.xml": document, "word/footnotes.xml": footnotes, "word/comments.xml": comments,
        "word/header1.xml": header, "word/footer1.xml": footer,
        "docProps/core.xml": CORE.format(title="Rapport de la coopérative 2019"),
    })


def pptx() -> bytes:
    def slide(text: str) -> str:
        return (f'<?xml version="1.0" encoding="UTF-8"?><p:sld {A} {P} {R}><p:cSld><p:spTree><p:sp><p:txBody>'
                f"<a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>")
    notes = (f'<?xml version="1.0" encoding="UTF-8"?><p:notes {A} {P}><p:cSld><p:spTree><p:sp><p:txBody>'
             "<a:p><a:r><a:t>Notes de l'orateur sur le financement participatif</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>")
    presentation = (f'<?xml version="1.0" encoding="UTF-8"?><p:presentation {P} {R}><p:sldIdLst>'
                    '<p:sldId id="256" r:id="rId2"/><p:sldId id="257" r:id="rId1"/></p:sldIdLst></p:presentation>')
    return package({
        "[Content_Types].xml": content_types({"ppt/presentation.xml": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"}),
        "_rels/.rels": rels([("rId1", f"{REL}/officeDocument", "ppt/presentation.xml")]),
        "ppt/presentation.xml": presentation,
        # The second file is the first slide: order comes from sldIdLst.
        "ppt/_rels/presentation.xml.rels": rels([("rId1", f"{REL}/slide", "slides/slide1.xml"), ("rId2", f"{REL}/slide", "slides/slide2.xml")]),
        "ppt/slides/slide1.xml": slide("Diapositive sur les tiers-lieux"),
        "ppt/slides/slide2.xml": slide("Diapositive d'ouverture des rencontres"),
        "ppt/slides/_rels/slide1.xml.rels": rels([("rId1", f"{REL}/notesSlide", "../notesSlides/notesSlide1.xml")]),
        "ppt/notesSlides/notesSlide1.xml": notes,
        "docProps/core.xml": CORE.format(title="Rencontres régionales"),
    })


def xlsx() -> bytes:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {R}><sheets>'
                '<sheet name="Budget prévisionnel" sheetId="1" r:id="rId1"/><sheet name="Adhérents" sheetId="2" r:id="rId2"/></sheets></workbook>')
    shared = f'<?xml version="1.0" encoding="UTF-8"?><sst {ns}><si><t>Subvention régionale</t></si><si><r><t>Cotisations </t></r><r><t>des membres</t></r></si></sst>'
    sheet1 = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>12000</v></c></row>'
              '<row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>')
    sheet2 = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Association des jardins partagés</t></is></c></row>'
              "</sheetData></worksheet>")
    return package({
        "[Content_Types].xml": content_types({"xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"}),
        "_rels/.rels": rels([("rId1", f"{REL}/officeDocument", "xl/workbook.xml")]),
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": rels([("rId1", f"{REL}/worksheet", "worksheets/sheet1.xml"), ("rId2", f"{REL}/worksheet", "worksheets/sheet2.xml"),
                                            ("rId3", f"{REL}/sharedStrings", "sharedStrings.xml")]),
        "xl/sharedStrings.xml": shared, "xl/worksheets/sheet1.xml": sheet1, "xl/worksheets/sheet2.xml": sheet2,
    })


ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
          'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"')
ODF_META = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODF_NS}><office:meta><dc:title>{{title}}</dc:title>'
            "<meta:keyword>économie circulaire</meta:keyword><meta:keyword>réemploi</meta:keyword>"
            "<meta:initial-creator>Centre de documentation</meta:initial-creator>"
            "<meta:creation-date>2018-11-05T10:00:00</meta:creation-date></office:meta></office:document-meta>")
ODF_STYLES = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODF_NS}><office:master-styles>'
              '<style:master-page style:name="Standard"><style:footer><text:p>Pied de page de la fédération</text:p></style:footer>'
              "</style:master-page></office:master-styles></office:document-styles>")


def odf(mimetype: str, body: str, title: str, encrypted: bool = False) -> bytes:
    content = f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}><office:body>{body}</office:body></office:document-content>'
    entry = ('<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
             '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="AAAA"/></manifest:file-entry>') if encrypted else ""
    manifest = (f'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest {ODF_NS}>'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>{entry}</manifest:manifest>')
    return package({"mimetype": mimetype, "content.xml": content, "styles.xml": ODF_STYLES,
                    "meta.xml": ODF_META.format(title=title), "META-INF/manifest.xml": manifest}, first="mimetype")


ODT_BODY = ("<office:text><text:h>Assemblée générale de la SCOP</text:h>"
            "<text:p>Les sociétaires<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>Note sur le capital variable</text:p>"
            "</text:note-body></text:note> ont voté<text:s text:c=\"2\"/>le budget.</text:p>"
            "<text:tracked-changes><text:changed-region><text:deletion><text:p>suppressionzzz</text:p></text:deletion></text:changed-region></text:tracked-changes>"
            "<text:soft-page-break/><text:p>Seconde page : la gouvernance partagée</text:p>"
            "<table:table table:name=\"T\"><table:table-row><table:table-cell><text:p>cellule mutuelle</text:p></table:table-cell></table:table-row></table:table>"
            "</office:text>")


def odt() -> bytes:
    return odf("application/vnd.oasis.opendocument.text", ODT_BODY, "Assemblée générale 2018")


def fodt() -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><office:document {ODF_NS} office:mimetype="application/vnd.oasis.opendocument.text">'
            "<office:meta><dc:title>Version à plat</dc:title></office:meta>"
            f"<office:body>{ODT_BODY}</office:body></office:document>").encode()


def ods() -> bytes:
    body = ('<office:spreadsheet><table:table table:name="Bénévoles"><table:table-row table:number-rows-repeated="1048570">'
            '<table:table-cell/></table:table-row><table:table-row><table:table-cell><text:p>Heures de bénévolat</text:p></table:table-cell>'
            '</table:table-row></table:table><table:table table:name="Dons"><table:table-row><table:table-cell table:number-columns-repeated="3">'
            "<text:p>don en nature</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>")
    return odf("application/vnd.oasis.opendocument.spreadsheet", body, "Tableau des bénévoles")


def odp() -> bytes:
    body = ('<office:presentation><draw:page draw:name="p1"><draw:frame><draw:text-box><text:p>Première diapositive sur la finance solidaire</text:p>'
            "</draw:text-box></draw:frame><presentation:notes><draw:frame><draw:text-box><text:p>Notes sur l'épargne salariale</text:p>"
            '</draw:text-box></draw:frame></presentation:notes></draw:page><draw:page draw:name="p2"><draw:frame><draw:text-box>'
            "<text:p>Deuxième diapositive sur les circuits courts</text:p></draw:text-box></draw:frame></draw:page></office:presentation>")
    return odf("application/vnd.oasis.opendocument.presentation", body, "Finance solidaire")


def encrypted_odt() -> bytes:
    return odf("application/vnd.oasis.opendocument.text", "<office:text/>", "Secret", encrypted=True)


def rtf() -> bytes:
    return (b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}{\\f1\\fcharset238 Arial CE;}}"
            b"{\\colortbl;\\red0\\green0\\blue0;}{\\info{\\title Compte rendu du conseil}{\\author Secr\\'e9tariat}"
            b"{\\creatim\\yr2017\\mo4\\dy3}}{\\header Ent\\'eate du compte rendu\\par}"
            b"\\f0 Le conseil d'administration de l'\\'e9picerie solidaire s'est r\\'e9uni.\\par "
            b"{\\*\\generator Msftedit;}Caract\\u232?re Unicode et apostrophe \\rquote typographique.\\par "
            b"{\\field{\\*\\fldinst HYPERLINK \"http://lienzzz.example\"}{\\fldrslt le site du r\\'e9seau}}\\par "
            b"\\trowd\\cellx1000\\cellx2000 cellule A\\cell cellule B\\cell\\row "
            b"{\\f1 \\'e8esk\\'fd text}\\par "
            b"Texte{\\footnote \\pard Note de bas de page RTF}\\par }")


def text_samples() -> dict[str, bytes]:
    return {
        "latin1.txt": "Les coopératives d'activité et d'emploi créent des emplois durables.\n".encode("latin-1"),
        "cp1252.txt": "L’économie sociale pèse 10 % de l’emploi — « un chiffre clé ».\n".encode("cp1252"),
        "utf16.txt": "Le réseau des ressourceries publie son rapport.\n".encode("utf-16"),
        "notes.md": ("---\ntitle: Guide des tiers-lieux\nauthor: Réseau\n---\n# Ouvrir un tiers-lieu\n\n"
                     "Un **tiers-lieu** est un [espace partagé](https://exemple.org) de travail.\n\n"
                     "| Colonne | Valeur |\n|---|---|\n| loyer | modéré |\n\n<div class=\"note\">Bloc HTML intégré</div>\n").encode(),
    }


def epub() -> bytes:
    container = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                 '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')
    opf = ('<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           "<dc:title>Histoire des mutuelles</dc:title><dc:creator>Collectif</dc:creator><dc:date>2016</dc:date></metadata>"
           '<manifest><item id="c1" href="ch1.xhtml" media-type="application/xhtml+xml"/><item id="c2" href="ch2.xhtml" media-type="application/xhtml+xml"/></manifest>'
           '<spine><itemref idref="c2"/><itemref idref="c1"/></spine></package>')

    def chapter(text: str) -> str:
        return f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head><body><p>{text}</p></body></html>'
    return package({"mimetype": "application/epub+zip", "META-INF/container.xml": container, "OEBPS/content.opf": opf,
                    "OEBPS/ch1.xhtml": chapter("Les sociétés de secours mutuel au XIXe siècle"),
                    "OEBPS/ch2.xhtml": chapter("Préface sur la solidarité ouvrière")}, first="mimetype")


def bomb() -> bytes:
    """A Word package whose document inflates to 100 MB of spaces (ratio ~1000)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in (("[Content_Types].xml", content_types({"word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"})),
                           ("_rels/.rels", rels([("rId1", f"{REL}/officeDocument", "word/document.xml")]))):
            archive.writestr(zipfile.ZipInfo(name, DATE), data)
        info = zipfile.ZipInfo("word/document.xml", DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as handle:
            handle.write(f"<w:document {W}><w:body><w:p><w:r><w:t>".encode())
            block = b" " * (1 << 20)
            for _ in range(100):
                handle.write(block)
            handle.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return buffer.getvalue()


def samples() -> dict[str, bytes]:
    files = {
        "rapport.docx": docx(), "rencontres.pptx": pptx(), "budget.xlsx": xlsx(),
        "assemblee.odt": odt(), "assemblee.fodt": fodt(), "benevoles.ods": ods(), "finance.odp": odp(),
        "protege.odt": encrypted_odt(), "conseil.rtf": rtf(), "mutuelles.epub": epub(),
        "bombe.docx": bomb(),
        "tronque.docx": docx()[:700], "faux.docx": b"PK\x03\x04 pas vraiment une archive",
    }
    files.update(text_samples())
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "tests" / "data" / "office", help="output directory")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    for name, data in samples().items():
        (out / name).write_bytes(data)
        print(f"{name:26} {len(data):7} bytes")


if __name__ == "__main__":
    main()
