"""Lists by lead verb when people name the verb in their own words: a noun or adjective of it
("every recognition", "the concerns"), the document's own word closest in meaning to a lay one
("worried" -> "Concerned", found with the shipped encoder, passed in), list requests in other
phrasings ("each time it...", "all the bits where..."), and a topic word the document never
uses replaced by its own word in that place ("tiny island developing States" -> "small")."""

from __future__ import annotations

import shutil
from collections.abc import Sequence

import numpy as np
import pytest

from bot.core.answers import lists
from bot.core.answers.lists import (
    WORD_MEANING_THRESHOLD,
    closest_lead_word,
    lead_phrase,
    list_by_verb,
    phrase_words,
    same_root,
)
from bot.core.engine import AnswerEngine
from bot.core.models import ConversationState, Document, Paragraph
from bot.core.text import Stemmer
from bot.loading.engine import load_engine
from bot.semantic_model import MODEL, shared_encoder

from .conftest import LAYOUT, RESOLUTIONS, ROOT

STEMMER = Stemmer()


@pytest.fixture(scope="module")
def engine4(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    """71/194, 73/7, 73/8 and the parser's layout fixture 72/999 (water management in small
    island States), with the shipped encoder."""
    folder = tmp_path_factory.mktemp("knowledge-lead-meaning")
    shutil.copy(ROOT / "knowledge" / "A_RES_71_194.txt", folder)
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    for name in ("A_RES_73_7.txt", "A_RES_73_8.txt"):
        shutil.copy(RESOLUTIONS / name, folder)
    shutil.copy(LAYOUT / "A_RES_72_999.txt", folder)
    return load_engine(folder, ROOT / "intents", snapshot=False)


def ask(engine: AnswerEngine, text: str):
    return engine.reply(text, ConversationState()).answer


def cited(answer) -> list[str]:
    return [c.paragraph for c in answer.citations if not c.paragraph.startswith("fn")]


def paragraph(pid: str, text: str, lead: str) -> Paragraph:
    kind = "pp" if pid.startswith("pp") else "op"
    return Paragraph(id=pid, kind=kind, number=int(pid[2:]), text=text, lead=lead)


DOCUMENT = Document(
    symbol="A/RES/99/1",
    number="99/1",
    title="A fixture",
    paragraphs=(
        paragraph("pp1", "Recalling its earlier resolutions,", "Recalling"),
        paragraph("pp2", "Seriously concerned about the drought,", "Seriously concerned"),
        paragraph("pp3", "Noting with concern that storms grow stronger,", "Noting with concern"),
        paragraph("op1", "Recognizes the role of islands;", "Recognizes"),
        paragraph("op2", "Express serious concern that aid is late;", "Express"),
        paragraph("op3", "Take note with appreciation of the report;", "Take"),
        paragraph("op4", "Decides to remain seized of the matter.", "Decides"),
    ),
)


# -- what a lead phrase is, and forms of one word ---------------------------------------
@pytest.mark.parametrize(
    ("pid", "phrase", "content"),
    [
        ("pp1", "Recalling", ["recalling"]),
        ("pp2", "Seriously concerned", ["concerned"]),
        ("pp3", "Noting with concern", ["noting", "concern"]),
        ("op2", "Express serious concern", ["express", "concern"]),
        ("op3", "Take note with appreciation", ["take", "note", "appreciation"]),
    ],
)
def test_a_lead_phrase_keeps_what_completes_the_verb(pid, phrase, content):
    found = DOCUMENT.get(pid)
    assert found is not None
    assert lead_phrase(found) == phrase
    assert phrase_words(found) == content


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("recognition", "recognizes", True),
        ("emphasis", "emphasizes", True),
        ("decision", "decides", True),
        ("concern", "concerned", True),
        ("encouragement", "encouraging", True),
        ("welcome", "welcomes", True),
        ("urge", "urges", True),
        ("committee", "commit", False),
        ("note", "notion", False),
        ("recall", "recognize", False),
    ],
)
def test_forms_of_one_word_share_a_root(a, b, same):
    assert same_root(STEMMER.stem(a), STEMMER.stem(b)) is same


