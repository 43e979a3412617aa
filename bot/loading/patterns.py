"""Intent patterns must run in time linear in the message: a static check, on the standard
library's own parse of each regular expression (`re._parser`), refuses the shapes that make
Python's backtracking engine slow on a long message.

- nested unbounded quantifiers: `(\\w+ )*`, `(a*)+`, `(x+){2,9}`: exponential or polynomial;
- adjacent unbounded quantifiers that can match the same characters, with nothing between
  them that must match: `.+?\\W*$`, `\\s*\\s*`: every way of sharing a run between them is
  tried;
- an unbounded quantifier over letters and spaces both (`.*`, `[^?]+`) in a pattern not
  anchored with `^`: `search` tries it from every position where the pattern could start,
  running to the end of the message each time (`\\bwhen\\b.*\\badopted\\b` on "when when
  when ..."). Anchor it: `^(?>.*?\\bwhen\\b).*\\badopted\\b` commits to the first "when"
  (the atomic group never gives it back), then looks for "adopted" once; or bound it;
- two such quantifiers in one pattern (outside atomic groups): each place the first can
  stop, the second runs again.

Possessive quantifiers (`*+`) and atomic groups (`(?>...)`) never give back what they matched,
so they count as neither half of an adjacent pair.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from importlib import import_module
from typing import Any

sre_parser: Any = import_module("re._parser")
sre_constants: Any = import_module("re._constants")
C = sre_constants

# Characters to probe what a quantified item can match (messages are lower-cased before
# patterns see them): ASCII and Latin, typographic punctuation and spaces, a CJK letter.
PROBES = "".join(chr(c) for c in range(0x20, 0x250)) + "\t\n\u2028\u3000\u2014\u2019…中"

REPEATS = {C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT}
ZERO_WIDTH = {C.AT, C.ASSERT, C.ASSERT_NOT}

CharTest = Callable[[str], bool]


def pattern_problems(pattern: str, flags: int = re.IGNORECASE) -> list[str]:
    """What makes the (macro-expanded) pattern super-linear, in words; [] when nothing."""
    try:
        parsed = sre_parser.parse(pattern, flags)
    except (re.error, RecursionError):
        return []  # compiling reports it
    items = list(parsed)
    problems: list[str] = []
    _nested(items, problems, inside=None)
    _adjacent(items, problems)
    if not _anchored(items) and any(_is_wide_unbounded(i) for i in _walk(items)):
        problems.append(
            "an unbounded quantifier over letters and spaces (such as .* or .+) in a pattern "
            "not anchored with ^ makes search time quadratic in the message: anchor it "
            r"(for 'A, later B' write ^(?>.*?\bA\b).*\bB\b) or bound it, e.g. .{0,80}"
        )
    elif sum(_is_wide_unbounded(i) for i in _walk(items, into_atomic=False)) > 1:
        problems.append(
            "two unbounded quantifiers over letters and spaces (such as .* or .+) in one "
            "pattern make matching time quadratic in the message: put the first in an atomic "
            "group, (?>...), or bound one, e.g. .{0,80}"
        )
    return list(dict.fromkeys(problems))


# -- the parse tree ------------------------------------------------------------------------
def _children(item: tuple[Any, Any]) -> list[list[tuple[Any, Any]]]:
    """The sub-sequences directly inside an item."""
    op, value = item
    if op in REPEATS:
        return [list(value[2])]
    if op is C.SUBPATTERN:
        return [list(value[-1])]
    if op is C.ATOMIC_GROUP:
        return [list(value)]
    if op in {C.ASSERT, C.ASSERT_NOT}:
        return [list(value[1])]
    if op is C.BRANCH:
        return [list(branch) for branch in value[1]]
    if op is C.GROUPREF_EXISTS:
        return [list(part) for part in value[1:] if part is not None]
    return []


def _walk(
    items: Iterable[tuple[Any, Any]], *, into_atomic: bool = True
) -> Iterable[tuple[Any, Any]]:
    for item in items:
        yield item
        if into_atomic or item[0] is not C.ATOMIC_GROUP:
            for child in _children(item):
                yield from _walk(child, into_atomic=into_atomic)


def _unbounded(item: tuple[Any, Any]) -> bool:
    return item[0] in REPEATS and item[1][1] is C.MAXREPEAT


def _repeats_many(item: tuple[Any, Any]) -> bool:
    return item[0] in REPEATS and (item[1][1] is C.MAXREPEAT or item[1][1] > 1)


def _nested(items: list[tuple[Any, Any]], problems: list[str], inside: Any) -> None:
    for item in items:
        if _repeats_many(item):
            if inside is not None and (_unbounded(item) or _unbounded(inside)):
                problems.append(
                    "nested quantifiers, one of them unbounded (such as (\\w+ )* or (a*)+), "
                    "take exponential or polynomial time on a long message"
                )
            outer = item
        else:
            outer = inside
        for child in _children(item):
            _nested(child, problems, outer)


def _flatten(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """A sequence with plain groups opened: what follows what, as the engine meets it."""
    out: list[tuple[Any, Any]] = []
    for item in items:
        if item[0] is C.SUBPATTERN:
            out.extend(_flatten(list(item[1][-1])))
        else:
            out.append(item)
    return out


def _adjacent(items: list[tuple[Any, Any]], problems: list[str]) -> None:
    sequence = _flatten(items)
    for position, item in enumerate(sequence):
        if _unbounded(item) and item[0] is not C.POSSESSIVE_REPEAT:
            accepts = _accepts(list(item[1][2]))
            for later in sequence[position + 1 :]:
                if _unbounded(later) and later[0] is not C.POSSESSIVE_REPEAT:
                    other = _accepts(list(later[1][2]))
                    if any(accepts(ch) and other(ch) for ch in PROBES):
                        problems.append(
                            "adjacent unbounded quantifiers that can match the same characters "
                            "(such as .+?\\W*$) try every split of a run between them: make "
                            "one possessive (*+) or the character sets disjoint"
                        )
                    break
                if not _nullable(later):
                    break
    for item in sequence:
        for child in _children(item):
            if item[0] is not C.ATOMIC_GROUP:
                _adjacent(child, problems)


def _nullable(item: tuple[Any, Any]) -> bool:
    """Whether the item can match the empty string (so it separates nothing)."""
    op, value = item
    if op in ZERO_WIDTH:
        return True
    if op in REPEATS:
        return bool(value[0] == 0) or all(_nullable(i) for i in value[2])
    if op in {C.SUBPATTERN, C.ATOMIC_GROUP}:
        return all(_nullable(i) for i in _children(item)[0])
    if op is C.BRANCH:
        return any(all(_nullable(i) for i in branch) for branch in value[1])
    return False


def _anchored(items: list[tuple[Any, Any]]) -> bool:
    sequence = _flatten(items)
    if not sequence:
        return False
    op, value = sequence[0]
    if op is C.AT:
        return bool(value is C.AT_BEGINNING or value is C.AT_BEGINNING_STRING)
    if op is C.BRANCH:
        return all(_anchored(list(branch)) for branch in value[1])
    return False


def _is_wide_unbounded(item: tuple[Any, Any]) -> bool:
    if not _unbounded(item) or item[0] is C.POSSESSIVE_REPEAT:
        return False
    accepts = _accepts(list(item[1][2]))
    return accepts("a") and accepts(" ")


# -- which characters an item can match ------------------------------------------------------
def _accepts(items: list[tuple[Any, Any]]) -> CharTest:
    """Whether any position of the items can match a character (a superset is fine)."""
    tests = [_char_test(item) for item in items]
    return lambda ch: any(test(ch) for test in tests)


_CATEGORIES: dict[Any, CharTest] = {
    C.CATEGORY_DIGIT: str.isdecimal,
    C.CATEGORY_NOT_DIGIT: lambda ch: not ch.isdecimal(),
    C.CATEGORY_SPACE: str.isspace,
    C.CATEGORY_NOT_SPACE: lambda ch: not ch.isspace(),
    C.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_",
    C.CATEGORY_NOT_WORD: lambda ch: not (ch.isalnum() or ch == "_"),
}


def _char_test(item: tuple[Any, Any]) -> CharTest:
    op, value = item
    if op is C.LITERAL:
        return _literal_test(chr(value))
    if op is C.NOT_LITERAL:
        return lambda ch: ch.lower() != chr(value).lower()
    if op is C.ANY:
        return lambda ch: ch != "\n"
    if op is C.IN:
        return _set_test(list(value))
    if op is C.CATEGORY:
        return _CATEGORIES.get(value, lambda ch: True)
    if op in ZERO_WIDTH:
        return lambda ch: False
    children = _children(item)
    if children:
        tests = [_accepts(child) for child in children]
        return lambda ch: any(test(ch) for test in tests)
    return lambda ch: True  # anything else (back references): assume the worst


def _cases(ch: str) -> set[str]:
    """The character and its lower and upper case (IGNORECASE), each a single character."""
    return {c for c in (ch, ch.lower(), ch.upper()) if len(c) == 1}


def _literal_test(literal: str) -> CharTest:
    return lambda ch: ch.lower() == literal.lower()


def _range_test(low: int, high: int) -> CharTest:
    return lambda ch: any(low <= ord(c) <= high for c in _cases(ch))


def _set_test(members: list[tuple[Any, Any]]) -> CharTest:
    negate = bool(members) and members[0][0] is C.NEGATE
    tests: list[CharTest] = []
    for op, value in members[1:] if negate else members:
        if op is C.LITERAL:
            tests.append(_literal_test(chr(value)))
        elif op is C.RANGE:
            tests.append(_range_test(value[0], value[1]))
        elif op is C.CATEGORY:
            tests.append(_CATEGORIES.get(value, lambda ch: True))
        else:
            tests.append(lambda ch: True)
    if negate:
        return lambda ch: not any(test(ch) for test in tests)
    return lambda ch: any(test(ch) for test in tests)
