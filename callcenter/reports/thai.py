"""Words and dates of the packs in Thai (Buddhist Era) and English."""

from __future__ import annotations

from datetime import date

THAI_FONT = "TH Sarabun New"  # the government's standard face; falls back to installed Thai
THAI_FALLBACK = "Garuda"  # fonts-thai-tlwg (scripts/bootstrap.sh), when TH Sarabun is absent
LATIN_FONT = "Arial"

_MONTHS_TH = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
_MONTHS_TH_SHORT = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def be_year(year: int) -> int:
    """Buddhist Era: Gregorian + 543."""
    return year + 543


def long_date(day: date, lang: str) -> str:
    """'6 ธันวาคม 2569' / '6 December 2026'."""
    if lang == "th":
        return f"{day.day} {_MONTHS_TH[day.month - 1]} {be_year(day.year)}"
    return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"


def short_date(day: date, lang: str) -> str:
    """'6 ธ.ค. 69' / '6 Dec'."""
    if lang == "th":
        return f"{day.day} {_MONTHS_TH_SHORT[day.month - 1]} {be_year(day.year) % 100:02d}"
    return f"{day.day} {_MONTHS_EN[day.month - 1][:3]}"


def month_name(year: int, month: int, lang: str) -> str:
    if lang == "th":
        return f"{_MONTHS_TH[month - 1]} {be_year(year)}"
    return f"{_MONTHS_EN[month - 1]} {year}"


def year_name(year: int, lang: str) -> str:
    return f"พ.ศ. {be_year(year)}" if lang == "th" else str(year)


WORDS: dict[str, tuple[str, str]] = {
    "daily": ("รายงานประจำวัน", "Daily report"),
    "weekly": ("รายงานประจำสัปดาห์", "Weekly report"),
    "monthly": ("รายงานประจำเดือน", "Monthly report"),
    "annual": ("ผลการดำเนินงานประจำปี", "Achievements of the year"),
    "results": ("ผลการให้บริการ", "Service results"),
    "summary": ("สรุปผลการดำเนินงานของศูนย์", "Centre performance summary"),
    "success": ("กรณีความสำเร็จ", "Success cases"),
    "contract": ("ตัวชี้วัดตามสัญญา", "Contract targets"),
    "target": ("เป้าหมาย", "Target"),
    "value": ("ผลที่ได้", "Value"),
    "met": ("ผ่าน", "Met"),
    "not_met": ("ไม่ผ่าน", "Not met"),
    "no_data": ("ไม่มีข้อมูล", "No data"),
    "not_measured": ("ยังไม่ได้วัดในรุ่นนี้", "Not measured in this version"),
    "incomplete": (
        "ข้อมูลของช่วงเวลานี้ยังไม่ครบถ้วน (ไม่ตรงกับ queue_log) ตัวเลขอาจเปลี่ยนเมื่อสร้างรายงานใหม่",
        "This period's data is NOT complete (queue_log disagrees): a revision may change figures",
    ),
    "complete": ("ข้อมูลครบถ้วน (ตรวจกับ queue_log แล้ว)", "Data complete (checked with queue_log)"),
    "revision": ("ฉบับแก้ไขครั้งที่", "Revision"),
    "period": ("ช่วงเวลา", "Period"),
    "built": ("จัดทำเมื่อ", "Built"),
    "centre": ("ทั้งศูนย์", "Whole centre"),
    "queues": ("ผลตามสายบริการ", "By service line (queue)"),
    "queue": ("สายบริการ", "Service line"),
    "over_time": ("ปริมาณสายและระดับการให้บริการ", "Volume and service level over time"),
    "outcomes": ("ผลของสายที่เข้ามา", "Outcome of the calls offered"),
    "waits": ("การกระจายของเวลารอ", "Wait distribution"),
    "agents": ("เจ้าหน้าที่", "Agents"),
    "agent": ("เจ้าหน้าที่", "Agent"),
    "callbacks": ("การโทรกลับ", "Callbacks"),
    "csat": ("ความพึงพอใจหลังวางสาย (CSAT)", "Satisfaction after the call (CSAT)"),
    "cases": ("เรื่องร้องเรียน", "Complaints and cases"),
    "categories": ("เรื่องตามหมวดหมู่", "Cases by category"),
    "referrals": ("การส่งต่อหน่วยงาน", "Referrals by agency"),
    "staffing": ("อัตรากำลัง: ที่ต้องการเทียบกับที่มีจริง", "Staffing: required vs actual"),
    "interval": ("ช่วงเวลา", "Interval"),
    "figure": ("ตัวชี้วัด", "Figure"),
    "all_figures": ("ตัวชี้วัดทั้งหมด (ตรงกับ API)", "All figures (as the KPI API)"),
    "summary_text": ("สรุป", "Summary"),
    "outcome_text": ("ผลการดำเนินการ", "Outcome"),
    "agency": ("หน่วยงาน", "Agency"),
    "number": ("เลขที่เรื่อง", "Case number"),
    "none": ("ไม่มี", "None"),
    "change": ("เปลี่ยนแปลงจากช่วงก่อน", "Change vs previous period"),
    "understaffed": ("ขาดกำลังคน", "Understaffed"),
    "forecast": ("สายที่คาดการณ์", "Forecast calls"),
    "needed": ("ต้องการ (คาดการณ์)", "Needed (forecast)"),
    "scheduled": ("ต้องจัด (รวมเวลาที่ไม่ได้รับสาย)", "Scheduled (with shrinkage)"),
    "required": ("ต้องการตามสายจริง", "Required for actual calls"),
    "returned": ("ส่งกลับ", "Returned"),
    "attempts": ("ครั้งที่โทร", "Dial attempts"),
    "agent_time": ("เวลาของเจ้าหน้าที่", "Agent time"),
    "chat": ("แชต: LINE, Facebook, อีเมล", "Chat: LINE, Facebook, e-mail"),
    "all_channels": ("ทุกช่องทาง", "All channels"),
    "reason": ("เหตุผลที่พัก", "Pause reasons"),
    "minutes": ("นาที", "min"),
    "centre_name": ("ศูนย์รับเรื่องร้องเรียนออนไลน์ 1212", "1212 Online Complaint Centre"),
}