# -- the document's own word, by form and by meaning (a fake encoder: pure) --------------
class FakeEncoder:
    """Unit vectors that make `close` words near one another, and everything else apart."""

    def __init__(self, close: dict[str, str]) -> None:
        self.close = close
        self.calls: list[list[str]] = []

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        axes: dict[str, int] = {}
        rows = []
        for text in texts:
            key = self.close.get(text, text)
            axis = axes.setdefault(key, len(axes))
            row = np.zeros(64, dtype=np.float32)
            row[axis] = 1.0
            rows.append(row)
        return np.stack(rows)


def led() -> list[Paragraph]:
    return [p for p in DOCUMENT.paragraphs if p.lead]


def test_a_noun_of_the_verb_is_found_without_an_encoder():
    found = closest_lead_word("recognition", led(), STEMMER, None)
    assert found is not None and (found.word, found.how) == ("recognizes", "form")
    assert closest_lead_word("worried", led(), STEMMER, None) is None


def test_a_lay_word_takes_the_closest_word_of_the_document_by_meaning():
    encode = FakeEncoder({"worried": "concerned"})
    found = closest_lead_word("worried", led(), STEMMER, encode)
    assert found is not None and (found.word, found.how) == ("concerned", "meaning")
    assert closest_lead_word("tall", led(), STEMMER, encode) is None  # close to nothing


def test_every_paragraph_with_a_form_of_the_word_found_is_listed():
    encode = FakeEncoder({"worried": "concerned"})
    answer = list_by_verb(
        "list_by_verb", DOCUMENT, "worried", ["pp", "op"], STEMMER, (), (), encode=encode
    )
    assert answer is not None
    assert [c.paragraph for c in answer.citations] == ["pp2", "pp3", "op2"]
    assert "does not say “worried”" in answer.text
    assert "“Seriously concerned”" in answer.text and "“Express serious concern”" in answer.text


def test_the_verb_as_written_comes_first_and_needs_no_encoder():
    encode = FakeEncoder({})
    answer = list_by_verb(
        "list_by_verb", DOCUMENT, "decides", ["pp", "op"], STEMMER, (), (), encode=encode
    )
    assert answer is not None and [c.paragraph for c in answer.citations] == ["op4"]
    assert encode.calls == []
    decisions = list_by_verb("list_by_verb", DOCUMENT, "decisions", ["op"], STEMMER, (), ())
    assert decisions is not None and [c.paragraph for c in decisions.citations] == ["op4"]


def test_a_word_close_to_two_roots_alike_is_not_guessed(monkeypatch):
    def encode(texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), 3), dtype=np.float32)
        rows[0] = [1.0, 0.0, 0.0]
        for i, text in enumerate(texts[1:], start=1):
            cosine = {"recalling": 0.7, "recognizes": 0.69}.get(text, 0.0)
            rows[i] = [cosine, np.sqrt(1 - cosine**2), 0.0]
        return rows

    assert closest_lead_word("remembers", led(), STEMMER, encode) is None


# -- the threshold, calibrated on general pairs of lay and drafting words ---------------
LEADS = [
    "acknowledges",
    "affirms",
    "appeals",
    "approves",
    "authorizes",
    "calls",
    "commends",
    "concerned",
    "condemns",
    "confirms",
    "considers",
    "convinced",
    "decides",
    "declares",
    "deplores",
    "determined",
    "emphasizes",
    "encourages",
    "endorses",
    "concern",
    "welcomes",
    "invites",
    "notes",
    "reaffirms",
    "recalls",
    "recognizes",
    "recommends",
    "regrets",
    "reiterates",
    "requests",
    "stresses",
    "supports",
    "note",
    "underlines",
    "urges",
    "mindful",
    "aware",
    "alarmed",
    "appreciation",
    "satisfaction",
    "gratitude",
    "commit",
    "adopts",
]
LAY = {
    "worried": "concerned concern alarmed",
    "anxious": "concerned concern alarmed",
    "afraid": "concerned concern alarmed",
    "remembers": "recalls",
    "admits": "acknowledges recognizes",
    "believes": "convinced considers",
    "suggests": "recommends encourages invites",
    "advises": "recommends",
    "underscores": "underlines emphasizes stresses",
    "demands": "requests urges calls",
    "thanks": "appreciation commends welcomes gratitude",
    "denounces": "condemns deplores",
    "highlights": "emphasizes stresses underlines",
    "asks": "requests calls invites appeals",
    "glad": "welcomes appreciation satisfaction",
    "restates": "reaffirms reiterates",
}
NOT_A_STANCE = [
    "says",
    "tells",
    "means",
    "money",
    "space",
    "cooperation",
    "victims",
    "year",
    "report",
    "development",
    "health",
    "women",
    "children",
    "water",
    "budget",
    "rights",
    "law",
    "paragraph",
    "resolution",
    "human",
    "nations",
    "uses",
    "describes",
    "lists",
]


