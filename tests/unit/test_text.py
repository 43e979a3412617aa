"""Clean text and words: the fast implementation against a plain reference one."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.text import SUPERSCRIPT_DIGITS, clause_spans, clean, fold, strip_markup, words


def reference_clean(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """docs/contract.md's definition, one character at a time."""
    text = strip_markup(raw)
    out: list[str] = []
    markers: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        if text[i] in SUPERSCRIPT_DIGITS:
            j = i
            while j < len(text) and text[j] in SUPERSCRIPT_DIGITS:
                j += 1
            markers.append(
                (int("".join(str(SUPERSCRIPT_DIGITS.index(c)) for c in text[i:j])), len(out))
            )
            i = j
            continue
        if text[i].isspace():
            if out and out[-1] != " ":
                out.append(" ")
        else:
            out.append(text[i])
        i += 1
    while out and out[-1] == " ":
        out.pop()
    return "".join(out), tuple((n, min(o, len(out))) for n, o in markers)


ALPHABET = st.sampled_from(list("ab Z.,;:*[]()#\t\n\u00a0é—“”") + list(SUPERSCRIPT_DIGITS))


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=60))
def test_clean_matches_the_reference(raw):
    cleaned = clean(raw)
    assert (cleaned.text, cleaned.markers) == reference_clean(raw)


def test_clean_examples():
    cleaned = clean("Recalling [70/1](#) of 2015,¹ and *Declaration*² here")
    assert cleaned.text == "Recalling 70/1 of 2015, and Declaration here"
    assert cleaned.markers == ((1, 23), (2, 39))


def test_words_fold_case_and_accents():
    assert words("Côte d’Ivoire, résolution 70/1 and NON-governmental") == [
        "cote",
        "d",
        "ivoire",
        "resolution",
        "70/1",
        "and",
        "non",
        "governmental",
    ]
    assert fold("ÉCOSOC") == "ecosoc"


def test_clauses_split_at_clause_openers_only():
    text = (
        "Urges States to take measures necessary to enhance bilateral, regional and "
        "international cooperation aimed at addressing crises, such as financial crises, "
        "food crises and natural disasters, on the full enjoyment of human rights;"
    )
    spans = clause_spans(text)
    pieces = [text[a:b] for a, b in spans]
    assert pieces[0].endswith("aimed at addressing crises")
    assert pieces[1].startswith("such as financial crises, food crises")
    assert all(text[a:b] == p for (a, b), p in zip(spans, pieces, strict=True))
