"""The BERT uncased WordPiece tokenizer of all-MiniLM-L6-v2, in plain Python.

It reads the model's own tokenizer.json (its vocabulary) and does what that file's pipeline
says: the BertNormalizer (control characters dropped, whitespace made spaces, CJK ideographs
set apart, accents stripped, lower case), the BertPreTokenizer (split at whitespace and around
each punctuation mark), greedy longest-match WordPiece with "##" continuations ([UNK] for a word
it cannot spell or longer than 100 characters), then [CLS] ... [SEP], truncated. The ids are the
same as the `tokenizers` package gives for this file (checked in tests/unit/test_semantic.py);
doing it here spares an install of that package and of the model-hub client it depends on.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

MAX_WORD_CHARS = 100
PREFIX = "##"


class WordPiece:
    def __init__(self, vocabulary: dict[str, int], max_tokens: int) -> None:
        self.vocabulary = vocabulary
        self.max_tokens = max_tokens
        self.unknown = vocabulary["[UNK]"]
        self.first = vocabulary["[CLS]"]
        self.last = vocabulary["[SEP]"]
        self.pad = vocabulary["[PAD]"]
        self._word = lru_cache(maxsize=65536)(self._word_ids)

    @classmethod
    def from_file(cls, path: Path, max_tokens: int) -> WordPiece:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = data["model"]
        if model.get("type") != "WordPiece" or data["normalizer"]["type"] != "BertNormalizer":
            raise ValueError(f"{path}: not a BERT WordPiece tokenizer")
        return cls(dict(model["vocab"]), max_tokens)

    def ids(self, text: str) -> list[int]:
        """[CLS], the word pieces of the text (at most max_tokens - 2), [SEP]."""
        pieces: list[int] = []
        room = self.max_tokens - 2
        for word in words(normalized(text)):
            pieces.extend(self._word(word))
            if len(pieces) >= room:
                del pieces[room:]
                break
        return [self.first, *pieces, self.last]

    def padded(
        self, rows: Sequence[Sequence[int]]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Ids (of `ids`) and attention mask of several texts, padded to the longest."""
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return ids, mask

    def _word_ids(self, word: str) -> tuple[int, ...]:
        if len(word) > MAX_WORD_CHARS:
            return (self.unknown,)
        found: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else PREFIX + word[start:end]
                number = self.vocabulary.get(piece)
                if number is not None:
                    found.append(number)
                    break
                end -= 1
            else:
                return (self.unknown,)
            start = end
        return tuple(found)


# The normaliser on ASCII text: control characters dropped, tab and line breaks to spaces (no
# accents to strip, no Chinese characters to split off): most questions, in one C call.
_ASCII_CLEAN = {code: None for code in (*range(32), 127)} | {9: " ", 10: " ", 13: " "}


def normalized(text: str) -> str:
    """BertNormalizer(clean_text, handle_chinese_chars, strip_accents, lowercase)."""
    if text.isascii():
        return text.translate(_ASCII_CLEAN).lower()
    kept: list[str] = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD or _is_control(char):
            continue
        if _is_whitespace(char):
            kept.append(" ")
        elif _is_chinese(code):
            kept.append(f" {char} ")
        else:
            kept.append(char)
    decomposed = unicodedata.normalize("NFD", "".join(kept))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def words(text: str) -> list[str]:
    """BertPreTokenizer: split at whitespace, and each punctuation mark a word of its own."""
    found: list[str] = []
    for chunk in text.split():
        current: list[str] = []
        for char in chunk:
            if _is_punctuation(char):
                if current:
                    found.append("".join(current))
                    current = []
                found.append(char)
            else:
                current.append(char)
        if current:
            found.append("".join(current))
    return found


def _is_whitespace(char: str) -> bool:
    return char.isspace()  # what is left of it once control characters are dropped


def _is_control(char: str) -> bool:
    if char in "\t\n\r":
        return False
    return unicodedata.category(char) in {"Cc", "Cf", "Co", "Cs"}  # not Cn (unassigned)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_chinese(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2B73F
        or 0x2B740 <= code <= 0x2B81F
        or 0x2B820 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )
