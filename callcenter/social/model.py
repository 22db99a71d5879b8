"""A Thai sentiment model trained from staff's corrected labels (scikit-learn), used only
when it beats the lexicon-and-rules classifier on the held-out labelled set.

Training data: the newest label staff gave each Thai mention (social_labels). Features:
word unigrams and bigrams (PyThaiNLP's newmm words, as keyword matching cuts them), TF-IDF;
classifier: logistic regression with balanced class weights. The model and its figures
(accuracy, the lexicon's on the same set, confusion matrix) are stored in social_models;
the newest active one classifies Thai mentions in every process that stores mentions
(`ensure`, checked at most every `RECHECK_S`).
"""

from __future__ import annotations

import io
import pickle
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.social import evaluate as evaluation
from callcenter.social import sentiment, text
from callcenter.social.models import Label, Mention, SentimentModel
from callcenter.social.sentiment import Sentiment

MIN_LABELS = 150
MIN_PER_CLASS = 10
RECHECK_S = 300.0
_loaded: dict[str, float | int | None] = {"id": None, "checked": 0.0}


class NotEnoughLabels(Exception):
    pass


@dataclass(frozen=True)
class Trained:
    row_id: int
    labels: int
    model: evaluation.Evaluation
    lexicon: evaluation.Evaluation
    active: bool


class Predictor:
    """The fitted pipeline as the classifier the desk calls: one text in, a Sentiment out."""

    def __init__(self, pipeline: object) -> None:
        self.pipeline = pipeline

    def __call__(self, body: str) -> Sentiment:
        return Sentiment(str(self.pipeline.predict([body])[0]))  # type: ignore[attr-defined]


def _words(body: str) -> list[str]:
    return text.words(body)


def fit(examples: Sequence[evaluation.Example]) -> object:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    pipeline = make_pipeline(
        TfidfVectorizer(tokenizer=_words, lowercase=False, token_pattern=None,
                        ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(class_weight="balanced", max_iter=2000, C=4.0),
    )  # fmt: skip
    pipeline.fit([e.text for e in examples], [e.label.value for e in examples])
    return pipeline


async def labelled(session: AsyncSession) -> list[evaluation.Example]:
    """The newest staff label of each Thai mention."""
    stmt = (
        select(Mention.text, Label.label)
        .join(Label, Label.mention_id == Mention.id)
        .where(Mention.language == "th")
        .order_by(Label.mention_id, Label.id.desc())
        .distinct(Label.mention_id)
    )
    rows = (await session.execute(stmt)).all()
    return [evaluation.Example(text=t, label=Sentiment(label)) for t, label in rows]


async def train(
    *, sessions: async_sessionmaker[AsyncSession], heldout: Sequence[evaluation.Example],
    now: datetime, min_labels: int = MIN_LABELS,
) -> Trained:  # fmt: skip
    async with sessions() as session:
        examples = await labelled(session)
    counts = {s: sum(e.label == s for e in examples) for s in Sentiment}
    if len(examples) < min_labels or min(counts.values()) < MIN_PER_CLASS:
        raise NotEnoughLabels(
            f"{len(examples)} staff labels of Thai mentions, {min_labels} needed (and "
            f"{MIN_PER_CLASS} of each sentiment: "
            + ", ".join(f"{s.value} {n}" for s, n in counts.items())
            + ")"
        )
    pipeline = fit(examples)
    predictor = Predictor(pipeline)
    measured = evaluation.evaluate(heldout, predict=predictor)
    lexicon = evaluation.evaluate(heldout, lang="th")
    active = measured.accuracy > lexicon.accuracy
    blob = io.BytesIO()
    pickle.dump(pipeline, blob)
    async with sessions() as session, session.begin():
        if active:
            for row in (await session.scalars(select(SentimentModel).where(
                    SentimentModel.active))).all():  # fmt: skip
                row.active = False
        row = SentimentModel(
            trained_at=now, labels=len(examples), heldout=measured.total,
            accuracy=measured.accuracy, lexicon_accuracy=lexicon.accuracy, active=active,
            confusion={"model": measured.matrix(), "lexicon": lexicon.matrix()},
            blob=blob.getvalue(),
        )  # fmt: skip
        session.add(row)
        await session.flush()
        row_id = row.id
    _loaded["checked"] = 0.0  # this process picks the change up at once
    return Trained(row_id=row_id, labels=len(examples), model=measured, lexicon=lexicon,
                   active=active)  # fmt: skip


async def ensure(session: AsyncSession, *, now: float | None = None) -> None:
    """Use the newest active model (or the rules when there is none); checked every
    RECHECK_S at most, so storing a batch costs one small query now and then."""
    clock = time.monotonic() if now is None else now
    if clock - float(_loaded["checked"] or 0.0) < RECHECK_S and _loaded["checked"]:
        return
    stmt = select(SentimentModel.id).where(SentimentModel.active)
    newest = await session.scalar(stmt.order_by(SentimentModel.id.desc()).limit(1))
    _loaded["checked"] = clock
    if newest == _loaded["id"]:
        return
    if newest is None:
        sentiment.use_thai_model(None)
    else:
        blob = await session.scalar(select(SentimentModel.blob).where(SentimentModel.id == newest))
        pipeline = pickle.loads(blob or b"")  # noqa: S301 - our own model, see above
        sentiment.use_thai_model(Predictor(pipeline))
    _loaded["id"] = newest


def forget() -> None:
    """Back to the rules in this process until the next check (tests between databases)."""
    sentiment.use_thai_model(None)
    _loaded.update(id=None, checked=0.0)
