"""Names of a resolution derived from the document itself, and mentions of them in a message:
exact, fuzzy and partial; ambiguous only when two documents fit equally well."""

from __future__ import annotations

from pathlib import Path

import pytest
from rapidfuzz.distance import OSA

from bot.core.names import YEAR, Names, abbreviates, derive_names, head_word, initials_pattern
from bot.core.parse import parse_document
from bot.core.references import FUZZY, DocumentReferences
from bot.core.text import Stemmer
from bot.loading.lexicon import load_lexicon

from .conftest import RESOLUTIONS, ROOT

FILES = {
    "A/RES/71/194": ROOT / "knowledge" / "A_RES_71_194.txt",
    "A/RES/73/3": RESOLUTIONS / "A_RES_73_3.txt",
    "A/RES/51/100": RESOLUTIONS / "A_RES_51_100.txt",
    "A/RES/73/6": RESOLUTIONS / "A_RES_73_6.txt",
    "A/RES/73/7": RESOLUTIONS / "A_RES_73_7.txt",
    "A/RES/73/8": RESOLUTIONS / "A_RES_73_8.txt",
}


@pytest.fixture(scope="module")
def documents():
    return {
        s: parse_document(Path(f).read_text(encoding="utf-8"), str(f)) for s, f in FILES.items()
    }


@pytest.fixture(scope="module")
def lexicon():
    found, problems = load_lexicon(ROOT / "knowledge" / "thesaurus.yaml")
    assert problems == []
    return found


def references(documents, lexicon, symbols, aliases=None):
    loaded = [documents[s] for s in symbols]
    return DocumentReferences(
        loaded, Stemmer(), lexicon.stopwords, lexicon.synonyms, aliases or {}
    ), loaded


ALL = list(FILES)


def named(documents, lexicon, message, symbols=ALL, aliases=None):
    refs, loaded = references(documents, lexicon, symbols, aliases)
    mention = refs.find(message)
    return None if mention is None else [loaded[i].symbol for i in mention.documents]


# -- derived names --------------------------------------------------------------------------
def test_acronyms_are_the_initials_of_names_in_title_and_text():
    pattern = initials_pattern("Committee on the Peaceful Uses of Outer Space")
    assert pattern is not None
    assert pattern.fullmatch("copuos") and pattern.fullmatch("cpuos")
    assert not pattern.fullmatch("cops")
    court = initials_pattern("International Criminal Court")
    assert court is not None and court.fullmatch("icc")
    assert initials_pattern("Cuba") is None  # one word has no initials


def test_an_acronym_the_text_uses_for_a_title_word():
    assert abbreviates("TB", "tuberculosis")
    assert not abbreviates("HIV", "tuberculosis")
    assert not abbreviates("BT", "tuberculosis")


def test_names_come_from_title_text_and_adoption_year(documents, lexicon):
    names = derive_names(documents["A/RES/73/6"], Stemmer(), lexicon.stopwords, lexicon.synonyms)
    assert {"space", "outer", "unispace+50", "unispace", "2018"} <= set(names.words)
    assert names.words["space"] == 1.0
    assert any(a.fits("copuos") for a in names.acronyms)  # a name its text keeps using
    tb = derive_names(documents["A/RES/73/3"], Stemmer(), lexicon.stopwords)
    assert tb.words["tb"] == 1.0  # used in the text for "tuberculosis" of the title
    cuba = derive_names(documents["A/RES/73/8"], Stemmer(), lexicon.stopwords, lexicon.synonyms)
    assert cuba.words["cuba"] == 1.0 and "america" in cuba.words
    assert cuba.words["blockad"] < 1.0  # a thesaurus synonym of a title word counts less


def test_words_every_resolution_shares_are_not_names(documents, lexicon):
    names = derive_names(documents["A/RES/73/7"], Stemmer(), lexicon.stopwords)
    assert not {"resolution", "report", "general", "assembly", "united", "nations"} & set(
        names.words
    )


# -- mentions -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("message", "symbol"),
    [
        ("When was the Cuba embargo resolution adopted?", "A/RES/73/8"),
        ("what does the Cuban one ask for", "A/RES/73/8"),  # fuzzy: Cuban ~ Cuba
        ("Show me operative paragraph 7 of the outer space resolution", "A/RES/73/6"),
        ("the space text, op 3", "A/RES/73/6"),  # partial: one word of the title
        ("in the UNISPACE+50 resolution", "A/RES/73/6"),  # defined in the text
        ("the COPUOS resolution", "A/RES/73/6"),
        (
            "What does paragraph 12 of the International Criminal Court resolution say?",
            "A/RES/73/7",
        ),
        ("and in the ICC one?", "A/RES/73/7"),
        ("footnote 2 of the criminal court text", "A/RES/73/7"),
        ("what about the tuberculosis one?", "A/RES/73/3"),
        ("the TB declaration, paragraph 4", "A/RES/73/3"),
        ("the tuberculossis declaration", "A/RES/73/3"),  # a typo
        ("the 2016 human rights resolution", "A/RES/71/194"),  # adoption year
        ("the 1996 human rights cooperation resolution", "A/RES/51/100"),
        ("the resolution on the Cuba embargo", "A/RES/73/8"),
        ("what's in the one about Cuba?", "A/RES/73/8"),
        ("tell me about the one on outer space", "A/RES/73/6"),
        ("the blockade resolution", "A/RES/73/8"),  # a thesaurus synonym of its title
    ],
)
def test_a_mention_picks_its_document(documents, lexicon, message, symbol):
    assert named(documents, lexicon, message) == [symbol]


