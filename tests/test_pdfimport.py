"""bot.pdfimport: official General Assembly resolution PDFs -> the knowledge layout.

Each PDF must give the same Document as its reference text (bot.core.parse.parse_document):
same metadata, paragraph and footnote ids, clean text, footnote markers and references.
Bad input (not a PDF, encrypted, damaged, scanned, not a resolution) fails with a
PdfImportError that names the file. PDFs for the bad cases are built in the tests.
"""

from __future__ import annotations

import argparse
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.models import Document
from bot.core.parse import parse_document, split_blocks
from bot.pdfimport import PdfImportError, import_command, load_pdf_cached, pdf_to_layout
from bot.pdfimport.inline import Emphasis, hyphen_rule, render, tokens
from bot.pdfimport.layout import layout_text
from bot.pdfimport.lines import link_symbol
from bot.pdfimport.model import Line, Piece
from bot.pdfimport.reader import read_pages
from bot.pdfimport.resolution import read_resolution

RESOLUTIONS = Path(__file__).resolve().parent / "fixtures" / "resolutions"
REFERENCED = ("A_RES_73_6", "A_RES_73_7", "A_RES_73_8")
METADATA = (
    "symbol",
    "number",
    "title",
    "session",
    "agenda_item",
    "committee",
    "report_symbols",
    "adoption_date",
    "plenary_meeting",
    "distribution_date",
    "annex_title",
)

# (document, paragraph id) -> why the reference text may differ from the PDF there.
# Empty: every reference text matches its PDF. ("UNISPACE+50,1" in A/RES/73/6 pp22 is printed
# so in the PDF itself: a full-size "1" on the baseline, not a raised footnote marker.)
REFERENCE_ERRATA: dict[tuple[str, str], str] = {}


def pdf(name: str) -> Path:
    return RESOLUTIONS / f"{name}-EN.pdf"


@pytest.fixture(scope="module")
def imported() -> dict[str, str]:
    """Each fixture PDF converted once for the whole module."""
    return {name: pdf_to_layout(pdf(name)) for name in (*REFERENCED, "A_RES_73_3")}


def reference(name: str) -> Document:
    path = RESOLUTIONS / f"{name}.txt"
    return parse_document(path.read_text(encoding="utf-8"), str(path))


# --- the three resolutions with reference texts ------------------------------------------


@pytest.mark.parametrize("name", REFERENCED)
def test_same_metadata_as_the_reference(imported: dict[str, str], name: str) -> None:
    ours = parse_document(imported[name], f"{name}-EN.pdf")
    theirs = reference(name)
    for field in METADATA:
        assert getattr(ours, field) == getattr(theirs, field), field


@pytest.mark.parametrize("name", REFERENCED)
def test_same_paragraphs_as_the_reference(imported: dict[str, str], name: str) -> None:
    ours = parse_document(imported[name], f"{name}-EN.pdf")
    theirs = reference(name)
    assert [p.id for p in ours.paragraphs] == [p.id for p in theirs.paragraphs]
    for mine, expected in zip(ours.paragraphs, theirs.paragraphs, strict=True):
        if (name, mine.id) in REFERENCE_ERRATA:
            continue
        assert mine.text == expected.text, mine.id
        assert mine.markers == expected.markers, mine.id
        assert mine.references == expected.references, mine.id
        assert mine.lead == expected.lead, mine.id


@pytest.mark.parametrize("name", REFERENCED)
def test_layout_is_the_reference_text_exactly(imported: dict[str, str], name: str) -> None:
    if any(document == name for document, _ in REFERENCE_ERRATA):
        pytest.skip("the reference text has documented errata")
    assert imported[name] == (RESOLUTIONS / f"{name}.txt").read_text(encoding="utf-8")


def test_marker_printed_full_size_stays_text(imported: dict[str, str]) -> None:
    """A/RES/73/6 prints "UNISPACE+50,1" with a baseline "1": it is text, not a marker."""
    document = parse_document(imported["A_RES_73_6"], "A_RES_73_6-EN.pdf")
    paragraph = document.get("pp22")
    assert paragraph is not None
    assert paragraph.text.endswith("seven thematic priorities of UNISPACE+50,1")
    assert paragraph.markers == ()


def test_running_headers_without_a_rule_are_dropped() -> None:
    """Without the rule under the running header, the header is found by its symbol."""
    path = pdf("A_RES_73_8")
    pages = [replace(page, rules=()) for page in read_pages(path, path.read_bytes())]
    text = layout_text(read_resolution(path, pages))
    assert text == (RESOLUTIONS / "A_RES_73_8.txt").read_text(encoding="utf-8")


def test_page_furniture_is_gone(imported: dict[str, str]) -> None:
    for name in REFERENCED:
        text = imported[name]
        assert not re.search(r"\d{2}-\d{5}|\*\d{7}\*|\b\d/\d\b|Please recycle", text), name
        assert "United Nations A/RES" not in text


# --- the resolution that adopts a declaration --------------------------------------------


def annex_blocks(text: str) -> list[str]:
    blocks = [block.text for block in split_blocks(text)]
    return blocks[blocks.index("Annex") :]


def test_declaration_follows_the_footer_as_an_annex(imported: dict[str, str]) -> None:
    blocks = [block.text for block in split_blocks(imported["A_RES_73_3"])]
    assembly = blocks.index("The General Assembly")
    assert blocks[assembly + 1].startswith("*Adopts* the following political declaration")
    assert blocks[assembly + 2 : assembly + 4] == [
        "18th plenary meeting 10 October 2018",
        "Annex",
    ]
    annex = annex_blocks(imported["A_RES_73_3"])
    title_lines = imported["A_RES_73_3"].split("\n\nAnnex\n\n")[1].split("\n\n")[0].split("\n")
    assert title_lines == [
        "Political declaration of the high-level meeting of the General Assembly on the fight "
        "against tuberculosis",
        "United to end tuberculosis: an urgent global response to a global epidemic",
    ]
    assert annex[2].startswith("We, Heads of State and Government")
    assert annex[2].endswith("and we therefore:")
    numbered = [int(m.group(1)) for b in annex if (m := re.match(r"^(\d+)\. ", b))]
    assert numbered == list(range(1, 54))


def test_declaration_footnotes_follow_the_paragraph_running_at_the_page_end(
    imported: dict[str, str],
) -> None:
    annex = annex_blocks(imported["A_RES_73_3"])
    notes = [i for i, block in enumerate(annex) if block[:1] in "¹²³⁴⁵⁶⁷⁸⁹"]
    assert [annex[i][0] for i in notes] == list("¹²³⁴⁵⁶⁷")
    assert annex[notes[0] - 1].startswith("6. Recognize that, while")
    assert annex[notes[-1] - 1].startswith("25. Commit to preventing tuberculosis")
    assert annex[notes[3]] == (
        "⁴ See *Official Records of the General Assembly, Seventy-first Session, Supplement No. "
        "53A* and corrigendum ([A/71/53/Add.1](#) and [A/71/53/Add.1/Corr.1](#)), chap. II."
    )


def test_declaration_parses_into_annex_paragraphs(imported: dict[str, str]) -> None:
    document = parse_document(imported["A_RES_73_3"], "A_RES_73_3-EN.pdf")
    assert document.symbol == "A/RES/73/3"
    assert [p.id for p in document.of_kind("ax")] == [f"ax{n}" for n in range(1, 54)]
    assert [p.id for p in document.of_kind("fn")] == [f"fn{n}" for n in range(1, 8)]
    assert document.annex_title.startswith("Political declaration of the high-level meeting")
    assert document.annex_preamble[0].startswith("We, Heads of State and Government")
    assert [p.id for p in document.of_kind("op")] == ["op1"]
    assert document.get("op1").lead == "Adopts"
    assert document.get("ax2").lead == "Further reaffirm"
    assert document.get("fn7").cited_by == ("ax23",)


# --- line joins and inline mark-up --------------------------------------------------------


def line(*texts: str, page: int = 1, top: float = 0.0, italic: bool = False) -> Line:
    pieces = tuple(
        Piece(
            text, x0=10.0 * i, x1=10.0 * i + 5, top=top, bottom=top + 10, size=10.0, italic=italic
        )
        for i, text in enumerate(texts)
    )
    return Line(pieces, (False, *[True] * (len(texts) - 1)), page, 0.0, 100.0, top, top + 10, 10.0)