def word(key: str, lang: str) -> str:
    th, en = WORDS[key]
    return th if lang == "th" else en


# The kpi-v1.1 fields the packs print (docs/kpi-v1.md names them); unknown ones print as is.
FIELDS: dict[str, tuple[str, str]] = {
    "offered": ("สายที่เข้ามา", "Offered"),
    "answered": ("รับสาย", "Answered"),
    "abandoned": ("ผู้โทรวางสาย", "Abandoned"),
    "short_abandoned": ("วางสายเร็ว (ไม่นับ)", "Short abandoned"),
    "timeout": ("หมดเวลารอ", "Timeout"),
    "no_agents": ("ไม่มีเจ้าหน้าที่", "No agents"),
    "key_exit": ("ออกด้วยปุ่ม", "Key exit"),
    "withdrawn": ("ถอนออก", "Withdrawn"),
    "answered_within_sl": ("รับภายในเวลามาตรฐาน", "Answered within SL"),
    "sl_pct": ("ระดับการให้บริการ (%)", "Service level (%)"),
    "answer_rate_pct": ("อัตราการรับสาย (%)", "Answer rate (%)"),
    "abandon_rate_pct": ("อัตราการวางสาย (%)", "Abandon rate (%)"),
    "sl_asterisk_pct": ("SL ของที่รับ (%)", "SL of answered (%)"),
    "asa_s": ("เวลารอเฉลี่ยก่อนรับ (วินาที)", "ASA (s)"),
    "max_wait_s": ("เวลารอนานที่สุด (วินาที)", "Max wait (s)"),
    "aht_s": ("เวลาให้บริการเฉลี่ย (วินาที)", "AHT (s)"),
    "avg_talk_s": ("เวลาสนทนาเฉลี่ย (วินาที)", "Average talk (s)"),
    "avg_hold_s": ("เวลาพักสายเฉลี่ย (วินาที)", "Average hold (s)"),
    "callbacks_owed": ("ต้องโทรกลับ", "Callbacks owed"),
    "callbacks_attempted_30m": ("โทรกลับภายใน 30 นาที", "Attempted within 30 min"),
    "callbacks_reached_30m": ("ติดต่อได้ภายใน 30 นาที", "Reached within 30 min"),
    "callback_attempt_pct": ("โทรกลับภายใน 30 นาที (%)", "Attempted within 30 min (%)"),
    "callback_reached_pct": ("ติดต่อได้ภายใน 30 นาที (%)", "Reached within 30 min (%)"),
    "callback_first_attempt_p50_s": ("โทรกลับครั้งแรก p50 (วินาที)", "First attempt p50 (s)"),
    "callback_first_attempt_p90_s": ("โทรกลับครั้งแรก p90 (วินาที)", "First attempt p90 (s)"),
    "callbacks_not_callable": ("โทรกลับไม่ได้ (ไม่มีเบอร์)", "Not callable"),
    "callbacks_cancelled_caller_reached": ("ผู้โทรติดต่อมาเอง", "Caller got through"),
    "callbacks_cancelled_by_supervisor": ("ยกเลิกโดยหัวหน้า", "Cancelled by supervisor"),
    "callback_drops_joined": ("สายหลุดซ้ำ", "Repeat drops joined"),
    "callbacks_requested": ("ขอให้โทรกลับขณะรอ", "Callbacks requested"),
    "csat_offered": ("เสนอแบบประเมิน", "Surveys offered"),
    "csat_responses": ("ผู้ตอบ", "Responses"),
    "csat_response_rate_pct": ("อัตราการตอบ %", "Response rate %"),
    "csat_top2_pct": ("พึงพอใจมาก (4-5) %", "Top-2 (4-5) %"),
    "callbacks_from_drops": ("โทรกลับจากสายหลุด", "Callbacks from drops"),
    "cases_opened": ("เรื่องที่เปิด", "Cases opened"),
    "cases_closed": ("เรื่องที่ปิด", "Cases closed"),
    "cases_fcr": ("แก้ไขได้ในครั้งแรก", "Resolved first contact"),
    "fcr_pct": ("FCR (%)", "FCR (%)"),
    "fcr_agent_flagged": ("FCR ตามที่เจ้าหน้าที่ระบุ", "FCR flagged by agents"),
    "fcr_agent_flagged_pct": ("FCR ตามที่เจ้าหน้าที่ระบุ (%)", "FCR flagged by agents (%)"),
    "repeat_callers": ("ผู้โทรซ้ำ", "Repeat callers"),
    "recordings": ("ไฟล์เสียง", "Recordings"),
    "recordings_kept_180d": ("เก็บครบ 180 วัน", "Kept 180 days"),
    "recordings_short_retention": ("ระยะเก็บสั้นกว่า 180 วัน", "Retention under 180 days"),
    "recordings_failed": ("จัดเก็บไม่สำเร็จ", "Failed to store"),
    "recordings_pending": ("กำลังจัดเก็บ", "Still uploading"),
    "recordings_incomplete": ("ไฟล์ไม่สมบูรณ์", "Incomplete"),
    "recordings_kept_pct": ("เก็บครบ 180 วัน (%)", "Kept 180 days (%)"),
    "csat_asked": ("ส่งแบบสอบถาม", "Questionnaires sent"),
    "csat_answered": ("ตอบแบบสอบถาม", "Answered"),
    "csat_response_pct": ("อัตราการตอบ (%)", "Response rate (%)"),
    "csat_avg": ("ความพึงพอใจเฉลี่ย (1-5)", "Average satisfaction (1-5)"),
    "logged_in_h": ("เข้าระบบ (ชม.)", "Logged in (h)"),
    "paused_h": ("พัก (ชม.)", "Paused (h)"),
    "occupancy_pct": ("ใช้เวลากับสาย (%)", "Occupancy (%)"),
    "calls_per_hour": ("สายต่อชั่วโมง", "Calls per hour"),
    "ring_no_answer": ("ไม่รับสายที่ดัง", "Rings not answered"),
}


CHANNELS: dict[str, tuple[str, str]] = {
    "line": ("LINE", "LINE"),
    "facebook": ("Facebook Messenger", "Facebook Messenger"),
    "email": ("อีเมล", "E-mail"),
}


def channel(name: str, lang: str) -> str:
    th, en = CHANNELS.get(name, (name, name))
    return th if lang == "th" else en


def field(key: str, lang: str) -> str:
    if key not in FIELDS:
        return key
    th, en = FIELDS[key]
    return th if lang == "th" else en


def month_short(month: int, lang: str) -> str:
    return _MONTHS_TH_SHORT[month - 1] if lang == "th" else _MONTHS_EN[month - 1][:3]
