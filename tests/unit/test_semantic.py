"""Semantic matching (issue 13): the shipped model, its checksums, clause vectors in the saved
engine, fusion with lexical evidence, broad topics, answer-type refusals, graded replies and
the off switch. The real model runs here (installed with resbot's dependencies); the questions
are our own, none from an eval set."""

from __future__ import annotations

import dataclasses
import gc
import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from bot.core.analysis import english, lost_words
from bot.core.answers.asked import asked_in, counted, holds, later_year
from bot.core.answers.topics import calibrated, document_weights, dominant_document, fuse
from bot.core.dialogue import Scope
from bot.core.engine import AnswerEngine
from bot.core.models import ConversationState, Paragraph
from bot.core.routing import Ask
from bot.core.semantic import Encoder, SemanticIndex, SemanticScores
from bot.core.verify import quote_problems
from bot.loading.engine import load_engine, warm_semantic
from bot.semantic_model import (
    MODEL,
    OnnxEncoder,
    SemanticUnavailable,
    semantic_enabled,
    shared_encoder,
)
from bot.semantic_model import encoder as encoder_module
from bot.semantic_model.encoder import sha256_of, token_batches
from bot.semantic_model.quantize import model_cache_dir
from bot.semantic_model.wordpiece import WordPiece, normalized

from .conftest import ROOT


@pytest.fixture(scope="module")
def encoder() -> OnnxEncoder:
    return OnnxEncoder()


@pytest.fixture(scope="module")
def semantic_engine(tmp_path_factory: pytest.TempPathFactory) -> AnswerEngine:
    folder = tmp_path_factory.mktemp("knowledge-semantic")
    shutil.copy(ROOT / "knowledge" / "A_RES_71_194.txt", folder)
    shutil.copy(ROOT / "knowledge" / "thesaurus.yaml", folder)
    return load_engine(folder, ROOT / "intents", semantic=True)


@pytest.fixture(scope="module")
def lexical_engine(semantic_engine: AnswerEngine) -> AnswerEngine:
    return AnswerEngine(semantic_engine.documents, semantic_engine.intents, semantic_engine.lexicon)


def ask(engine: AnswerEngine, question: str):
    answer = engine.reply(question, ConversationState()).answer
    assert not list(quote_problems(answer, engine.documents))
    return answer


# -- the model ------------------------------------------------------------------------------
def test_shipped_files_match_their_pinned_checksums():
    assert sha256_of(MODEL.model_path()) == MODEL.model_sha256
    assert sha256_of(MODEL.tokenizer_path()) == MODEL.tokenizer_sha256


def test_encoder_gives_unit_vectors_that_see_meaning(encoder):
    assert isinstance(encoder, Encoder)
    vectors = encoder.encode(["a shortage of food", "people going hungry", "orbital debris"])
    assert vectors.shape == (3, MODEL.dimension) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        (
            "Reaffirming the Universal Declaration of Human Rights,",
            [101, 2128, 10354, 27972, 2075, 1996, 5415, 8170, 1997, 2529, 2916, 1010, 102],
        ),
        (
            "Naïve café-goers: “why?” 中文 supercalifragilistic",
            [
                *(101, 15743, 7668, 1011, 2175, 2545, 1024, 1523, 2339, 1029, 1524, 1746),
                *(1861, 3565, 9289, 10128, 29181, 24411, 4588, 102),
            ],
        ),
        ("x" * 120 + " ok", [101, 100, 7929, 102]),
    ],
)
def test_wordpiece_gives_the_ids_of_the_models_own_tokenizer(text, ids):
    # The ids the `tokenizers` package gives for the shipped tokenizer.json (checked on 7,914
    # texts, corpus paragraphs, eval questions and random Unicode, when this was written).
    tokenizer = WordPiece.from_file(MODEL.tokenizer_path(), MODEL.max_tokens)
    assert tokenizer.ids(text) == ids
    assert len(tokenizer.ids("word " * 1000)) == MODEL.max_tokens


def test_ascii_text_is_normalised_as_any_other_text():
    # The ASCII shortcut drops control characters and turns tab and line breaks into spaces,
    # as the character-by-character path does for the same text beside a non-ASCII letter.
    text = "Line\tone\r\nTWO\x00\x07\x0b\x1f\x7f end " + "".join(map(chr, range(32, 127)))
    assert normalized(text) == normalized(text + "é")[:-1]
    assert normalized("A\tB\x00c\x1fD") == "a bcd"


def test_the_english_word_list_is_the_whole_words_of_the_shipped_tokenizer():
    vocabulary = json.loads(MODEL.tokenizer_path().read_text(encoding="utf-8"))["model"]["vocab"]
    expected = sorted(w for w in vocabulary if len(w) >= 4 and w.isascii() and w.isalpha())
    lines = (ROOT / "bot" / "data" / "english-words.txt").read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if not line.startswith("#")] == expected
    assert english("kids") and english("small") and not english("wich")


def test_an_altered_model_file_is_refused(caplog):
    # The encoder's own logger, whatever an earlier test did to the loggers above it.
    logger = logging.getLogger("bot.semantic_model.encoder")
    caplog.set_level(logging.WARNING, logger=logger.name)
    logger.addHandler(caplog.handler)
    try:
        spec = dataclasses.replace(MODEL, package="tests_fake_model_package")
        with pytest.raises(SemanticUnavailable, match="not installed"):
            OnnxEncoder(spec).load()
        altered = dataclasses.replace(MODEL, model_sha256="0" * 64)
        with pytest.raises(SemanticUnavailable, match="sha256"):
            OnnxEncoder(altered).load()
    finally:
        logger.removeHandler(caplog.handler)
    assert "semantic matching off" in caplog.text


def test_the_int8_model_is_derived_once_checked_and_derived_again_when_altered(tmp_path):
    derived = MODEL.runnable_path(cache=tmp_path)
    assert derived.parent == tmp_path and sha256_of(derived) == MODEL.quantized_sha256
    made = derived.stat().st_mtime_ns
    assert MODEL.runnable_path(cache=tmp_path).stat().st_mtime_ns == made  # not made again
    derived.write_bytes(b"not a model")
    assert sha256_of(MODEL.runnable_path(cache=tmp_path)) == MODEL.quantized_sha256
    other = dataclasses.replace(MODEL, quantized_sha256="0" * 64)  # another release's bytes
    with pytest.raises(SemanticUnavailable, match="refusing to run it"):
        other.runnable_path(cache=tmp_path)


