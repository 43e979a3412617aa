"""`resbot export-faq --format html|jsonld|markdown [-o FILE]`: the FAQ of /faq for static sites."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot.cli.export_faq import run_export_faq
from bot.core.engine import AnswerEngine
from bot.core.models import Answer, Citation, Quote
from bot.web.export import render_faq
from bot.web.faq import FAQ_FILE, build_faq, load_faq
from bot.web.faq_markdown import answer_markdown, md_text
from tests.fakes.bot import settings
from tests.web.pagetext import read_faq
from tests.web.servers import web_client

ROOT = Path(__file__).resolve().parents[2]


def export_args(
    output: Path | None, fmt: str, knowledge: Path = ROOT / "knowledge"
) -> argparse.Namespace:
    return argparse.Namespace(
        knowledge=knowledge, intents=ROOT / "intents", format=fmt, output=output
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Each format, written by the command to a file."""
    folder = tmp_path_factory.mktemp("export")
    result = {}
    for fmt, name in (("html", "faq.html"), ("jsonld", "faq.jsonld"), ("markdown", "faq.md")):
        assert run_export_faq(export_args(folder / name, fmt)) == 0
        result[fmt] = (folder / name).read_text(encoding="utf-8")
    return result


@pytest.mark.asyncio(loop_scope="session")
async def test_html_export_is_the_faq_page(exported: dict[str, str], engine: AnswerEngine) -> None:
    async with web_client(settings(), engine) as (client, _):
        served = await (await client.get("/faq")).text()
    assert exported["html"] == served


def test_jsonld_export_is_the_pages_json_ld(exported: dict[str, str]) -> None:
    data = json.loads(exported["jsonld"])
    assert data["@type"] == "FAQPage"
    assert [data] == read_faq(exported["html"]).json_ld


def test_markdown_export_has_themes_questions_quotes_and_links(
    exported: dict[str, str], engine: AnswerEngine
) -> None:
    text = exported["markdown"]
    spec = load_faq(ROOT / "knowledge" / FAQ_FILE)
    assert text.startswith("# Frequently asked questions\n")
    for theme in spec.themes:
        assert f"\n## {md_text(theme.theme)}\n" in text
        for question in theme.questions:
            assert f"\n### {md_text(question)}\n" in text
    overview = engine.reply("What is this resolution about?").answer
    assert f"\n> {md_text(overview.quotes[0].text)}\n" in text
    assert "> — [A/RES/71/194, operative paragraph 1](<https://undocs.org/A/RES/71/194>)" in text
    assert "- [A/RES/71/194, header](<https://undocs.org/A/RES/71/194>)" in text


def test_without_output_the_export_goes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_export_faq(export_args(None, "markdown")) == 0
    out = capsys.readouterr()
    assert out.out.startswith("# Frequently asked questions")
    assert out.err == ""


def test_several_documents_export_with_a_section_each(
    several_documents: Path, multi_engine: AnswerEngine
) -> None:
    text = render_faq(build_faq(multi_engine, load_faq(several_documents / FAQ_FILE)), "markdown")
    assert "\n## A/RES/71/194: " in text and "\n## A/RES/73/8: " in text
    assert "\n### Adoption\n" in text
    assert "\n#### When was resolution 73/8 adopted?\n" in text


def test_invalid_faq_file_or_unwritable_output_fail_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    for path in (ROOT / "knowledge").iterdir():
        if path.is_file():
            (knowledge / path.name).write_bytes(path.read_bytes())
    (knowledge / FAQ_FILE).write_text("themes:\n  - theme: A\n", encoding="utf-8")
    assert run_export_faq(export_args(tmp_path / "out.md", "markdown", knowledge)) == 2
    err = capsys.readouterr().err
    assert f"{knowledge / FAQ_FILE}:2: themes.0: 'questions' is a required property" in err
    assert run_export_faq(export_args(tmp_path / "missing" / "out.md", "markdown")) == 1
    assert "cannot write" in capsys.readouterr().err


def test_unknown_format_is_refused(engine: AnswerEngine) -> None:
    faq = build_faq(engine, load_faq(ROOT / "knowledge" / FAQ_FILE))
    with pytest.raises(ValueError, match="unknown FAQ format 'pdf'"):
        render_faq(faq, "pdf")


def test_markdown_text_is_literal() -> None:
    assert md_text("<script>alert(1)</script>") == r"\<script\>alert(1)\</script\>"
    assert md_text("# not a heading") == r"\# not a heading"
    assert md_text("1. not a list") == r"1\. not a list"
    assert md_text("- not a list") == r"\- not a list"
    assert md_text("*a* _b_ [c](d) &amp;") == r"\*a\* \_b\_ \[c\](d) \&amp;"
    hostile = Citation("A/RES/1/1", "op1", "x](javascript:alert(1))", "javascript:alert(1)")
    answer = Answer(
        text="",
        intent="x",
        confidence=1.0,
        citations=(hostile,),
        quotes=(Quote("A/RES/1/1", "op1", "<img src=x onerror=alert(1)>", ((0, 5),)),),
        lead="Lead",
    )
    markdown = answer_markdown(answer)
    assert "](javascript" not in markdown.replace(r"\](javascript", "")
    assert r"> \<img src=x onerror=alert(1)\>" in markdown


def test_a_folder_without_faq_yaml_exports_the_shipped_faq(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "A_RES_71_194.txt").write_text(
        (ROOT / "knowledge" / "A_RES_71_194.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    out = tmp_path / "faq.md"
    assert run_export_faq(export_args(out, "markdown", knowledge)) == 0
    shipped = load_faq(ROOT / "knowledge" / FAQ_FILE)
    first = shipped.themes[0].questions[0]
    assert f"### {first}" in out.read_text(encoding="utf-8")
