"""`callcenter social train` against its own database: a Thai model fitted (scikit-learn)
from staff's corrected labels, measured on a held-out set against the lexicon, used for new
Thai mentions only when it does better; too few labels is a clear refusal."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.config import Settings
from callcenter.db import transaction
from callcenter.social import ingest, model
from callcenter.social.connectors import Found
from callcenter.social.models import Label, Mention
from tests.integration.social_support import Sessions, sessions, social_command, social_settings

pytestmark = pytest.mark.integration
__all__ = ["sessions", "social_settings"]  # fixtures used by name

# What staff corrected, by kind: the desk's own slang that the lexicon does not know
# (complaints that nothing happens, praise in chat words), and warnings and news.
NEGATIVE = (
    ["แจ้งไปแล้ว", "โทรไปสามรอบ", "ส่งเอกสารครบ", "ลงบันทึกประจำวันแล้ว"],
    ["เรื่องเงียบกริบ", "เหมือนโยนหินลงน้ำ", "รอจนเบื่อ", "ไม่มีใครติดต่อกลับ"],
    ["เฮ้อ", "ทุกวันนี้", "จนป่านนี้", "อีกแล้ว"],
)
POSITIVE = (
    ["พี่เจ้าหน้าที่", "ทีม 1212", "แอดมินเพจ", "น้องที่รับสาย"],
    ["ตอบไวทันใจ", "ปังมาก", "เริ่ดมาก", "ช่วยจนจบเรื่อง"],
    ["กราบ", "รักเลย", "ให้สิบเต็มสิบ", "เลิศ"],
)
NEUTRAL = (
    ["ตำรวจเตือน", "ธนาคารแจ้งเตือน", "ข่าววันนี้", "กระทรวงดิจิทัลประกาศ"],
    ["ระวัง SMS ปลอมแจ้งพัสดุ", "ระวังแอปรีโมตมือถือ", "ระวังบัญชีม้า", "มีคนแอบอ้างเป็นไปรษณีย์"],
    ["แจ้ง 1212 ได้ตลอด 24 ชั่วโมง", "สอบถามสายด่วน 1212", "อ่านรายละเอียดที่เว็บไซต์", "ติดตามข่าวได้ที่เพจศูนย์"],
)


def sentences(parts: tuple[list[str], ...], label: str) -> list[tuple[str, str]]:
    return [(" ".join(words), label) for words in itertools.product(*parts)]


def split() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Every generated sentence; every fifth is kept apart to measure on."""
    every = sentences(NEGATIVE, "negative") + sentences(POSITIVE, "positive") + sentences(
        NEUTRAL, "neutral")  # fmt: skip
    return ([s for n, s in enumerate(every) if n % 5],
            [s for n, s in enumerate(every) if not n % 5])  # fmt: skip


@pytest.fixture(autouse=True)
def rules_after() -> Iterator[None]:
    yield
    model.forget()  # other test modules in this process classify by the rules


async def corrected(sessions: Sessions, labelled: list[tuple[str, str]]) -> None:
    """The mentions as stored, then staff's label on each."""
    at = datetime(2026, 11, 1, tzinfo=UTC)
    found = [
        Found(channel="x", external_id=f"t{n}", url=f"https://x.com/i/status/{n}", text=t,
              published_at=at + timedelta(minutes=n))
        for n, (t, _) in enumerate(labelled)
    ]  # fmt: skip
    async with transaction(sessions) as session:
        await ingest.store(session=session, found=found, source_id=None, now=at)
    async with transaction(sessions) as session:
        ids = dict((await session.execute(select(Mention.external_id, Mention.id))).all())
        for n, (_, label) in enumerate(labelled):
            session.add(Label(mention_id=ids[f"t{n}"], previous="neutral", label=label, at=at))


async def run(settings: Settings, *args: str) -> tuple[int, str]:
    return await social_command(settings, "train", *args)


async def test_a_model_that_beats_the_lexicon_classifies_new_thai_mentions(
    sessions: Sessions, social_settings: Settings, tmp_path: Path
) -> None:
    train, apart = split()
    await corrected(sessions, train)
    heldout = tmp_path / "heldout.jsonl"
    heldout.write_text("".join(json.dumps({"text": t, "label": lab}, ensure_ascii=False) + "\n"
                               for t, lab in apart), encoding="utf-8")  # fmt: skip

    code, out = await run(social_settings, "--heldout", str(heldout), "--json")
    assert code == 0, out
    done = json.loads(out)
    assert done["labels"] == len(train) and done["heldout"] == len(apart)
    assert done["accuracy"] > done["lexicon_accuracy"] and done["active"] is True
    matrix = done["confusion"]
    assert sum(sum(row.values()) for row in matrix.values()) == len(apart)
    assert sum(matrix[s][s] for s in matrix) / len(apart) == pytest.approx(done["accuracy"],
                                                                           abs=1e-3)  # fmt: skip

    # This process now stores new Thai mentions with the model's label ...
    later = Found(channel="x", external_id="new-1", url="https://x.com/i/status/new-1",
                  text="ลงบันทึกประจำวันแล้ว ไม่มีใครติดต่อกลับ เฮ้อ",  # the rules: neutral
                  published_at=datetime(2026, 11, 20, tzinfo=UTC))  # fmt: skip
    english = Found(channel="x", external_id="new-2", url="https://x.com/i/status/new-2",
                    text="Thanks 1212, you were great",
                    published_at=later.published_at)  # fmt: skip
    async with transaction(sessions) as session:
        # the check every store makes, once its 5 minutes have passed
        await model.ensure(session, now=time.monotonic() + model.RECHECK_S + 1)
        await ingest.store(session=session, found=[later, english], source_id=None,
                           now=later.published_at)  # fmt: skip
    async with sessions() as session:
        rows = {m.external_id: m for m in (await session.scalars(
            select(Mention).where(Mention.external_id.in_(["new-1", "new-2"])))).all()}  # fmt: skip
    assert (rows["new-1"].sentiment, rows["new-1"].sentiment_by) == ("negative", "model")
    assert rows["new-2"].sentiment_by == "vader"  # English stays with VADER

    # ... and the readable report shows both accuracies and confusion matrices.
    code, out = await run(social_settings, "--heldout", str(heldout))
    assert code == 0 and "given \\ predicted" in out and "lexicon / พจนานุกรม: accuracy" in out
    assert "the model is used for Thai mentions" in out


async def test_on_the_shipped_heldout_set_the_better_classifier_is_kept(
    sessions: Sessions, social_settings: Settings
) -> None:
    await corrected(sessions, split()[0])
    code, out = await run(social_settings, "--json")
    assert code == 0, out
    done = json.loads(out)
    assert done["heldout"] >= 300 and 0 <= done["accuracy"] <= 1
    assert done["lexicon_accuracy"] == pytest.approx(0.776, abs=0.005)  # as `social evaluate`
    assert done["active"] is (done["accuracy"] > done["lexicon_accuracy"])


async def test_too_few_labels_is_refused_with_what_is_missing(
    sessions: Sessions, social_settings: Settings
) -> None:
    await corrected(sessions, split()[0][:40])
    code, out = await run(social_settings)
    assert code == 1 and "not enough labels" in out and "40 staff labels" in out
    assert "Traceback" not in out
