"""Case KPIs of a period from the database: loads facts and contacts for cases.fcr."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, String, any_, bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import QueueCall
from callcenter.cases import fcr, privacy, taxonomy, workflow
from callcenter.cases.models import (
    Agency,
    Case,
    CaseCall,
    Category,
    Referral,
    ServiceLine,
    Status,
)
from callcenter.db import plan_for_these_values


def _array(values: list[Any], item: Any) -> Any:
    """One array parameter, not one parameter per value: a year's cases are hundreds of
    thousands of ids and callers, past the 32767 parameters of one PostgreSQL statement."""
    return bindparam(None, values, type_=ARRAY(item))


# fcr.py's rules in SQL (docs/kpi-v1.md, "Case KPIs"): a closed case of at most one call of its
# own is resolved on the first contact unless its caller came back about the same service line
# within REPEAT_WINDOW: another case, or a queue call into that line's queue (the caller's
# number normalised like privacy.normalise_phone) other than the case's own calls.
_FCR_SQL = r"""
WITH c AS (
  SELECT id, caller_phone_norm AS caller, service_line AS line, created_at AS at,
         status IN ('resolved', 'closed') AS done, fcr_flag
  FROM cases
  WHERE created_at >= :a AND created_at < :b AND voided_at IS NULL {line}
), own AS (
  SELECT cc.case_id, count(DISTINCT cc.linkedid) AS n, array_agg(DISTINCT cc.linkedid) AS ids
  FROM case_calls cc JOIN c ON c.id = cc.case_id GROUP BY cc.case_id
), called AS (
  SELECT CASE WHEN d LIKE '66%' AND length(d) = 11 THEN '0' || substr(d, 3) ELSE d END AS caller,
         s.code AS line, qc.entered_at AS at, qc.linkedid
  FROM (SELECT regexp_replace(caller, '\D', '', 'g') AS d, queue, entered_at, linkedid
        FROM queue_calls WHERE entered_at > :a AND entered_at <= :b + :window) qc
  JOIN case_service_lines s ON s.queue = qc.queue
), again AS (
  SELECT c.id FROM c JOIN cases o
    ON o.caller_phone_norm = c.caller AND o.service_line = c.line
   AND o.created_at > c.at AND o.created_at <= c.at + :window
  WHERE c.caller <> '' AND o.id <> c.id AND o.voided_at IS NULL
  UNION
  SELECT c.id FROM c JOIN called q
    ON q.caller = c.caller AND q.line = c.line AND q.at > c.at AND q.at <= c.at + :window
  LEFT JOIN own ON own.case_id = c.id
  WHERE c.caller <> '' AND NOT (q.linkedid = ANY (coalesce(own.ids, '{{}}')))
)
SELECT count(*) AS opened,
       count(*) FILTER (WHERE done) AS closed,
       count(*) FILTER (WHERE done AND fcr_flag) AS flagged,
       count(*) FILTER (WHERE done AND coalesce(own.n, 0) <= 1 AND again.id IS NULL) AS fcr
