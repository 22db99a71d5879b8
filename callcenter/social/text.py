"""Words of a mention, its language, and whether a keyword is in it (pure, no I/O).

Thai is written without spaces: Thai runs are cut into words by PyThaiNLP's `newmm`
(dictionary in the wheel, offline); other runs by a plain word pattern. A keyword
matches a mention when its words appear one after another as whole words, so ยา
(drug) is found in ขายยาปลอม but not inside พยายาม. A dictionary compound that newmm
keeps as one word (หลอกลวง) also contains a keyword when the compound splits wholly
into dictionary words around it (หลอก + ลวง); พยายาม does not (พ + ยา + ยาม leaves พ,
which is no word).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize

THAI = re.compile(r"[\u0e00-\u0e7f]+")
THAI_LETTER = re.compile(r"[\u0e01-\u0e4e]")
LATIN_LETTER = re.compile(r"[a-zA-Z]")
OTHER_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
THAI_SHARE = 0.3  # a mention with this share of Thai letters (among letters) is Thai


def normalise(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


@lru_cache(maxsize=65536)
def _thai_words(run: str) -> tuple[str, ...]:
    words = word_tokenize(run, engine="newmm", keep_whitespace=False)
    return tuple(w for w in words if w.strip())


def words(text: str) -> list[str]:
    """The words of `text`, lower-case, in order, without blanks and punctuation."""
    out: list[str] = []
    text = normalise(text)
    pos = 0
    for run in THAI.finditer(text):
        out += OTHER_WORD.findall(text[pos : run.start()])
        out += _thai_words(run.group())
        pos = run.end()
    out += OTHER_WORD.findall(text[pos:])
    return out


def language(text: str) -> str:
    """'th', 'en' or 'und', by the share of Thai letters among the letters."""
    thai = len(THAI_LETTER.findall(text))
    latin = len(LATIN_LETTER.findall(text))
    if thai + latin == 0:
        return "und"
    return "th" if thai / (thai + latin) >= THAI_SHARE else "en"


@cache
def _dictionary() -> frozenset[str]:
    return frozenset(thai_words())


@lru_cache(maxsize=65536)
def _splits_into_words(text: str) -> bool:
    """Whether `text` is empty or a sequence of dictionary words."""
    if not text:
        return True
    known = _dictionary()
    return any(text[:i] in known and _splits_into_words(text[i:]) for i in range(len(text), 0, -1))


def _edge(text: str, pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether `pos` is a word edge: between two words, or inside a Thai compound whose
    two sides are both made of dictionary words."""
    for start, end in spans:
        if pos in (start, end):
            return True
        if start < pos < end:
            left, right = text[start:pos], text[pos:end]
            return bool(THAI.fullmatch(left) and THAI.fullmatch(right)) and (
                _splits_into_words(left) and _splits_into_words(right)
            )
    return False


@lru_cache(maxsize=4096)
def _is_thai(target: str) -> bool:
    return bool(THAI.fullmatch(target))


class Haystack:
    """A mention's words, prepared once for many look-ups (keywords, lexicon markers)."""

    __slots__ = ("_spans", "_text", "present", "words")

    def __init__(self, words: Sequence[str]) -> None:
        self.words = tuple(words)
        self.present = frozenset(self.words)
        self._text: str | None = None
        self._spans: list[tuple[int, int]] = []

    def has(self, needle: Sequence[str]) -> bool:
        """Whether the words `needle` appear, consecutive, as whole words (for Thai, also
        where newmm kept them inside a compound: บัญชีม้า in ปิดบัญชี + ม้า)."""
        if not needle:
            return False
        if needle[0] in self.present and self._in_sequence(needle):
            return True
        target = "".join(needle)
        return _is_thai(target) and self._inside(target)

    def _in_sequence(self, needle: Sequence[str]) -> bool:
        n, first, rest = len(needle), needle[0], tuple(needle[1:])
        words = self.words
        return any(
            words[i] == first and words[i + 1 : i + n] == rest for i in range(len(words) - n + 1)
        )

    def _inside(self, target: str) -> bool:
        if self._text is None:
            self._text, pos = "".join(self.words), 0
            for word in self.words:
                self._spans.append((pos, pos + len(word)))
                pos += len(word)
        text = self._text
        at = text.find(target)
        while at >= 0:
            if _edge(text, at, self._spans) and _edge(text, at + len(target), self._spans):
                return True
            at = text.find(target, at + 1)
        return False


def contains(haystack: Sequence[str], needle: Sequence[str]) -> bool:
    """`Haystack(haystack).has(needle)`, for a single look-up."""
    return Haystack(haystack).has(needle)


@dataclass(frozen=True)
class KeywordRule:
    """A keyword with its sub-keywords and exclusions, each already cut into words."""

    keyword_id: int
    phrases: tuple[tuple[str, ...], ...]
    exclusions: tuple[tuple[str, ...], ...] = ()
    language: str = "any"  # 'th', 'en' or 'any': the mentions it applies to

    @classmethod
    def build(
        cls,
        *,
        keyword_id: int,
        keyword: str,
        sub_keywords: Sequence[str] = (),
        exclusions: Sequence[str] = (),
        language: str = "any",
    ) -> KeywordRule:
        phrases = tuple(tuple(words(p)) for p in (keyword, *sub_keywords) if words(p))
        excluded = tuple(tuple(words(p)) for p in exclusions if words(p))
        return cls(keyword_id, phrases, excluded, language)

    def hits(self, mention: Haystack, mention_language: str) -> list[str]:
        """The phrases found (empty when none, an exclusion is present, or another language)."""
        if self.language != "any" and self.language != mention_language:
            return []
        if any(mention.has(ex) for ex in self.exclusions):
            return []
        return [" ".join(p) for p in self.phrases if mention.has(p)]


@dataclass
class Matcher:
    """Every keyword rule, applied to one mention at a time."""

    rules: list[KeywordRule] = field(default_factory=list)

    def match(self, text: str, lang: str | None = None) -> dict[int, list[str]]:
        """Keyword id -> the phrases of it found in `text`."""
        mention_words = Haystack(words(text))
        lang = lang or language(text)
        found = {}
        for rule in self.rules:
            phrases = rule.hits(mention_words, lang)
            if phrases:
                found[rule.keyword_id] = phrases
        return found