def test_a_typo_is_judged_on_the_stem_length(documents, lexicon):
    assert named(documents, lexicon, "the cooperation one", ["A/RES/71/194", "A/RES/73/6"]) == [
        "A/RES/71/194"
    ]


def test_a_slip_in_the_word_for_a_document_still_ends_a_mention(documents, lexicon):
    assert head_word("resolutoin") == head_word("Resoltion") == "resolution"
    assert head_word("declaratoin") == "declaration"
    assert head_word("documnet's") == "document"
    # Its plural, a slip of the plural and other words are no head of one mention.
    for word in ("resolutions", "resolutoins", "revolution", "resolute", "resolving"):
        assert head_word(word) == word
    assert named(documents, lexicon, "when was the Cuba embargo resolutoin adopted?") == [
        "A/RES/73/8"
    ]
    assert named(documents, lexicon, "the tuberculosis declaratoin, paragraph 4") == ["A/RES/73/3"]
    assert named(documents, lexicon, "which space resolutoins came before it?") is None


def test_two_documents_with_the_same_subject_are_ambiguous(documents, lexicon):
    both = named(documents, lexicon, "the human rights cooperation resolution")
    assert both is not None and set(both) == {"A/RES/71/194", "A/RES/51/100"}
    only = named(
        documents,
        lexicon,
        "the human rights cooperation resolution",
        ["A/RES/71/194", "A/RES/73/7"],
    )
    assert only == ["A/RES/71/194"]


@pytest.mark.parametrize(
    "message",
    [
        "What does the Vienna Declaration say?",  # an instrument the text names
        "Human Rights Council resolution 32/6",
        "and the next one?",
        "the first one",
        "What does the resolution say about space debris and climate?",
        "which one mentions Cuba?",
    ],
)
def test_words_that_are_no_mention(documents, lexicon, message):
    assert named(documents, lexicon, message) is None


def test_the_mention_is_taken_out_of_the_question(documents, lexicon):
    refs, _ = references(documents, lexicon, ALL)

    def without(message: str) -> str:
        mention = refs.find(message)
        assert mention is not None
        return refs.without(message, mention)

    assert without("What does paragraph 12 of the ICC resolution say?") == (
        "What does paragraph 12 say?"
    )
    assert without("what does the Cuba resolution ask the Secretary-General to do?") == (
        "what does the resolution ask the Secretary-General to do?"
    )
    assert without("what does the ICC resolution's footnote 3 say") == (
        "what does the resolution's footnote 3 say"
    )


def test_aliases_name_what_cannot_be_derived(documents, lexicon):
    aliases = {"A/RES/73/7": ["the Hague court resolution"]}
    assert named(documents, lexicon, "what does the Hague one say", ALL) is None
    assert named(documents, lexicon, "what does the Hague one say", ALL, aliases) == ["A/RES/73/7"]


def test_the_word_index_gives_each_document_the_weight_of_its_own_names(documents, lexicon):
    """Issue 14: a message's words are weighed in every document through an index of the
    names' words and acronyms (10,000 documents are not read one by one per message); the
    weights are those of the per-document definition, exact, acronym, stem and typo alike."""
    refs, _ = references(documents, lexicon, ALL)
    words = {w for names in refs.names for w in names.words}
    words |= {w[:-1] + "x" for w in list(words) if len(w) > 4}  # a typo away
    words |= {w + "s" for w in list(words)[:200]}
    words |= {"icc", "copuos", "tb", "cuba", "2016", "1996", "spaces", "tuberculosi", "unga"}
    for word in sorted(words):
        expected = {i: weight_in(refs.stemmer, word, names) for i, names in enumerate(refs.names)}
        found = refs._weights(word)
        assert {i: found.get(i, 0.0) for i in expected} == expected, word


def weight_in(stemmer: Stemmer, word: str, names: Names) -> float:
    """The definition, one document at a time, that the word index must reproduce."""
    if YEAR.match(word):
        return names.words.get(word, 0.0)
    exact = names.words.get(word)
    if exact is not None:
        return exact
    acronym = max((a.weight for a in names.acronyms if a.fits(word)), default=0.0)
    if acronym:
        return acronym
    stem = stemmer.stem(word)
    found = names.words.get(stem)
    if found is not None:
        return found
    if len(word) < 4 or word.isdigit():
        return 0.0
    allowed = 1 if len(stem) < 8 else 2
    best = 0.0
    for name, weight in names.words.items():
        close = len(name) >= 4 and abs(len(name) - len(stem)) <= allowed
        if close and OSA.distance(stem, name, score_cutoff=allowed) <= allowed:
            best = max(best, weight * FUZZY)
    return best
