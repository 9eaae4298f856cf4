"""Bounded memos: answers worked out once and kept, for lookups that every request repeats.

The keys of these memos come partly from clients (attribute names, header values), so each
memo has a bound; reaching it forgets every answer at once, which costs one recomputation each
and keeps a flood of distinct keys from growing memory.
"""

from __future__ import annotations

from typing import TypeVar

_K = TypeVar("_K")
_V = TypeVar("_V")


def remember(answers: dict[_K, _V], key: _K, answer: _V, bound: int) -> _V:
    """Keep ``answer`` under ``key`` in ``answers`` and return it, forgetting every answer
    first when ``answers`` holds ``bound`` of them."""
    if len(answers) >= bound:
        answers.clear()
    answers[key] = answer
    return answer
