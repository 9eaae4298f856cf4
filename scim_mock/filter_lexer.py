"""Tokenizer for SCIM filter expressions (RFC 7644 §3.4.2.2).

Splits a filter into brackets, JSON literals (compValue: strings, numbers, ``true``, ``false``,
``null``) and "words" (attribute paths, operators, ``and``/``or``/``not``). Telling a path from
an operator is left to the parser because it depends on where the word stands. Every failure raises
:class:`~scim_mock.errors.InvalidFilter` naming the column (1-based) of the offending text.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import TypeAlias

from scim_mock.errors import InvalidFilter

#: Longest filter text accepted; longer input is refused before any parsing work.
MAX_FILTER_LENGTH = 8192
#: Longest number literal accepted (JSON numbers are unbounded; ours need not be).
MAX_NUMBER_LENGTH = 100

# The ABNF separates tokens with SP; we also accept tabs and line breaks, and repeated blanks.
_WHITESPACE = " \t\r\n"
_WORD_RE = re.compile(r'[^ \t\r\n()\[\]"]+')
# A JSON string: any run of non-quote, non-backslash characters or backslash escapes.
_STRING_RE = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_KEYWORD_LITERALS = {"true": True, "false": False, "null": None}

#: A compValue: JSON string, number (int when written without fraction or exponent), boolean
#: or null.
Value: TypeAlias = str | int | float | bool | None


@dataclass(frozen=True)
class Token:
    """One lexical token; ``kind`` is ``( ) [ ]``, ``"value"``, ``"word"`` or ``"end"``."""

    kind: str
    text: str
    start: int
    end: int
    value: Value = None  # the decoded literal of a "value" token

    def describe(self) -> str:
        """How error messages name this token."""
        if self.kind == "end":
            return "the end of the filter"
        return f"{shorten(self.text)!r} at column {self.start + 1}"


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters for error messages (the input may be 8 KiB)."""
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``end`` token.

    Raises InvalidFilter for non-string, empty or over-long input, unterminated strings and
    invalid JSON escapes (P-3.4.2.2-04).
    """
    if not isinstance(text, str):
        raise InvalidFilter(f"the filter must be a string, not {type(text).__name__}")
    if len(text) > MAX_FILTER_LENGTH:
        raise InvalidFilter(
            f"the filter is {len(text)} characters long; at most {MAX_FILTER_LENGTH} are accepted"
        )
    if not text.strip(_WHITESPACE):
        raise InvalidFilter("the filter is empty")
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in _WHITESPACE:
            index += 1
        elif char in "()[]":
            tokens.append(Token(char, char, index, index + 1))
            index += 1
        elif char == '"':
            tokens.append(_string(text, index))
            index = tokens[-1].end
        else:
            match = _WORD_RE.match(text, index)
            assert match is not None  # char is neither blank, bracket nor quote
            tokens.append(_word(match.group(), index))
            index = match.end()
    tokens.append(Token("end", "", len(text), len(text)))
    return tokens


def _string(text: str, start: int) -> Token:
    """The JSON string literal starting at ``start`` (compValue = string, RFC 8259 §7)."""
    match = _STRING_RE.match(text, start)
    if match is None:
        raise InvalidFilter(f"unterminated string literal starting at column {start + 1}")
    literal = match.group()
    try:
        value = json.loads(literal)
    except ValueError as exc:
        # JSONDecodeError.pos is relative to the literal; report it against the whole filter.
        column = start + getattr(exc, "pos", 0) + 1
        reason = getattr(exc, "msg", str(exc))
        raise InvalidFilter(
            f"invalid string literal {literal!r} at column {column}: {reason}"
        ) from None
    return Token("value", literal, start, match.end(), value)


def _word(word: str, start: int) -> Token:
    """A word, or a number / true / false / null literal (JSON spelling, so lower-case only)."""
    end = start + len(word)
    if word in _KEYWORD_LITERALS:
        return Token("value", word, start, end, _KEYWORD_LITERALS[word])
    match = _NUMBER_RE.fullmatch(word)
    if match is None:
        return Token("word", word, start, end)
    # A fixed cap rather than int()'s digit limit, which differs between Python releases.
    number: float = math.inf
    if len(word) <= MAX_NUMBER_LENGTH:
        number = float(word) if match.group(1) or match.group(2) else int(word)
    if isinstance(number, float) and not math.isfinite(number):
        raise InvalidFilter(f"number out of range: {shorten(word)!r} at column {start + 1}")
    return Token("value", word, start, end, number)
