"""The parser on the seed, three real resolutions and fixtures for what they lack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.core.parse import DocumentError, parse_document
from bot.core.text import clean

from .conftest import LAYOUT, RESOLUTIONS, ROOT


def load(path: Path):
    return parse_document(path.read_text(encoding="utf-8"), str(path))


@pytest.fixture(scope="module")
def seed():
    return load(ROOT / "knowledge" / "A_RES_71_194.txt")


def test_seed_header(seed):
    assert seed.symbol == "A/RES/71/194"
    assert seed.title == "Enhancement of international cooperation in the field of human rights"
    assert seed.session == "Seventy-first session"
    assert seed.agenda_item == "68 (b)"
    assert seed.committee == "Third Committee"
    assert seed.report_symbols == ("A/71/484/Add.2",)
    assert seed.adoption_date == "19 December 2016"
    assert seed.plenary_meeting == "65th"
    assert seed.distribution_date == "20 January 2017"
    assert seed.url == "https://undocs.org/A/RES/71/194"


def test_seed_paragraph_ids_and_leads(seed):
    assert [p.id for p in seed.of_kind("pp")] == [f"pp{i}" for i in range(1, 13)]
    assert [p.id for p in seed.of_kind("op")] == [f"op{i}" for i in range(1, 16)]
    assert [p.id for p in seed.of_kind("fn")] == [f"fn{i}" for i in range(1, 6)]
    assert seed.get("pp3").lead == "Recalling also"
    assert seed.get("pp4").lead == "Recalling further"
    assert seed.get("pp1").lead == "Reaffirming"
    assert seed.get("op9").lead == "Also emphasizes"
    assert seed.get("op11").lead == "Calls upon"
    assert seed.get("op15").lead == "Decides"


def test_seed_clean_text_follows_the_contract(seed):
    pp1 = seed.get("pp1")
    assert "25 June 1993, for enhancing" in pp1.text  # marker ¹ removed
    assert "¹" not in pp1.text and "*" not in pp1.text and "](#)" not in pp1.text
    assert seed.get("op1").text.startswith("Reaffirms that it is one of the purposes")
    assert seed.get("pp2").text.startswith("Recalling its resolution 70/1 of 25 September")
    assert seed.get("fn1").text == "A/CONF.157/24 (Part I), chap. III."


def test_seed_footnotes_link_both_ways(seed):
    assert seed.get("pp3").footnotes == ("fn2", "fn3")
    assert seed.get("fn4").cited_by == ("pp4",)
    assert seed.get("fn5").cited_by == ("pp12",)  # a footnote block between op5 and op6


def test_seed_references(seed):
    refs = {r.symbol: r.url for p in seed.paragraphs for r in p.references}
    assert refs["A/RES/70/1"] == "https://undocs.org/A/RES/70/1"
    assert "A/HRC/RES/32/6" in refs and "A/RES/70/153" in refs
    assert {"E/CN.4/2001/2", "E/CN.4/Sub.2/2000/46", "A/CONF.157/24", "A/71/53"} <= set(refs)


@pytest.mark.parametrize(
    ("name", "symbol", "pp", "op", "fn", "committee"),
    [
        ("A_RES_73_6.txt", "A/RES/73/6", 25, 14, 6, ""),
        ("A_RES_73_7.txt", "A/RES/73/7", 13, 28, 9, ""),
        ("A_RES_73_8.txt", "A/RES/73/8", 8, 5, 1, ""),
    ],
)
def test_real_resolutions(name, symbol, pp, op, fn, committee):
    document = load(RESOLUTIONS / name)
    assert document.symbol == symbol
    assert len(document.of_kind("pp")) == pp
    assert len(document.of_kind("op")) == op
    assert len(document.of_kind("fn")) == fn
    assert document.committee == committee
    assert document.committee_phrase.startswith("without reference to a Main Committee")
    for paragraph in document.paragraphs:
        assert not re.search(r"[¹²³⁴⁵⁶⁷⁸⁹⁰*]|\]\(#\)", paragraph.text), paragraph.id


def test_footnote_cited_twice_and_marker_after_number():
    document = load(RESOLUTIONS / "A_RES_73_6.txt")
    assert document.get("fn2").cited_by == ("pp5", "op1", "op4")
    pp5 = document.get("pp5")
    assert "Disaster Risk Reduction 2015–2030 and of" in pp5.text  # ³ after a number
    assert document.get("op9").lead == "Expresses its conviction"


def test_italics_inside_a_paragraph():
    document = load(RESOLUTIONS / "A_RES_73_7.txt")
    assert "initiated proprio motu, in accordance" in document.get("pp7").text


def test_leads_with_phrases():
    document = load(RESOLUTIONS / "A_RES_73_8.txt")
    assert document.get("op2").lead == "Reiterates its call upon"
    assert document.get("op3").lead == "Once again urges"
    assert document.get("pp5").lead == "Taking note of"


def test_fixture_sub_items_footnote_over_page_break_other_committee_wrapped_header():
    document = load(LAYOUT / "A_RES_72_999.txt")
    assert document.committee == "Second Committee"
    assert document.report_symbols == ("A/72/420/Add.1",)  # wrapped header line
    assert document.title.endswith("disaster risk reduction in small island developing States")
    op1 = document.get("op1")
    assert [op1.text[a:b][:3] for a, b in op1.items] == ["(a)", "(b)", "(c)"]
    fn1 = document.get("fn1")
    assert fn1.text.endswith(
        "overview of the regional water strategies and their financing (A/72/307)."
    )
    assert document.get("fn2").cited_by == ("pp3", "op1")
    assert [p.id for p in document.of_kind("op")] == ["op1", "op2", "op3"]


def test_fourth_committee_with_its_long_name():
    document = load(LAYOUT / "A_RES_70_998.txt")
    assert document.committee == "Special Political and Decolonization Committee (Fourth Committee)"
    assert document.report_symbols == ("A/70/501",)


@pytest.mark.parametrize(
    ("name", "line", "words"),
    [("bad_no_title.txt", 6, "no title line"), ("bad_numbering.txt", 11, "3 where 2")],
)
def test_malformed_documents_name_file_and_line(name, line, words):
    with pytest.raises(DocumentError) as caught:
        load(LAYOUT / name)
    assert str(caught.value).startswith(f"{LAYOUT / name}:{line}:")
    assert words in str(caught.value)


def test_clean_text_definition():
    cleaned = clean("1. *Reaffirms*  the [A/71/484/Add.2](#) Declaration,²\n and   more")
    assert cleaned.text == "1. Reaffirms the A/71/484/Add.2 Declaration, and more"
    assert cleaned.markers == ((2, len("1. Reaffirms the A/71/484/Add.2 Declaration,")),)


def test_emergency_session_and_lettered_numbers():
    text = (LAYOUT / "A_RES_70_998.txt").read_text()
    emergency = parse_document(text.replace("70/998. Fixture", "ES-10/19. Fixture"), "es")
    assert emergency.symbol == "A/RES/ES-10/19"
    lettered = parse_document(text.replace("70/998. Fixture", "70/998 B. Fixture"), "b")
    assert lettered.symbol == "A/RES/70/998 B"
    assert lettered.url == "https://undocs.org/A/RES/70/998%20B"
