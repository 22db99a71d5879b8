"""How well the sentiment classifier does on a labelled set: accuracy, the majority-class
baseline and the confusion matrix (rows: the label given, columns: the label predicted)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from callcenter.social.sentiment import Sentiment, classify

LABELS = tuple(Sentiment)
HELDOUT = Path("tests/fixtures/social/thai_sentiment_heldout.jsonl")


@dataclass(frozen=True)
class Example:
    text: str
    label: Sentiment


@dataclass(frozen=True)
class Evaluation:
    total: int
    correct: int
    majority_label: Sentiment
    majority_count: int
    confusion: dict[tuple[Sentiment, Sentiment], int]  # (given, predicted) -> count

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def baseline(self) -> float:
        """Accuracy of always answering the most frequent label."""
        return self.majority_count / self.total if self.total else 0.0

    def table(self) -> str:
        head = "given \\ predicted".ljust(18) + "".join(s.value.rjust(10) for s in LABELS)
        rows = [
            s.value.ljust(18) + "".join(str(self.confusion[(s, p)]).rjust(10) for p in LABELS)
            for s in LABELS
        ]
        return "\n".join([head, *rows])

    def matrix(self) -> dict[str, dict[str, int]]:
        return {g.value: {p.value: self.confusion[(g, p)] for p in LABELS} for g in LABELS}

    def report(self) -> str:
        return "\n".join([
            f"mentions / ข้อความ: {self.total}",
            f"accuracy / ความแม่นยำ: {self.accuracy:.3f} ({self.correct}/{self.total})",
            f"majority baseline / ตอบ '{self.majority_label.value}' ทุกข้อ: {self.baseline:.3f}",
            self.table(),
        ])  # fmt: skip


def load(path: Path) -> list[Example]:
    """One JSON object a line: {"text": ..., "label": "positive|neutral|negative"}."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Example(text=row["text"], label=Sentiment(row["label"])))
    return out


def evaluate(
    examples: Iterable[Example],
    *,
    lang: str | None = None,
    predict: Callable[[str], Sentiment] | None = None,
) -> Evaluation:
    """`predict`: another classifier than the lexicon and VADER (a trained model)."""
    confusion: Counter[tuple[Sentiment, Sentiment]] = Counter()
    given: Counter[Sentiment] = Counter()
    for example in examples:
        said = predict(example.text) if predict else classify(example.text, lang, rules_only=True)
        confusion[(example.label, said)] += 1
        given[example.label] += 1
    majority, count = given.most_common(1)[0] if given else (Sentiment.neutral, 0)
    return Evaluation(
        total=sum(given.values()),
        correct=sum(confusion[(s, s)] for s in LABELS),
        majority_label=majority,
        majority_count=count,
        confusion={(g, p): confusion[(g, p)] for g in LABELS for p in LABELS},
    )
