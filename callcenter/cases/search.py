"""Free-text search in Thai and English.

Thai is written without spaces, so text is cut into words with PyThaiNLP's
dictionary-based `newmm` tokenizer (offline, bundled dictionary). The stored document
of a case is its text, lower-cased and NFC-normalised, followed by its words one space
apart. A query is split where the user typed spaces; each piece must match, either
as a phrase (a substring of the text: a word inside a sentence or inside a longer
compound, มือถือ in โทรศัพท์มือถือ) or, for a piece of several words, with every one
of its words present as a whole word in any order (สินค้าไม่ได้รับ finds
"ไม่ได้รับสินค้า"). Phrase matches sort first. LIKE with pg_trgm's GIN index serves
both; English is case-insensitive because everything is lower-cased.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from pythainlp.tokenize import word_tokenize
from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

MAX_PIECES = 8
MAX_WORDS = 12


@dataclass(frozen=True)
class Piece:
    text: str  # as typed, normalised
    words: tuple[str, ...]  # its dictionary words


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


def tokens(text: str) -> list[str]:
    """Words of `text`, lower-case, without blanks and bare punctuation."""
    words = word_tokenize(normalise(text), engine="newmm", keep_whitespace=False)
    return [w.strip() for w in words if any(ch.isalnum() for ch in w)]


def document(parts: Iterable[str | None]) -> str:
    """The stored search text of a case: its text, then its words one space apart."""
    text = normalise(" ".join(part for part in parts if part))
    return f"{text} | {' '.join(tokens(text))} "


def parse(query: str) -> list[Piece]:
    """The pieces of a query (split where the user typed spaces) and their words."""
    pieces = list(dict.fromkeys(normalise(query).split()))[:MAX_PIECES]
    return [Piece(p, tuple(tokens(p))[:MAX_WORDS]) for p in pieces if any(c.isalnum() for c in p)]


def _like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phrase(column: InstrumentedAttribute[str], piece: Piece) -> ColumnElement[bool]:
    return column.like(f"%{_like(piece.text)}%", escape="\\")


def _all_words(column: InstrumentedAttribute[str], piece: Piece) -> ColumnElement[bool]:
    return and_(*(column.like(f"% {_like(w)} %", escape="\\") for w in piece.words))


def matches(column: InstrumentedAttribute[str], pieces: list[Piece]) -> ColumnElement[bool]:
    """Every piece matches, as a phrase or word by word."""
    return and_(
        *(
            or_(_phrase(column, p), _all_words(column, p))
            if len(p.words) > 1
            else _phrase(column, p)
            for p in pieces
        )
    )


def exact(column: InstrumentedAttribute[str], pieces: list[Piece]) -> ColumnElement[bool]:
    """Every piece matches as a phrase (these results sort first)."""
    return and_(*(_phrase(column, p) for p in pieces))
