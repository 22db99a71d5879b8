"""Sentiment of mentions: the Thai rules, English by VADER, and the held-out measurement."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from callcenter.social import evaluate
from callcenter.social.sentiment import Sentiment, classify

HELDOUT = Path(__file__).parents[1] / "fixtures" / "social" / "thai_sentiment_heldout.jsonl"
MARGIN = 0.20  # the classifier must beat always-the-majority by this much accuracy


def test_thai_praise_and_complaints_get_their_sentiment() -> None:
    assert classify("ขอบคุณเจ้าหน้าที่มากครับ ได้เงินคืนแล้ว") == Sentiment.positive
    assert classify("รอสายนานมาก แย่ที่สุด") == Sentiment.negative


def test_a_negator_turns_praise_into_a_complaint() -> None:
    assert classify("บริการดีมาก") == Sentiment.positive
    assert classify("บริการไม่ดีเลย") == Sentiment.negative
    assert classify("โทร 1212 ไม่ติดเลย แย่มาก") == Sentiment.negative  # not across a clause


def test_an_intensifier_makes_a_mild_word_count() -> None:
    assert classify("ค่าส่งแพง") == Sentiment.neutral
    assert classify("ค่าส่งแพงมาก") == Sentiment.negative


def test_scam_words_are_negative_for_a_victim_and_neutral_in_a_police_warning() -> None:
    assert classify("แม่ผมโดนหลอกโอนเงินให้มิจฉาชีพ") == Sentiment.negative
    assert classify("ตำรวจเตือนระวังมิจฉาชีพอ้างเป็นเจ้าหน้าที่ขนส่ง") == Sentiment.neutral


def test_english_mentions_use_the_vader_lexicon() -> None:
    assert classify("Thank you 1212, the staff were great!") == Sentiment.positive
    assert classify("Scammed again and the hotline was useless") == Sentiment.negative
    assert classify("The office opens at 9 am on Monday.") == Sentiment.neutral


def test_the_classifier_clearly_beats_the_majority_baseline_on_the_held_out_thai_set() -> None:
    examples = evaluate.load(HELDOUT)
    assert len(examples) >= 300
    result = evaluate.evaluate(examples, lang="th")
    assert result.accuracy >= result.baseline + MARGIN, result.report()
    for label in Sentiment:  # every class is found at least half the time
        given = sum(result.confusion[(label, p)] for p in Sentiment)
        assert result.confusion[(label, label)] >= given / 2, result.report()


def test_the_evaluate_command_prints_accuracy_baseline_and_confusion_matrix() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "callcenter", "social", "evaluate", str(HELDOUT), "--json"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    total = sum(sum(row.values()) for row in out["confusion"].values())
    assert total == out["total"] == len(evaluate.load(HELDOUT))
    assert out["accuracy"] > out["baseline"]


def test_the_evaluate_command_says_so_when_the_file_is_missing(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "callcenter", "social", "evaluate", str(tmp_path / "none.jsonl")],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "cannot read" in done.stderr