@pytest.mark.parametrize(
    ("first", "second", "words", "joined"),
    [
        ("non-", "governmental bodies", set(), "non-governmental bodies"),
        ("Secretary-", "General", set(), "Secretary-General"),
        ("inter-", "national law", {"international"}, "international law"),
        ("pre-", "clinical trials", {"pre-clinical", "preclinical"}, "pre-clinical trials"),
        ("infor\u00ad", "mation", set(), "information"),
        (
            "information-",
            "and infrastructure-sharing",
            set(),
            "information- and infrastructure-sharing",
        ),
        ("the", "Assembly", set(), "the Assembly"),
    ],
)
def test_line_end_hyphens(first: str, second: str, words: set[str], joined: str) -> None:
    lines = [line(*first.split()), line(*second.split(), top=12.0)]
    assert render(tokens(lines, hyphen_rule(words)), Emphasis.NONE) == joined


def test_emphasis_policies() -> None:
    lead = line("Recalling", "also", italic=True)
    rest = line("its", "resolution", top=12.0)
    items = tokens([lead, rest], hyphen_rule(set()))
    assert render(items, Emphasis.AFTER_LEAD) == "Recalling also its resolution"
    assert render(items, Emphasis.ALL) == "*Recalling also* its resolution"
    assert render(items, Emphasis.NONE) == "Recalling also its resolution"


def test_link_symbols() -> None:
    assert link_symbol("https://undocs.org/A/RES/70/1") == "A/RES/70/1"
    assert link_symbol("https://undocs.org/en/A/73/85") == "A/73/85"
    assert link_symbol("https://www.un.org/ga/search/view_doc.asp?symbol=A/73/L.3") == "A/73/L.3"


# --- bad input ----------------------------------------------------------------------------


def build_pdf(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A minimal PDF with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer)
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % xref)


def one_page_pdf(
    content: bytes, resources: bytes, extra: list[bytes], trailer: bytes = b""
) -> bytes:
    return build_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources %s >>" % resources,
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
            *extra,
        ],
        trailer,
    )


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
FONT_RESOURCES = b"<< /Font << /F1 5 0 R >> >>"


def text_pdf(text: bytes) -> bytes:
    return one_page_pdf(b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % text, FONT_RESOURCES, [HELVETICA])


def scanned_pdf() -> bytes:
    image = (
        b"<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 1 >>\nstream\n\x80\nendstream"
    )
    return one_page_pdf(
        b"q 612 0 0 792 0 0 cm /Im0 Do Q", b"<< /XObject << /Im0 5 0 R >> >>", [image]
    )


def encrypted_pdf() -> bytes:
    """Standard security handler with a user password (not the empty one)."""
    security = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -44 >>" % (
        b"11" * 32,
        b"22" * 32,
    )
    trailer = b"/Encrypt 6 0 R /ID [<%s> <%s>] " % (b"ab" * 16, b"ab" * 16)
    content = b"BT /F1 12 Tf 72 720 Td (Secret) Tj ET"
    return one_page_pdf(content, FONT_RESOURCES, [HELVETICA, security], trailer)


def first_page_only() -> bytes:
    """Page 1 of A/RES/73/8 alone: a resolution without its end."""
    import pypdfium2  # pdfplumber's own dependency

    source = pypdfium2.PdfDocument(pdf("A_RES_73_8"))
    target = pypdfium2.PdfDocument.new()
    target.import_pages(source, [0])
    from io import BytesIO

    buffer = BytesIO()
    target.save(buffer)
    target.close()
    source.close()
    return buffer.getvalue()


BAD_INPUT = {
    "not-a-pdf": (lambda: b"<html><body>Resolution 73/8</body></html>", "not a PDF file"),
    "empty": (lambda: b"", "the file is empty"),
    "encrypted": (encrypted_pdf, "encrypted and needs a password"),
    "garbage": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 8, "damaged"),
    "truncated": (lambda: pdf("A_RES_73_8").read_bytes()[:150_000], "damaged"),
    "scanned": (scanned_pdf, "no text layer"),
    "not-a-resolution": (
        lambda: text_pdf(b"Quarterly report"),
        "not a General Assembly resolution",
    ),
    "incomplete": (first_page_only, 'no closing "NNth plenary meeting" line'),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_a_clear_error(tmp_path: Path, case: str) -> None:
    make, expected = BAD_INPUT[case]
    path = tmp_path / f"{case}.pdf"
    path.write_bytes(make())
    with pytest.raises(PdfImportError) as caught:
        pdf_to_layout(path)
    assert caught.value.path == path
    assert str(caught.value).startswith(f"{path}: ")
    assert expected in caught.value.message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.pdf"
    with pytest.raises(PdfImportError, match="cannot read the file"):
        pdf_to_layout(path)


