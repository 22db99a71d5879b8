"""HTML pages: login, the wallboard (data over /ws/wallboard), desk, QA, the chat inbox, the
reports and the IVR prompts."""

from __future__ import annotations

from collections.abc import Collection
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from callcenter.errors import NotAuthenticated
from callcenter.services import SessionsDep, SettingsDep
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.deps import COOKIE_NAME
from callcenter.users.models import Role

HERE = Path(__file__).parent
WALLBOARD_ROLES = {Role.supervisor.value, Role.admin.value}
QA_ROLES = {Role.qa.value, Role.supervisor.value, Role.admin.value}
QA_MINE_ROLES = {Role.agent.value}  # their own evaluations (by the agent of their login)
DESK_ROLES = {Role.agent.value, Role.admin.value}
CHAT_ROLES = {Role.agent.value, Role.supervisor.value, Role.admin.value}
SOCIAL_ROLES = {Role.supervisor.value, Role.admin.value}
CASES_ROLES = {Role.supervisor.value, Role.admin.value}  # every case (agents: the desk's own)
REPORT_ROLES = {Role.supervisor.value, Role.viewer.value, Role.admin.value}
PROMPT_ROLES = {Role.supervisor.value, Role.admin.value}  # admins upload, supervisors listen

router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    return StaticFiles(directory=HERE / "static")


def swagger_files() -> StaticFiles:
    """Swagger UI's script and style as a PyPI package ships them (no CDN: /docs offline)."""
    return StaticFiles(directory=Path(str(resources.files("fastapi_offline") / "static")))


def _page(name: str) -> str:
    return (HERE / "templates" / name).read_text(encoding="utf-8")


async def _role(request: Request, settings: SettingsDep, sessions: SessionsDep) -> str | None:
    """The signed-in user's current role (from the database), or None."""
    token = request.cookies.get(COOKIE_NAME)
    if not token:
        return None
    try:
        claims = security.decode_token(settings=settings, token=token)
    except NotAuthenticated:
        return None
    async with sessions() as session:
        user = await user_service.get(session=session, user_id=claims.user_id)
    return user.role.value if user is not None and user.active else None


PageRole = Annotated[str | None, Depends(_role)]


@router.get("/login")
async def login_page() -> HTMLResponse:
    return HTMLResponse(_page("login.html"))


@router.get("/docs")
async def api_docs() -> HTMLResponse:
    """The API's interactive documentation (Swagger UI from /docs-assets, our own start-up
    script: the pages' CSP allows no inline script and no other origin)."""
    return HTMLResponse(_page("docs.html"))


@router.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/wallboard", status_code=303)


def _role_page(path: str, roles: Collection[str], page: str, forbidden: str, doc: str) -> None:
    """GET `path`: `page` for `roles`, the login page for strangers, `forbidden` (403) for
    anyone else (the handler is named after the page)."""

    async def serve(role: PageRole) -> Response:
        return _guarded(role, path, roles, page, forbidden)

    serve.__name__ = serve.__qualname__ = page.removesuffix(".html")
    serve.__doc__ = doc
    router.add_api_route(path, serve, methods=["GET"], response_model=None)


# fmt: off
_role_page("/wallboard", WALLBOARD_ROLES, "wallboard.html", "forbidden.html",
           "The wallboard for supervisors; others get 403, strangers the login page.")
_role_page("/desk", DESK_ROLES, "desk.html", "desk_forbidden.html",
           "The agent desk (softphone, state, screen pop, cases); strangers get the login page.")
_role_page("/qa", QA_ROLES, "qa.html", "qa_forbidden.html",
           "Recordings search, playback and QA scoring (qa, supervisor, admin).")
_role_page("/qa/mine", QA_MINE_ROLES, "qa_mine.html", "qa_mine_forbidden.html",
           "An agent's own QA evaluations: read, acknowledge or dispute (agents).")
# fmt: on


@router.get("/chat", response_model=None)
async def chat_inbox(role: PageRole) -> Response:
    """The chat admins' inbox: LINE conversations by SLA urgency, take, reply, close."""
    return _guarded(role, "/chat", CHAT_ROLES, "chat.html", "chat_forbidden.html")


# fmt: off
_role_page("/social", SOCIAL_ROLES, "social.html", "social_forbidden.html",
           "Social listening: volume, ranked mentions, influencers (supervisor, admin).")
_role_page("/social/calendar", SOCIAL_ROLES, "social_calendar.html", "social_forbidden.html",
           "The content calendar: plan, approve, publish, results (supervisor, admin).")
_role_page("/cases", CASES_ROLES, "cases.html", "forbidden.html",
           "Every case, searched and paged (supervisor, admin); agents have their own on the desk.")
_role_page("/reports", REPORT_ROLES, "reports.html", "reports_forbidden.html",
           "Report packs: list, download (supervisor, viewer, admin); rebuild (supervisor, admin).")
_role_page("/dashboard", REPORT_ROLES, "dashboard.html", "reports_forbidden.html",
           "Figures and charts of any period (supervisor, viewer, admin; viewers: no agent rows).")
_role_page("/prompts", PROMPT_ROLES, "prompts.html", "prompts_forbidden.html",
           "The IVR prompts: what is still missing a recording per language, listen (supervisor, "
           "admin), upload WAV or MP3 (admin).")
# fmt: on


def _guarded(
    role: str | None, path: str, roles: Collection[str], page: str, forbidden: str
) -> Response:
    """`page` for `roles`, the login page for strangers, `forbidden` (403) for anyone else."""
    if role is None:
        return RedirectResponse(f"/login?next={path}", status_code=303)
    if role not in roles:
        return HTMLResponse(_page(forbidden), status_code=403)
    return HTMLResponse(_page(page))
