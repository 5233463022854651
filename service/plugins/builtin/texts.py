"""Small helpers for Danish finding messages."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from service.vocabulary import date_words


def join_and(words: Sequence[str]) -> str:
    """``["a", "b", "c"]`` → ``"a, b og c"``."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " og " + words[-1]


def day(value: date) -> str:
    """A date as Danes write it in running text: ``30. juni 2026``."""
    return date_words(value)


def blank(text: str | None) -> bool:
    return text is None or not text.strip()