# --- the cache ---------------------------------------------------------------------------


def test_cache_converts_once_and_then_reads_the_entry(tmp_path: Path) -> None:
    source = tmp_path / "A_RES_73_8-EN.pdf"
    shutil.copy(pdf("A_RES_73_8"), source)
    cache = tmp_path / "knowledge" / ".cache"
    expected = (RESOLUTIONS / "A_RES_73_8.txt").read_text(encoding="utf-8")

    assert load_pdf_cached(source, cache) == expected
    [entry] = cache.iterdir()
    assert re.fullmatch(r"A_RES_73_8-EN\.[0-9a-f]{64}\.v\d+\.txt", entry.name)

    entry.write_text("from the cache", encoding="utf-8")  # a hit reads the entry, no conversion
    assert load_pdf_cached(source, cache) == "from the cache"

    source.write_bytes(source.read_bytes() + b"\n% revised\n")  # new content: converted again
    assert load_pdf_cached(source, cache) == expected
    [fresh] = cache.iterdir()
    assert fresh.name != entry.name  # the stale entry is gone


def test_cache_keeps_nothing_for_a_bad_pdf(tmp_path: Path) -> None:
    source = tmp_path / "bad.pdf"
    source.write_bytes(b"not a pdf at all")
    cache = tmp_path / ".cache"
    with pytest.raises(PdfImportError, match="not a PDF file"):
        load_pdf_cached(source, cache)
    assert not cache.exists() or not any(cache.iterdir())


def test_unwritable_cache_still_returns_the_text(tmp_path: Path) -> None:
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("", encoding="utf-8")
    source = pdf("A_RES_73_8")
    assert load_pdf_cached(source, blocker) == (RESOLUTIONS / "A_RES_73_8.txt").read_text(
        encoding="utf-8"
    )


# --- the command --------------------------------------------------------------------------


def test_import_batch_writes_good_files_and_reports_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "report.pdf"
    bad.write_bytes(b"<html/>")
    duplicate = tmp_path / "copy-of-73-8.pdf"
    shutil.copy(pdf("A_RES_73_8"), duplicate)
    out = tmp_path / "out"
    args = argparse.Namespace(
        files=[pdf("A_RES_73_8"), bad, duplicate], out=out, knowledge=tmp_path / "knowledge"
    )

    assert import_command(args) == 1

    assert [p.name for p in out.iterdir()] == ["A_RES_73_8.txt"]
    written = (out / "A_RES_73_8.txt").read_text(encoding="utf-8")
    assert written == (RESOLUTIONS / "A_RES_73_8.txt").read_text(encoding="utf-8")
    progress = capsys.readouterr().err.splitlines()
    assert len(progress) == 4
    assert progress[0].startswith("[1/3] ") and "A_RES_73_8.txt" in progress[0]
    assert f"FAILED {bad}: not a PDF file" in progress[1]
    assert "A/RES/73/8 was already imported" in progress[2]
    assert all(re.search(r"\(\d+\.\d\d s\)$", entry) for entry in progress[:3])
    assert progress[3] == f"imported 1 of 3 file(s) into {out}"


def test_import_defaults_to_the_knowledge_folder(tmp_path: Path) -> None:
    from bot.cli.main import main

    knowledge = tmp_path / "knowledge"
    assert main(["--knowledge", str(knowledge), "import", str(pdf("A_RES_73_8"))]) == 0
    assert (knowledge / "A_RES_73_8.txt").is_file()


def test_import_never_overwrites_a_different_file_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli.main import main

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    existing = knowledge / "A_RES_73_8.txt"
    existing.write_text("my own edited copy\n", encoding="utf-8")
    command = ["--knowledge", str(knowledge), "import", str(pdf("A_RES_73_8"))]

    assert main(command) == 1
    assert existing.read_text(encoding="utf-8") == "my own edited copy\n"
    refused = capsys.readouterr().err
    assert "already exists with other content" in refused and "--force" in refused

    assert main([*command, "--force"]) == 0
    reference = (RESOLUTIONS / "A_RES_73_8.txt").read_text(encoding="utf-8")
    assert existing.read_text(encoding="utf-8") == reference
    assert "(replaced)" in capsys.readouterr().err

    assert main(command) == 0  # the same text again: nothing to refuse
    assert "(unchanged)" in capsys.readouterr().err
