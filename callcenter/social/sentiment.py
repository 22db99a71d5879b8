"""Sentiment of a mention: positive, neutral or negative (pure, offline).

Thai: no ready offline model exists, so a lexicon and a few rules
(data/thai_sentiment.json): words and phrases carry weights; a negator up to two words
before flips and softens a weight (ไม่ดี); an intensifier next to it strengthens it
(แย่มาก, ดีสุดๆ); scam vocabulary (โดนหลอก, สูญเงิน) counts fully when the writer or someone
close is the victim and half in reports and warnings, which are neutral news unless
they say more. English: VADER's lexicon, which ships in its package.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from callcenter.social import text

NEGATION_WINDOW = 2  # ไม่ดี, ไม่ค่อยดี; not across a clause (โทรไม่ติดเลย แย่มาก)
THRESHOLD = 0.6  # |score| below this is neutral
SCAM_REPORTED = 0.4  # share of a scam word's weight in a report or warning
REPORT_DAMPING = 0.6  # a report's own emotive words count for less too
QUESTION_DAMPING = 0.7
VADER_THRESHOLD = 0.05  # VADER's own published cut-off on its compound score


class Sentiment(enum.StrEnum):
    positive = "positive"
    neutral = "neutral"
    negative = "negative"


@dataclass(frozen=True)
class Lexicon:
    weights: dict[tuple[str, ...], float]  # phrase (words) -> signed weight
    scam: frozenset[tuple[str, ...]]
    negators: frozenset[str]
    intensifiers: dict[str, float]
    victim_markers: frozenset[tuple[str, ...]]
    report_cues: frozenset[str]
    emoji: dict[str, float]
    longest: int

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Lexicon:
        weights: dict[tuple[str, ...], float] = {}
        for section, sign in (("positive", 1.0), ("negative", -1.0), ("scam", -1.0)):
            for phrase, weight in data[section].items():
                weights[_phrase(phrase)] = sign * float(weight)
        scam = frozenset(_phrase(p) for p in data["scam"])
        return cls(
            weights=weights, scam=scam, negators=frozenset(data["negators"]),
            intensifiers={k: float(v) for k, v in data["intensifiers"].items()},
            victim_markers=frozenset(_phrase(p) for p in data["victim_markers"]),
            report_cues=frozenset(data["report_cues"]),
            emoji={k: float(v) for k, v in data["emoji"].items()},
            longest=max(len(p) for p in weights),
        )  # fmt: skip


def _phrase(entry: str) -> tuple[str, ...]:
    """A lexicon entry as words: spaces in it mark word edges the tokenizer draws too."""
    return tuple(w for part in entry.split() for w in text.words(part))


@cache
def thai_lexicon() -> Lexicon:
    raw = resources.files("callcenter.social").joinpath("data/thai_sentiment.json").read_text()
    return Lexicon.parse(json.loads(raw))


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


_THAI_MODEL: list[Callable[[str], Sentiment]] = []  # the trained model in use, if any


def use_thai_model(predict: Callable[[str], Sentiment] | None) -> None:
    """From now on Thai mentions are classified by `predict` (None: by the rules again)."""
    _THAI_MODEL[:] = [predict] if predict is not None else []


def thai_by() -> str:
    """What classifies Thai mentions now: 'model' or 'rules' (kept as sentiment_by)."""
    return "model" if _THAI_MODEL else "rules"


def classify(body: str, lang: str | None = None, *, rules_only: bool = False) -> Sentiment:
    """The sentiment of one mention (English by VADER, anything else by the trained Thai model
    when one is in use, else by the Thai rules)."""
    lang = lang or text.language(body)
    if lang == "en":
        compound = float(_vader().polarity_scores(body)["compound"])
        return _label(compound, VADER_THRESHOLD)
    if _THAI_MODEL and not rules_only:
        return _THAI_MODEL[0](body)
    return _label(thai_score(body), THRESHOLD)


def _label(score: float, threshold: float) -> Sentiment:
    if score >= threshold:
        return Sentiment.positive
    if score <= -threshold:
        return Sentiment.negative
    return Sentiment.neutral


def thai_score(body: str, lexicon: Lexicon | None = None) -> float:
    """The signed score of a Thai mention: above THRESHOLD positive, below minus it negative."""
    lex = lexicon or thai_lexicon()
    words = text.words(body)
    prepared = text.Haystack(words)
    victim = any(prepared.has(m) for m in lex.victim_markers)
    report = not victim and any(w in lex.report_cues for w in words)
    score = 0.0
    for start, phrase, weight in _hits(words, lex):
        weight *= _intensity(words, start, len(phrase), lex)
        if _negated(words, start, lex):
            weight = -0.7 * weight
        if phrase in lex.scam and not victim:
            weight *= SCAM_REPORTED
        score += weight
    score += sum(value * body.count(mark) for mark, value in lex.emoji.items())
    if report:
        score *= REPORT_DAMPING
    if _asks(body, words) and abs(score) < 2 * THRESHOLD:
        score *= QUESTION_DAMPING
    return score


def _hits(words: Sequence[str], lex: Lexicon) -> list[tuple[int, tuple[str, ...], float]]:
    """Lexicon phrases found, longest first at each position, never overlapping."""
    found, i = [], 0
    while i < len(words):
        for size in range(min(lex.longest, len(words) - i), 0, -1):
            phrase = tuple(words[i : i + size])
            if phrase in lex.weights:
                found.append((i, phrase, lex.weights[phrase]))
                i += size
                break
        else:
            i += 1
    return found


def _intensity(words: Sequence[str], start: int, size: int, lex: Lexicon) -> float:
    factor = 1.0
    for near in (start - 1, start + size, start + size + 1):
        if 0 <= near < len(words) and words[near] in lex.intensifiers:
            factor = max(factor, lex.intensifiers[words[near]])
    return factor


def _negated(words: Sequence[str], start: int, lex: Lexicon) -> bool:
    return any(w in lex.negators for w in words[max(0, start - NEGATION_WINDOW) : start])


def _asks(body: str, words: Sequence[str]) -> bool:
    return "?" in body or any(w in ("ไหม", "มั้ย", "หรือเปล่า", "รึเปล่า") for w in words)
