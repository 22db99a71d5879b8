"""The Thai and English names of the docs/kpi-v1.md fields, and the contract's targets."""

from __future__ import annotations

# field → (Thai, English); the order is the report's.
LABELS: dict[str, tuple[str, str]] = {
    "offered": ("สายเข้า", "Offered"),
    "answered": ("รับสาย", "Answered"),
    "abandoned": ("ผู้โทรวางสายขณะรอ", "Abandoned"),
    "short_abandoned": ("วางสายเร็ว (ไม่นับ)", "Short abandons (not counted)"),
    "timeout": ("หมดเวลารอ", "Timed out"),
    "no_agents": ("ไม่มีเจ้าหน้าที่", "No agents"),
    "key_exit": ("กดออกจากคิว", "Left by key"),
    "withdrawn": ("ถอนออก (เช่น รอโทรกลับ)", "Withdrawn"),
    "answered_within_sl": ("รับภายในเกณฑ์", "Answered within SL"),
    "sl_pct": ("ระดับบริการ SL %", "Service level %"),
    "answer_rate_pct": ("อัตรารับสาย %", "Answer rate %"),
    "abandon_rate_pct": ("อัตราสายหลุด %", "Abandon rate %"),
    "sl_asterisk_pct": ("SL แบบ Asterisk %", "SL, Asterisk's %"),
    "asa_s": ("เวลารอรับสายเฉลี่ย (วินาที)", "ASA (s)"),
    "max_wait_s": ("รอนานสุด (วินาที)", "Longest wait (s)"),
    "aht_s": ("เวลาจัดการเฉลี่ย (วินาที)", "AHT (s)"),
    "avg_talk_s": ("เวลาสนทนาเฉลี่ย (วินาที)", "Average talk (s)"),
    "avg_hold_s": ("เวลาพักสายเฉลี่ย (วินาที)", "Average hold (s)"),
    "callbacks_owed": ("ต้องโทรกลับ", "Callbacks owed"),
    "callbacks_attempted_30m": ("โทรกลับภายใน 30 นาที", "Callbacks tried within 30 min"),
    "callbacks_reached_30m": ("โทรกลับถึงภายใน 30 นาที", "Callbacks reached within 30 min"),
    "callback_attempt_pct": ("โทรกลับทันเวลา %", "Callbacks tried in time %"),
    "callback_reached_pct": ("โทรกลับถึงทันเวลา %", "Callbacks reached in time %"),
    "callback_first_attempt_p50_s": ("เริ่มโทรกลับ p50 (วินาที)", "First callback p50 (s)"),
    "callback_first_attempt_p90_s": ("เริ่มโทรกลับ p90 (วินาที)", "First callback p90 (s)"),
    "callbacks_not_callable": ("โทรกลับไม่ได้ (ไม่มีเบอร์)", "Not callable"),
    "callbacks_cancelled_caller_reached": (
        "ยกเลิก: ผู้โทรติดต่อได้เอง",
        "Cancelled: caller got through",
    ),
    "callbacks_cancelled_by_supervisor": ("ยกเลิกโดยหัวหน้างาน", "Cancelled by a supervisor"),
    "callback_drops_joined": ("สายหลุดที่รวมกับงานเดิม", "Drops joined to a task"),
    "callbacks_requested": ("ผู้โทรขอให้โทรกลับ (กด 1 ขณะรอ)", "Callbacks requested in the queue"),
    "callbacks_from_drops": ("โทรกลับจากสายหลุด", "Callbacks from dropped calls"),
    "csat_offered": ("เสนอแบบประเมินหลังวางสาย", "CSAT surveys offered"),
    "csat_responses": ("ผู้ตอบแบบประเมิน", "CSAT responses"),
    "csat_avg": ("คะแนนความพึงพอใจเฉลี่ย (1-5)", "CSAT average (1-5)"),
    "csat_response_rate_pct": ("อัตราการตอบแบบประเมิน %", "CSAT response rate %"),
    "csat_top2_pct": ("พึงพอใจมาก (4-5) %", "CSAT top-2 (4-5) %"),
    "ivr_calls": ("สายเข้าระบบตอบรับอัตโนมัติ (IVR)", "IVR calls"),
    "ivr_routed": ("IVR ส่งเข้าคิว", "IVR routed to a queue"),
    "ivr_hangups": ("วางสายใน IVR", "Hang-ups in the IVR"),
    "ivr_hangup_pct": ("วางสายใน IVR %", "IVR hang-up %"),
    "ivr_closed": ("นอกเวลาทำการ", "Out of hours"),
    "ivr_fallbacks": ("ไม่เลือกเมนู (ส่งคิวทั่วไป)", "No choice: fallback queue"),
    "ivr_case_status": ("ตรวจสถานะเรื่องร้องเรียน", "Case-status look-ups (callers)"),
    "cases_opened": ("เรื่องที่เปิด", "Cases opened"),
    "cases_closed": ("เรื่องที่ปิด", "Cases closed"),
    "cases_fcr": ("แก้ไขจบในครั้งแรก", "Resolved at first contact"),
    "fcr_pct": ("FCR %", "First-contact resolution %"),
    "fcr_agent_flagged": ("FCR ตามที่เจ้าหน้าที่ระบุ", "FCR, agent-flagged"),
    "fcr_agent_flagged_pct": ("FCR ตามที่เจ้าหน้าที่ระบุ %", "FCR, agent-flagged %"),
}

# The contract's targets (docs/kpi-v1.md, the figures' table).
TARGETS: dict[str, str] = {
    "sl_pct": "≥ 90",
    "answer_rate_pct": "> 98",
    "abandon_rate_pct": "≤ 3",
    "aht_s": "≤ 900",
}


def label(field: str) -> str:
    """'Thai · English' for a field; an unknown field as its own name."""
    th, en = LABELS.get(field, (field, field))
    return f"{th} · {en}" if th != en else field