def test_the_model_cache_falls_back_to_a_temporary_folder_when_it_cannot_be_written(tmp_path):
    assert model_cache_dir({"RESBOT_MODEL_CACHE": str(tmp_path)}) == tmp_path
    assert model_cache_dir({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "resbot"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    fallback = model_cache_dir({"XDG_CACHE_HOME": str(blocked)})
    assert fallback.parent == Path(tempfile.gettempdir())
    assert fallback.name.startswith("resbot-models-")


def test_the_int8_model_gives_nearly_the_float_models_vectors():
    texts = [
        "Are they worried about junk floating around the planet?",
        "Calls upon all States to cooperate fully with the Court",
        "what does it say about countries helping each other on human rights",
    ]
    shipped = OnnxEncoder(dataclasses.replace(MODEL, quantized_sha256=""))
    derived = OnnxEncoder(MODEL)
    cosines = (shipped.encode(texts) * derived.encode(texts)).sum(axis=1)
    assert cosines.min() > 0.97
    assert derived.model_id != "all-MiniLM-L6-v2-onnx-int8"  # saved float vectors are not reused


def test_a_server_makes_the_model_session_before_the_vector_search(
    semantic_engine: AnswerEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Making the session takes about 220 MiB for a moment: on top of the filled vector search
    it was the peak of serving (bot.loading.engine.warm_semantic)."""
    assert semantic_engine.semantic_on
    made: list[str] = []
    monkeypatch.setattr(type(semantic_engine.encoder), "load", lambda _: made.append("model"))
    monkeypatch.setattr(SemanticIndex, "prepare", lambda _: made.append("vectors"))
    monkeypatch.setattr(gc, "freeze", lambda: made.append("frozen"))
    warm_semantic(semantic_engine)
    assert made == ["model", "vectors", "frozen"]  # what they made lives as long as the server


def test_preparing_the_vector_search_searches_once_as_a_first_question_would(
    semantic_engine: AnswerEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first search paid its one-time costs (faiss's threads, numpy's set operations'
    modules) inside the first question's time; a server pays them at start."""
    semantic = semantic_engine.semantic
    assert semantic is not None
    searched: list[tuple[int, list[int]]] = []
    real = SemanticIndex.score

    def score(self: SemanticIndex, question: np.ndarray, entries: np.ndarray | None = None):
        searched.append((len(question), [] if entries is None else entries.tolist()))
        return real(self, question, entries)

    monkeypatch.setattr(SemanticIndex, "score", score)
    semantic.prepare()
    assert searched == [(semantic.paragraph_vectors.shape[1], [0])]


def test_an_encoder_that_cannot_run_leaves_the_engine_lexical(semantic_engine):
    broken = OnnxEncoder(dataclasses.replace(MODEL, model_sha256="0" * 64))
    engine = AnswerEngine(
        semantic_engine.documents,
        semantic_engine.intents,
        semantic_engine.lexicon,
        semantic=semantic_engine.semantic,
        encoder=broken,
    )
    assert engine.semantic_on
    question = "are hungry people and failed harvests a concern?"  # lexically not decisive
    lexical = AnswerEngine(engine.documents, engine.intents, engine.lexicon)
    assert ask(engine, question) == ask(lexical, question)
    assert not engine.semantic_on


def test_an_encoder_runs_the_model_once_per_text_and_engines_share_it(monkeypatch):
    encoder = OnnxEncoder()
    runs = []
    real = encoder._run
    monkeypatch.setattr(encoder, "_run", lambda texts: runs.append(list(texts)) or real(texts))
    # Texts no other test encodes (the session fixture remembers vectors across tests too).
    a, b, c = "penguins counting fish", "ice floes near the pole", "gulls over a harbour"
    first = encoder.encode([a, b])
    again = encoder.encode([b, a, c])
    assert runs == [[a, b], [c]]
    assert np.array_equal(first[0], again[1])
    assert shared_encoder() is shared_encoder()  # a reload reuses session and vectors


def test_a_session_made_in_a_thread_has_the_gil_handed_over_often(monkeypatch):
    """Making the session beside a thread running Python waited up to 5 ms at each take of
    the GIL (issue 14: 1.0 s instead of 0.4 in an addition)."""
    encoder = OnnxEncoder()
    seen: list[float] = []
    monkeypatch.setattr(encoder, "_load", lambda: seen.append(sys.getswitchinterval()))
    before = sys.getswitchinterval()
    encoder.load_in_background().join()
    assert seen == [pytest.approx(min(before, encoder_module.GIL_SWITCH_SECONDS))]
    assert seen[0] < before
    assert sys.getswitchinterval() == before


def test_paragraphs_and_their_clauses_are_encoded_in_one_call():
    """One call: its batches share the model's runs (bot.semantic_model.encoder)."""

    class Counting:
        model_id = "counting"

        def __init__(self) -> None:
            self.calls: list[int] = []

        def encode(self, texts):
            self.calls.append(len(texts))
            return np.ones((len(texts), 4), dtype=np.float32)

    encoder = Counting()
    paragraph = Paragraph(
        id="op1",
        kind="op",
        number=1,
        text="Calls upon States to cooperate with the Court in every way; "
        "requests the Secretary-General to report on the implementation of this resolution",
        lead="Calls upon",
        line=1,
    )
    built = SemanticIndex.build([paragraph], encoder)
    assert encoder.calls == [3]  # the paragraph and its two clauses
    assert built.paragraph_vectors.shape == (1, 4) and built.clause_vectors.shape == (2, 4)


def test_token_batches_stay_within_the_budget():
    assert token_batches([10] * 20, 512) == [(0, 20)]
    assert token_batches([3, 5, 256, 256, 256, 300], 512) == [(0, 2), (2, 4), (4, 5), (5, 6)]
    assert token_batches([600], 512) == [(0, 1)]  # one text alone may exceed it
    assert token_batches([], 512) == []


def test_a_texts_vector_does_not_depend_on_the_texts_run_with_it():
    """Issue 14: long texts are run a few at a time (MAX_BATCH_TOKENS), short ones many, two
    batches at a time (MODEL_RUNS): the vectors are those of each text run alone, bit for bit."""
    encoder = OnnxEncoder()
    words = "the general assembly reaffirms the right to development and calls upon states"
    texts = [" ".join([words] * n) + f" {n}" for n in (1, 2, 3, 6, 12, 30)]
    together = encoder._run(texts)
    alone = np.concatenate([encoder._run([t]) for t in texts])
    one_run = OnnxEncoder(runs=1)._run(texts)
    assert encoder.runs == 2
    assert len(token_batches([len(encoder._tokenizer.ids(t)) for t in texts], 512)) > 1
    assert np.array_equal(together, alone) and np.array_equal(together, one_run)


def test_a_large_build_runs_the_model_one_batch_at_a_time(monkeypatch):
    """Two runs at a time for an addition's few texts; a larger build runs one (its peak)."""
    from bot.loading import semantic_rows

    encoder = OnnxEncoder()
    rows = semantic_rows.SemanticRows(encoder)
    seen: list[int] = []
    real = encoder._run

    def counting(texts):
        seen.append(encoder.runs)
        return real(texts)

    monkeypatch.setattr(encoder, "_run", counting)
    monkeypatch.setattr(semantic_rows, "PARALLEL_TEXTS", 30)
    with rows._runs_for(30):
        encoder.encode(["an addition's text"])
    with rows._runs_for(31):
        encoder.encode(["a large build's text"])
    assert seen == [2, 1] and encoder.runs == 2


def test_a_build_closes_the_model_it_loaded_and_a_question_loads_it_again():
    from bot.loading.semantic_rows import SemanticRows

    encoder = OnnxEncoder()
    rows = SemanticRows(encoder)
    before = encoder.encode(["a question about outer space"])
    rows.release()
    assert not encoder.loaded
    assert np.array_equal(encoder._run(["a question about outer space"]), before)
    assert encoder.loaded
    SemanticRows(encoder).release()  # loaded before this build: kept
    assert encoder.loaded


def test_switch_reads_the_environment():
    assert semantic_enabled({})
    assert not semantic_enabled({"RESBOT_SEMANTIC": "off"})
    assert not semantic_enabled({"RESBOT_SEMANTIC": "0"})


# -- vectors in the saved engine ---------------------------------------------------------------
def test_clause_vectors_are_built_once_and_saved_with_the_engine(tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", knowledge, ignore=shutil.ignore_patterns(".cache"))
    built = load_engine(knowledge, ROOT / "intents", semantic=True)
    index = built.semantic
    assert isinstance(index, SemanticIndex) and index.model_id == MODEL.model_id
    assert index.paragraph_vectors.shape == (len(built.index.entries), MODEL.dimension)
    long = [e for e in built.index.entries if len(built.index.clauses(e)) > 1]
    assert long and len(index.clause_vectors) >= 2 * len(long)
    assert set(index.arrays()) == {
        "paragraph_vectors",
        "clause_vectors",
        "clause_entry",
        "clause_spans",
    }
    assert all(isinstance(a, np.ndarray) for a in index.arrays().values())
    # Saved as arrays (float16 vectors) in the semantic mode's own folder, never pickled.
    assert (knowledge / ".cache" / "engine-semantic" / "manifest.json").is_file()
    assert index.paragraph_vectors.dtype == np.float16
    assert not list((knowledge / ".cache").rglob("*.pickle"))
    monkeypatch.setattr(encoder_module, "_SHARED", {})  # a new process: no model loaded yet
    again = load_engine(knowledge, ROOT / "intents", semantic=True)
    assert again is not built and again.semantic is not None
    assert np.array_equal(again.semantic.clause_vectors, index.clause_vectors)
    assert again.semantic_on and not again.encoder.loaded  # the model loads on first need
    off = load_engine(knowledge, ROOT / "intents", semantic=False)
    assert off.semantic is None and not off.semantic_on
    # One saved engine per mode: the lexical one beside, the semantic one kept.
    assert sorted(p.name for p in (knowledge / ".cache").iterdir()) == ["engine", "engine-semantic"]


def test_a_question_is_encoded_once_and_only_when_lexical_evidence_is_not_decisive(
    semantic_engine,
):
    calls = []
    real = semantic_engine.encoder

    class Counting:
        model_id = real.model_id

        def encode(self, texts):
            calls.append(list(texts))
            return real.encode(texts)

    engine = AnswerEngine(
        semantic_engine.documents,
        semantic_engine.intents,
        semantic_engine.lexicon,
        semantic=semantic_engine.semantic,
        encoder=Counting(),
    )
    ask(engine, "does it speak of floods and storms?")
    ask(engine, "does it speak of floods and storms?")
    assert calls == [["does it speak of floods and storms?"]]
    # Decisive lexical evidence (every word found, a strong match) runs no model at all.
    decisive = ask(engine, "What does the resolution say about the universal periodic review?")
    assert decisive.confidence >= 0.8 and decisive.citations[0].paragraph == "op8"
    assert len(calls) == 1
    # Words a typo correction lost ("kids" -> "kinds", "small" -> "shall") leave "universal
    # periodic review" matched in full, but not decisively: what was asked may be in them.
    lost = "the universal periodic review of small kids"
    assert lost_words(engine.index.query(lost)) == ("small", "kids")
    assert lost_words(engine.index.query("wich universal periodic review")) == ()  # a slip
    ask(engine, lost)
    assert calls[-1] == [lost]


# -- fusion ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("question", "paragraph", "words"),
    [
        ("are hungry people and failed harvests a concern?", "op12", "food crises"),
        ("floods, hurricanes and droughts", "op12", "natural disasters"),
        ("is helping each other just a matter of doing favours in return?", "pp7", "reciprocity"),
    ],
)
def test_lay_wording_finds_the_clause_lexical_matching_misses(
    semantic_engine, lexical_engine, question, paragraph, words
):
    answer = ask(semantic_engine, question)
    assert not answer.fallback
    assert answer.citations[0].paragraph == paragraph
    assert words in answer.quotes[0].text
    before = ask(lexical_engine, question)
    assert before.fallback or before.citations[0].paragraph != paragraph


@pytest.mark.parametrize(
    ("question", "paragraph"),
    [
        ("univresal periodic reveiw", "op8"),
        ("What does the resolution say about technical assistance?", "op10"),
        ("doctrines of exclusion", "op4"),
    ],
)
def test_keyword_and_typo_questions_stay_lexically_right(semantic_engine, question, paragraph):
    answer = ask(semantic_engine, question)
    assert answer.citations[0].paragraph == paragraph
    assert answer.confidence >= 0.8


def test_confidence_reads_the_lead_of_the_first_paragraph_over_the_second(semantic_engine):
    hit = semantic_engine.index.search(semantic_engine.index.query("periodic review"))[0]
    clear = calibrated([(0.7, 0.6, 0, hit), (0.4, 0.5, 1, hit)])
    close = calibrated([(0.7, 0.6, 0, hit), (0.68, 0.6, 1, hit)])
    assert clear >= 0.8 > close  # two paragraphs scoring alike are a guess between them
    assert close == pytest.approx(0.7 + 1.5 * 0.02 - 0.1)


def test_cosines_past_full_strength_still_rank_in_the_models_order(semantic_engine):
    # Two paragraphs both closer than COSINE_FULL, no lexical evidence: the closer one first,
    # though both count as full strength for the confidence (a tie: a guess between them).
    index = semantic_engine.index
    cosines = np.zeros(len(index.entries), dtype=np.float32)
    cosines[[3, 5]] = [0.72, 0.78]
    scores = SemanticScores(cosines, np.full(len(cosines), -1, dtype=np.int32))
    vector = np.zeros(8, dtype=np.float32)
    fused = fuse(index, index.query("anything"), [], vector, scores, None, 0.0)
    assert [index.entry_id(h.entry) for h in fused.hits[:2]] == [5, 3]
    assert fused.fused[0] == fused.fused[1] == 0.5
    assert fused.confidence == pytest.approx(0.5 - 0.1)


def test_meaning_alone_needs_more_than_a_weak_match(semantic_engine):
    answer = ask(semantic_engine, "What does the resolution say about nuclear disarmament?")
    assert answer.fallback and not answer.citations


# -- broad topics ------------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["human rights", "international cooperation"])
def test_broad_topics_are_answered_not_refused(semantic_engine, lexical_engine, question):
    for engine in (semantic_engine, lexical_engine):
        answer = ask(engine, question)
        assert not answer.fallback and answer.citations
        assert f"“{question}” runs through A/RES/71/194" in answer.text


# -- answer types --------------------------------------------------------------------------------
def test_kinds_of_fact_asked_for():
    assert asked_in("By when must the report be ready?").kind == "deadline"
    assert asked_in("how many delegates came?").kind == "quantity"
    assert asked_in("When was it signed?").kind == "past_date"
    assert asked_in("When will they meet again?").kind == "date"
    assert asked_in("When a country asks for help, who sets the priorities?").kind == "actor"
    # Who is done something to ("who do they promise to help?") is often a group in common
    # nouns (the poor, children): no capitalised name is required of the passage.
    assert asked_in("Who do the governments want to protect first?").kind == ""
    assert asked_in("Who does the report go to?").kind == ""
    assert asked_in("Does it matter that those who fled get help?").kind == ""
    assert asked_in("Who is the current chair of the committee?").kind == "person"
    assert asked_in("What does article 9 of the treaty say?").article == "9"
    assert holds(asked_in("how many?"), "some 40 million people")
    assert asked_in("How big is the yearly budget?").kind == "money"  # an amount of money
    # How things stand today, unless the question asks what a text says about it
    assert asked_in("which cases is the court handling at the moment?").kind == "now"
    assert asked_in("what does the text say happens nowadays?").kind == ""
    assert asked_in("what happens nowadays?", names_a_resolution=True).kind == ""
    assert counted("How big is the yearly budget of the office?") == "budget"
    assert counted("how many people will be treated?") == "people"
    assert counted("What does it say about budgets?") == ""
    assert not holds(asked_in("how many?"), "recalling resolution 72/4 and article 11")
    assert holds(asked_in("by when?"), "to end the epidemic by 2030")
    assert not holds(asked_in("by when?"), "held in Moscow on 16 November 2017")
    # A past event's time is a calendar date; a session answers what is still to happen.
    session = "to include in the provisional agenda of its seventy-fourth session the item"
    assert not holds(asked_in("When did they first impose it?"), session)
    assert holds(asked_in("When did they first impose it?"), "imposed in October 1960")
    assert holds(asked_in("When will the Assembly discuss it again?"), session)
    # What an article itself says: only a passage that is the article gives it.
    article = asked_in("What exactly does article IV of the treaty prohibit?")
    assert (article.kind, article.article) == ("article_text", "iv")
    assert not holds(article, "Recalling article IV of the Treaty on Outer Space")
    assert holds(article, "Article IV States Parties to the Treaty undertake not to place")
    assert asked_in("Which part of Article 1 of the Charter is recalled?").kind != "article_text"
    according = asked_in("What does article 5 of the pact require, according to the text?")
    assert according.kind != "article_text"  # what the text says of it: it may give that
    # A length of time: a number of years, months, weeks or days; "how long ago" is a date.
    duration = asked_in("How long will the programme run?")
    assert duration.kind == "duration"
    assert asked_in("how long ago was it signed?").kind == "past_date"
    assert holds(duration, "no new medicines had been approved for over 40 years")
    assert holds(duration, "a five-year plan of action")
    assert not holds(duration, "extremely long treatment regimens")
    assert not holds(duration, "13 billion United States dollars a year by 2022")


@pytest.mark.parametrize(
    "question",
    [
        "Who is the current High Commissioner for Human Rights?",
        "How many people live in the countries that adopted it?",
        "What does article 7 of the Charter say?",
        "How long does the Human Rights Council's review of a country take?",
    ],
)
def test_a_fact_the_text_does_not_give_is_refused_with_the_related_paragraph(
    semantic_engine, question
):
    answer = ask(semantic_engine, question)
    assert answer.fallback and not answer.citations
    assert "does not give" in answer.text
    assert answer.suggestions[0].startswith("What does ")


@pytest.mark.parametrize("engine_name", ["semantic_engine", "lexical_engine"])
def test_an_instrument_the_text_cites_is_not_the_resolution_itself(engine_name, request):
    engine = request.getfixturevalue(engine_name)
    answer = ask(engine, "Which day was the Vienna Declaration adopted?")
    assert answer.citations[0].paragraph == "pp1"  # not the resolution's own adoption date
    assert "25 June 1993" in answer.quotes[0].text
    assert ask(engine, "When was the resolution adopted?").citations[0].paragraph == "meta"


def test_a_verb_the_resolution_asked_about_never_uses_is_said_so(multi_engine):
    # 73/6 requests nothing (73/8 does): no passage "closest in meaning" stands in for it.
    answer = ask(multi_engine, "In resolution 73/6, what does the General Assembly request?")
    assert answer.fallback and not answer.citations
    assert "A/RES/73/6 does not use the verb “request”" in answer.text
    assert ask(multi_engine, "What does resolution 73/8 request?").citations


def test_a_verb_used_as_a_noun_is_not_a_verb_the_resolution_lacks(multi_engine):
    # "the Cuba resolution's appeal" asks about what it appeals for, in whatever words.
    answer = ask(multi_engine, "Who is the space resolution's request addressed to?")
    assert "does not use the verb" not in answer.text
    assert (
        "does not use the verb" in ask(multi_engine, "What does the space resolution request?").text
    )


def test_an_instrument_is_read_in_the_message_as_written_unless_it_named_the_resolution(
    multi_engine,
):
    state = ConversationState()
    # The name taken out ("... on human rights") took the kind word with it: the message
    # as written still names the Vienna Declaration, which 71/194 cites.
    cut = Ask(
        "When was the Vienna the resolution adopted?",
        state,
        Scope(0, True),
        named="human rights",
        message="When was the Vienna Declaration on human rights adopted?",
    )
    assert multi_engine._cited_instrument(cut) == "Vienna"
    # "the Outer Space Declaration" here is how the user named the resolution itself.
    itself = Ask(
        "When was it adopted?",
        state,
        Scope(1, True),
        named="outer space declaration",
        message="When was the Outer Space Declaration adopted?",
    )
    assert multi_engine._cited_instrument(itself) == ""


def test_an_amount_of_money_is_given_only_by_a_passage_naming_a_currency():
    for question in (
        "How much did the summit cost to organise?",
        "how much money a year goes to research?",
        "How large is the yearly budget of the office?",
    ):
        assert asked_in(question).kind == "money", question
    assert asked_in("how many people will be treated?").kind == "quantity"
    money = asked_in("how much will they invest?")
    assert holds(money, "reaching at least 13 billion United States dollars a year by 2022")
    assert holds(money, "a grant of $5 million")
    assert not holds(money, "held in Moscow on 16 and 17 November 2017")  # numbers, no price


def test_a_price_the_text_does_not_give_is_refused(semantic_engine):
    # 71/194 names the Durban Review Conference and its date, never what it cost.
    answer = ask(semantic_engine, "How much did the Durban Review Conference cost?")
    assert answer.fallback and not answer.citations
    assert "does not give that amount of money" in answer.text


def test_how_things_stand_today_is_not_in_a_resolution_unless_the_text_is_asked_about():
    assert asked_in("Is anybody cooperating with the court right now?").kind == "now"
    assert asked_in("what are governments doing about racism nowadays").kind == "now"
    # Another kind of fact takes precedence; and a question about the text asks what it says.
    assert asked_in("How many satellites are up there at the moment?").kind == "quantity"
    assert asked_in("What does the text say is happening these days?").kind == ""
    assert not holds(asked_in("what is going on currently"), "as at 29 October 2018")


def test_a_question_on_the_present_is_refused_with_the_adoption_date(multi_engine):
    answer = ask(
        multi_engine, "Is the Security Council referring situations to the court at the moment?"
    )
    assert answer.fallback and not answer.citations
    assert "A/RES/73/7, adopted on" in answer.text and "how things stand today" in answer.text
    assert answer.suggestions[0].startswith("What does ")
    # Naming the resolution asks what its text says of the present: that is answered.
    named = ask(
        multi_engine, "In the ICC resolution, how do the Court and the UN work together nowadays?"
    )
    assert named.citations and not named.fallback


def test_a_past_event_after_the_adoption_is_not_in_the_resolution(semantic_engine):
    assert later_year("What did the 2019 review conclude?", 2016) == "2019"
    assert later_year("what happened in 2021 with all that?", 2016) == "2021"
    assert later_year("What did the 2009 review conference decide?", 2016) == ""  # before it
    assert later_year("Will they meet again in 2019?", 2016) == ""  # looking ahead: it may say
    assert later_year("What was agreed to be done by 2030?", 2016) == ""  # a target it may set
    assert later_year("What did the text say would happen in 2019?", 2016) == ""  # its words
    answer = ask(semantic_engine, "What did the 2019 session of the Human Rights Council decide?")
    assert answer.fallback and not answer.citations
    assert "A/RES/71/194, adopted on 19 December 2016," in answer.text
    assert "cannot say what happened in 2019" in answer.text
    assert answer.suggestions[0].startswith("What does ")


def test_a_person_is_not_a_header_fact(multi_engine):
    question = "Who was the UNESCO Director-General when the space resolution was adopted?"
    assert asked_in(question).kind == "person"
    answer = ask(multi_engine, question)
    assert answer.fallback and not answer.citations
    assert "A/RES/73/6 does not give who that is" in answer.text
    adopted = ask(multi_engine, "When was the space resolution adopted?")
    assert adopted.citations[0].paragraph == "meta"


def test_a_year_standing_alone_is_not_a_count():
    how_many = asked_in("how many were there?")
    assert not holds(how_many, "since its creation in 2001")
    assert holds(how_many, "some 2,000 delegates")
    assert holds(how_many, "in 2016 less than half of the cases")


def test_a_name_the_text_never_uses_is_said_so(semantic_engine):
    answer = ask(semantic_engine, "How does Ruritania cooperate with the Human Rights Council?")
    assert answer.fallback and not answer.citations
    assert "does not mention “Ruritania”" in answer.text
    assert answer.suggestions[0].startswith("What does ")
    # Background before the question, a name's first word the text knows, a slip: not foreign.
    for question in (
        "Ruritania is my country. Does the resolution say anything about dialogue?",
        "Does it mention the Human Rights Council of New Ruritania?",
        "What does it say about the Humen Rights Council?",
    ):
        assert ask(semantic_engine, question).intent != "name_not_used", question


def test_a_number_answers_how_many_only_beside_what_is_counted(semantic_engine):
    # 71/194 gives dates and session numbers, never a count of delegates.
    answer = ask(semantic_engine, "How many delegates attended the Durban Review Conference?")
    assert answer.fallback and not answer.citations and "does not give" in answer.text


def test_the_quote_keeps_the_fact_asked_for(semantic_engine):
    answer = ask(semantic_engine, "When did the Durban Review Conference take place?")
    assert answer.citations[0].paragraph == "pp4"
    assert "20 to 24 April 2009" in answer.quotes[0].text


# -- graded replies ----------------------------------------------------------------------------
def test_replies_are_graded_by_confidence(semantic_engine):
    sure = ask(semantic_engine, "What does the resolution say about the universal periodic review?")
    assert sure.confidence >= 0.8 and not sure.text.startswith("The closest passage")
    middle = ask(semantic_engine, "intolerance towards foreigners")
    assert 0.4 <= middle.confidence < 0.8
    assert middle.text.startswith("The closest passage is") and middle.citations
    low = ask(semantic_engine, "What is the best recipe for apple pie?")
    assert low.fallback and not low.citations and low.suggestions


def test_words_count_for_a_document_as_much_as_they_tell_the_loaded_ones_apart(multi_engine):
    index = multi_engine.index
    symbols = [d.symbol for d in multi_engine.documents]
    everywhere = index.query("member states")  # in three of the four
    only_one = index.query("criminal court assistance member states")
    weights = dict(zip(symbols, document_weights(index, only_one).tolist(), strict=True))
    assert weights["A/RES/73/7"] == max(weights.values())
    assert weights["A/RES/73/7"] > 1.2 * sorted(weights.values())[-2]
    assert dominant_document(index, only_one, range(len(symbols))) == symbols.index("A/RES/73/7")
    assert dominant_document(index, everywhere, range(len(symbols))) is None
    held = np.flatnonzero(index.document_mask(("crimin", "court"))).tolist()
    assert held == [symbols.index("A/RES/73/7")]


@pytest.mark.parametrize("semantic", [True, False])
def test_a_question_one_resolution_holds_more_of_is_answered_from_it(multi_engine, semantic):
    """Paragraphs of two resolutions answer about as well, but only one holds the question's
    distinctive word ("court"): the answer comes from it instead of "which resolution?"."""
    engine = multi_engine
    if not semantic:
        engine = AnswerEngine(engine.documents, engine.intents, engine.lexicon)
    answer = ask(engine, "court assistance member states")
    assert answer.citations and answer.citations[0].document == "A/RES/73/7"