def test_the_meaning_threshold_takes_lay_words_to_leads_and_leaves_other_words():
    encoder = shared_encoder(MODEL)
    asked = [*LAY, *NOT_A_STANCE]
    cosines = encoder.encode(asked) @ encoder.encode(LEADS).T
    right = wrong = taken = 0
    for row, word in zip(cosines, asked, strict=True):
        best = int(np.argmax(row))
        if row[best] < WORD_MEANING_THRESHOLD:
            continue
        if word in LAY:
            right += LEADS[best] in LAY[word].split()
            wrong += LEADS[best] not in LAY[word].split()
        else:
            taken += 1
    assert right >= 10 and wrong <= 1  # of 16 lay words
    assert taken <= 1  # of 25 words that name no stance


# -- through the engine ----------------------------------------------------------------
@pytest.mark.parametrize(
    "message",
    [
        "every place 71/194 urges",
        "all the bits where 71/194 urges something",
        "each time 71/194 urges",
        "what does 71/194 keep urging?",
        "in 71/194, every time it urges something",
    ],
)
def test_list_requests_in_other_phrasings(engine4, message):
    answer = ask(engine4, message)
    assert answer.intent == "list_by_verb", message
    assert cited(answer) == ["op4", "op12"]


@pytest.mark.parametrize(
    ("message", "listed"),
    [
        ("list every recognition in resolution 71/194", ["pp5", "pp6", "op2"]),
        ("all the decisions of the Cuba resolution", ["op5"]),
    ],
)
def test_a_noun_of_a_lead_verb_lists_its_paragraphs(engine4, message, listed):
    answer = ask(engine4, message)
    assert answer.intent == "list_by_verb"
    assert cited(answer) == listed


def test_a_lay_word_finds_the_lead_by_meaning(engine4):
    answer = ask(engine4, "where is the Cuba resolution alarmed about something?")
    assert answer.intent == "list_by_verb"
    assert cited(answer) == ["pp4", "pp8"]
    assert "Concerned" in answer.text and "alarmed" in answer.text
    recalled = ask(engine4, "what does the ICC resolution keep reminding everyone of?")
    assert {"pp1", "pp2", "op12"} <= set(cited(recalled))  # Recalling, Recalling also, Recalls


def test_without_the_encoder_a_lay_word_lists_nothing(engine4):
    lexical = AnswerEngine(engine4.documents, engine4.intents, engine4.lexicon)
    answer = ask(lexical, "where is the Cuba resolution alarmed about something?")
    assert answer.intent != "list_by_verb"


def test_a_word_that_names_no_stance_lists_nothing(engine4):
    answer = ask(engine4, "which paragraphs of the Cuba resolution show the Assembly is tall")
    assert answer.intent != "list_by_verb"
    copula = ask(engine4, "each time the Cuba text sounds alarmed")
    assert cited(copula) == ["pp4", "pp8"]  # "sounds" is how it is, not what it does


def test_a_topic_word_the_document_never_uses_takes_its_word_in_that_place(engine4, monkeypatch):
    asked = "which paragraphs of resolution 72/999 mention tiny island developing States"
    answer = ask(engine4, asked)
    assert answer.intent == "list_by_topic"
    assert cited(answer) == ["pp2", "op1"]
    assert "deal with “small island developing”" in answer.text
    monkeypatch.setattr(lists, "MODIFIER_MEANING_THRESHOLD", 1.01)  # nothing is close enough
    engine4.set_cache_size(0)
    assert "deal with “small island developing”" not in ask(engine4, asked).text
