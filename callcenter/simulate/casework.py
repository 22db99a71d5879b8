"""The demo's agents file cases for some of the calls they answered, through the cases
service as an agent does at the desk: the call's service line, a category of the seeded
taxonomy, the caller's number, the call linked (so QA and the desk find it)."""

from __future__ import annotations

import asyncio
import logging
import random
import secrets

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from callcenter.cases import service as case_service
from callcenter.cases import taxonomy
from callcenter.cases.models import Status
from callcenter.cases.schemas import CallLinkIn, CaseCreate
from callcenter.db import transaction
from callcenter.simulate.runner import CallState, network_id
from callcenter.users import service as user_service
from callcenter.users.models import Role, User
from callcenter.users.schemas import UserCreate

log = logging.getLogger(__name__)

NOTES = (  # (Thai, English): what the caller told the agent
    ("ผู้โทรแจ้งเรื่อง {th} ขอให้ตรวจสอบ", "The caller reports: {en}; asks us to look into it"),
    ("ผู้โทรสอบถามขั้นตอนเรื่อง {th}", "The caller asks what to do about: {en}"),
    ("ผู้โทรได้รับความเสียหายจาก {th} ต้องการร้องเรียน", "The caller was harmed by: {en}"),
)


class CaseWork:
    """Files a share of the answered calls as cases, each as the agent who took it."""

    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], rng: random.Random, share: float
    ) -> None:
        self._sessions, self._rng, self._share = sessions, rng, share
        self._users: dict[str, int] = {}  # agent id → user id
        self._lines: dict[str, str] = {}  # queue → service line
        self._categories: dict[str, list[tuple[str, str, str]]] = {}  # line → (code, th, en)
        self._tasks: set[asyncio.Task[None]] = set()
        self.filed = 0

    async def prepare(self, agent_ids: list[str]) -> None:
        """A login for each agent (created once, random password never shown), the taxonomy."""
        async with transaction(self._sessions) as session:
            for agent_id in agent_ids:
                user = await user_service.get_by_agent(session=session, agent_id=agent_id)
                self._users[agent_id] = (user or await self._new_user(session, agent_id)).id
            self._lines = await taxonomy.queues_by_line(session=session)
            tree = await taxonomy.tree(session=session, active_only=True)
        for line in tree.service_lines:
            self._categories[line.code] = [
                (c.code, c.label_th, c.label_en) for c in line.categories
            ]

    async def _new_user(self, session: AsyncSession, agent_id: str) -> User:
        user_in = UserCreate(
            username=agent_id, role=Role.agent, agent_id=agent_id,
            display_name=f"Agent {agent_id[5:]} (demo)", password=secrets.token_urlsafe(24),
        )  # fmt: skip
        return await user_service.create(session=session, user_in=user_in)

    def after_call(self, state: CallState) -> None:
        """An answered call ended: some become a case."""
        if not state.answered or state.agent not in self._users:
            return
        if self._rng.random() >= self._share or state.plan.queue not in self._lines:
            return
        task = asyncio.create_task(self._file(state))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _file(self, state: CallState) -> None:
        line = self._lines[state.plan.queue]
        code, th, en = self._rng.choice(self._categories.get(line) or [("", line, line)])
        note_th, note_en = self._rng.choice(NOTES)
        status = self._rng.choice((Status.new, Status.in_progress, Status.resolved))
        case_in = CaseCreate(
            service_line=line, category=code or None, caller_phone=state.plan.caller,
            description=f"{note_th.format(th=th)}\n{note_en.format(en=en)} (demo)",
            status=status,
            resolution="ให้คำแนะนำแล้ว / Advice given" if status == Status.resolved else None,
            call=CallLinkIn(
                linkedid=state.linkedid or state.plan.call_id,
                call_id=network_id(state.plan.call_id), queue=state.plan.queue,
            ),
        )  # fmt: skip
        try:
            async with transaction(self._sessions) as session:
                user = await session.get(User, self._users[state.agent or ""])
                if user is not None:
                    await case_service.create(session=session, case_in=case_in, user=user)
                    self.filed += 1
        except Exception:  # the demo goes on; the service's log has the rest
            log.exception("demo case for %s not filed", state.plan.call_id)