FROM c LEFT JOIN own ON own.case_id = c.id LEFT JOIN again ON again.id = c.id
"""


async def figures(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None = None
) -> dict[str, Any]:
    """fcr_pct and friends for cases opened in [start, end) (one queue's service line, or all),
    counted in PostgreSQL; `counted_figures` is the same in Python, call by call."""
    params: dict[str, Any] = {"a": start, "b": end, "window": fcr.REPEAT_WINDOW}
    line = ""
    if queue is not None:
        lines = await taxonomy.queues_by_line(session=session)
        params["line"] = lines.get(queue, "")
        line = "AND service_line = :line"
    await plan_for_these_values(session)
    # The repeat contacts are equality joins on (caller, line) with a time range, best hashed.
    # A nested loop over queue_calls' entered_at index suits a handful of cases only, and
    # statistics behind a bulk load made PostgreSQL choose it for a month of them (minutes,
    # not 0.3 s); a merge join sorted a year of queue calls on disk (8.6 s, hashed 2.6 s).
    await session.execute(text("SET LOCAL enable_nestloop = off"))
    await session.execute(text("SET LOCAL enable_mergejoin = off"))
    row = (await session.execute(text(_FCR_SQL.format(line=line)), params)).one()
    await session.execute(text("SET LOCAL enable_nestloop = on"))
    await session.execute(text("SET LOCAL enable_mergejoin = on"))
    closed = int(row.closed)
    return {
        "cases_opened": int(row.opened),
        "cases_closed": closed,
        "cases_fcr": int(row.fcr),
        "fcr_pct": fcr.pct(int(row.fcr), closed),
        "fcr_agent_flagged": int(row.flagged),
        "fcr_agent_flagged_pct": fcr.pct(int(row.flagged), closed),
    }


async def counted_figures(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None = None
) -> dict[str, Any]:
    """`figures` counted case by case with fcr.compute: the reference the SQL is held to
    (tests/integration/test_kpi_sql.py)."""
    stmt = select(Case).where(
        Case.created_at >= start, Case.created_at < end, Case.voided_at.is_(None)
    )
    lines = await taxonomy.queues_by_line(session=session)
    if queue is not None:
        stmt = stmt.where(Case.service_line == lines.get(queue, ""))
    cases = (await session.scalars(stmt)).all()
    links: dict[int, set[str]] = defaultdict(set)
    if cases:
        rows = await session.execute(
            select(CaseCall.case_id, CaseCall.linkedid).where(
                CaseCall.case_id == any_(_array([c.id for c in cases], BigInteger()))
            )
        )
        for case_id, linkedid in rows:
            links[case_id].add(linkedid)
    facts = [_facts(c, links[c.id]) for c in cases]
    contacts = await _contacts(session, facts, lines) if facts else []
    return fcr.compute(facts, contacts)


def _facts(case: Case, linkedids: set[str]) -> fcr.CaseFacts:
    return fcr.CaseFacts(
        case_id=case.id,
        caller=case.caller_phone_norm,
        service_line=case.service_line,
        opened_at=case.created_at,
        done=Status(case.status) in workflow.DONE,
        fcr_flag=case.fcr_flag,
        linkedids=frozenset(linkedids),
    )


async def _contacts(
    session: AsyncSession, facts: list[fcr.CaseFacts], lines: dict[str, str]
) -> list[fcr.Contact]:
    callers = {f.caller for f in facts if f.caller}
    if not callers:
        return []
    first = min(f.opened_at for f in facts)
    last = max(f.opened_at for f in facts) + fcr.REPEAT_WINDOW
    stmt = select(Case.id, Case.caller_phone_norm, Case.service_line, Case.created_at).where(
        Case.caller_phone_norm == any_(_array(sorted(callers), String())),
        Case.created_at > first,
        Case.created_at <= last,
        Case.voided_at.is_(None),
    )
    contacts = [
        fcr.Contact(caller=phone, service_line=line, at=at, case_id=case_id)
        for case_id, phone, line, at in (await session.execute(stmt)).all()
    ]
    calls = select(QueueCall.caller, QueueCall.queue, QueueCall.entered_at, QueueCall.linkedid)
    # Asterisk may give the number as 0XXXXXXXXX or 66XXXXXXXXX: both forms are looked for.
    forms = callers | {"66" + c[1:] for c in callers if c.startswith("0")}
    digits = func.regexp_replace(QueueCall.caller, r"\D", "", "g")
    calls = calls.where(
        QueueCall.entered_at > first,
        QueueCall.entered_at <= last,
        digits == any_(_array(sorted(forms), String())),
    )
    for caller, queue, at, linkedid in (await session.execute(calls)).all():
        phone = privacy.normalise_phone(caller)
        if phone in callers and queue in lines:
            contacts.append(
                fcr.Contact(caller=phone, service_line=lines[queue], at=at, linkedid=linkedid)
            )
    return contacts


async def by_category(
    *, session: AsyncSession, start: datetime, end: datetime, queue: str | None = None
) -> list[dict[str, Any]]:
    """Cases opened in [start, end) per service line and category (the seed's taxonomy), and
    referrals per agency with how many came back; voided cases left out."""
    where = [Case.created_at >= start, Case.created_at < end, Case.voided_at.is_(None)]
    if queue is not None:
        lines = await taxonomy.queues_by_line(session=session)
        where.append(Case.service_line == lines.get(queue, ""))
    # Counted first, labelled after: grouping a year of cases by their labels' text sorted
    # them on disk (0.3 s a month; counted by ids, 0.02 s).
    counts = (
        select(Case.service_line, Case.category_id, func.count(Case.id).label("n"))
        .where(*where)
        .group_by(Case.service_line, Case.category_id)
        .subquery()
    )
    stmt = (
        select(
            counts.c.service_line, ServiceLine.label_th, ServiceLine.label_en,
            Category.code, Category.label_th, Category.label_en, counts.c.n,
        )
        .join(ServiceLine, ServiceLine.code == counts.c.service_line)
        .outerjoin(Category, Category.id == counts.c.category_id)
        .order_by(counts.c.n.desc(), counts.c.service_line, Category.code)
    )  # fmt: skip
    rows = [
        {
            "kind": "category", "service_line": line, "line_th": line_th, "line_en": line_en,
            "category": code or "", "label_th": label_th or "", "label_en": label_en or "",
            "cases": int(n),
        }
        for line, line_th, line_en, code, label_th, label_en, n in (await session.execute(stmt))
    ]  # fmt: skip
    refs = (
        select(
            Referral.agency,
            func.count(Referral.id).label("n"),
            func.count(Referral.id).filter(Referral.returned).label("back"),
        )
        .join(Case, Case.id == Referral.case_id)
        .where(*where)
        .group_by(Referral.agency)
        .subquery()
    )
    ref = (
        select(refs.c.agency, Agency.label_th, Agency.label_en, refs.c.n, refs.c.back)
        .join(Agency, Agency.code == refs.c.agency)
        .order_by(refs.c.n.desc(), refs.c.agency)
    )
    for agency, label_th, label_en, n, back in await session.execute(ref):
        rows.append(
            {
                "kind": "referral", "agency": agency, "label_th": label_th,
                "label_en": label_en, "referrals": int(n), "returned": int(back),
                "return_rate_pct": round(100.0 * back / n, 2) if n else None,
            }
        )  # fmt: skip
    return rows
