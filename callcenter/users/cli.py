"""`callcenter users …`: add, disable and list users straight in the database."""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from collections.abc import Sequence
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from callcenter import centre
from callcenter.cli_support import TZ_NAME, centre_time, database, print_table
from callcenter.config import Settings, get_settings
from callcenter.db import transaction
from callcenter.errors import Conflict, InvalidInput
from callcenter.users import passwords
from callcenter.users import service as user_service
from callcenter.users.models import Role
from callcenter.users.schemas import UserCreate, UserOut

app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)

EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME", help="Login name: 3–64 of a-z 0-9 . _ -")],
    role: Annotated[Role, typer.Option("--role", case_sensitive=False, help="The user's role.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin (one line).")
    ] = False,
    display_name: Annotated[str, typer.Option("--display-name", help="Name shown in the UI.")] = "",
    agent: Annotated[
        str | None, typer.Option("--agent", help="Centre agent this login works as, e.g. agent07.")
    ] = None,
) -> None:
    """Create a user (password from stdin, or prompted without echo)."""
    password = _read_password(from_stdin=password_stdin)
    try:
        user_in = UserCreate(
            username=name, display_name=display_name, role=role, password=password, agent_id=agent
        )
    except ValidationError as exc:
        _fail(_describe(exc), code=EXIT_BAD_INPUT)
    settings = get_settings()
    try:
        user = asyncio.run(_add(settings, user_in))
    except Conflict as exc:
        _fail(exc.message, code=EXIT_FAILED)
    except InvalidInput as exc:
        _fail(exc.message, code=EXIT_BAD_INPUT)
    except (OSError, SQLAlchemyError) as exc:
        _fail(_db_problem(settings, exc), code=EXIT_FAILED)
    typer.echo(f"created user {user.username} ({user.role.value})")


@app.command("disable")
def disable(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The login to disable.")],
) -> None:
    """Disable a login: it can no longer log in, and its tokens stop working (kept for audit)."""
    settings = get_settings()
    try:
        found = asyncio.run(_set_active(settings, name, active=False))
    except (OSError, SQLAlchemyError) as exc:
        _fail(_db_problem(settings, exc), code=EXIT_FAILED)
    if not found:
        _fail(f"no user {name.strip().lower()}", code=EXIT_FAILED)
    typer.echo(f"disabled user {name.strip().lower()}")


@app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Every user with role, linked centre agent, state and last login (centre time)."""
    settings = get_settings()
    try:
        users = asyncio.run(_list(settings))
    except (OSError, SQLAlchemyError) as exc:
        _fail(_db_problem(settings, exc), code=EXIT_FAILED)
    if as_json:
        typer.echo(json.dumps([u.model_dump(mode="json") for u in users], indent=2))
    else:
        agents = {a.id: a.name for a in centre.load(settings.conf_dir).agents}
        _print_table(users, agents)


@app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The login whose password to set.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the new password from stdin (one line).")
    ] = False,
    generate: Annotated[
        bool, typer.Option("--generate", help="Make up a strong password and print it.")
    ] = False,
) -> None:
    """Set a user's password (the password policy applies: 8+ characters, not the user name,
    not a common one)."""
    if password_stdin and generate:
        _fail("give --password-stdin or --generate, not both", code=EXIT_BAD_INPUT)
    password = new_password() if generate else _read_password(from_stdin=password_stdin)
    settings = get_settings()
    try:
        found = asyncio.run(_passwd(settings, name, password))
    except InvalidInput as exc:
        _fail(exc.message, code=EXIT_BAD_INPUT)
    except (OSError, SQLAlchemyError) as exc:
        _fail(_db_problem(settings, exc), code=EXIT_FAILED)
    if not found:
        _fail(f"no user {name.strip().lower()} (see: callcenter users list)", code=EXIT_FAILED)
    typer.echo(f"password changed for {name.strip().lower()}")
    if generate:
        typer.echo(f"password: {password}")


# The demo's logins, one per page (scripts/run-demo.sh): name, role, agent.
DEMO_LOGINS = (
    ("supervisor", Role.supervisor, None),
    ("qa01", Role.qa, None),
    ("agent01", Role.agent, "agent01"),
)


@app.command("demo-logins")
def demo_logins(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """The demo's logins (supervisor, qa01, agent01) with fresh passwords, printed: created,
    or reset, re-activated and given their role and agent if the database already had them.
    Each password is also written (0600) to STATE/demo-NAME.txt."""
    settings = get_settings()
    try:
        made = asyncio.run(_demo_logins(settings))
    except (OSError, SQLAlchemyError) as exc:
        _fail(_db_problem(settings, exc), code=EXIT_FAILED)
    for row in made:
        path = settings.state_dir / f"demo-{row['username']}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text(row["password"] + "\n", encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(made, indent=2))
        return
    for row in made:
        note = f"  ({row['note']})" if row["note"] else ""
        typer.echo(f"{row['username']:<11} {row['role']:<10} {row['password']}{note}")


def new_password() -> str:
    """A strong random password (about 96 bits)."""
    return secrets.token_urlsafe(12)


async def _demo_logins(settings: Settings) -> list[dict[str, str]]:
    known = [a.id for a in centre.load(settings.conf_dir).agents]
    made = []
    async with database(settings) as sessions, transaction(sessions) as session:
        for name, role, agent in DEMO_LOGINS:
            password = new_password()
            while passwords.problem(username=name, password=password) is not None:
                password = new_password()
            user_in = UserCreate(
                username=name, role=role, password=password, agent_id=agent,
                display_name=f"Demo {name}",
            )  # fmt: skip
            _, moved = await user_service.ensure_login(
                session=session, user_in=user_in, known_agents=known
            )
            note = f"{agent} was linked to login {moved}; now to {name}" if moved else ""
            made.append({"username": name, "role": role.value, "password": password, "note": note})
    return made


async def _passwd(settings: Settings, name: str, password: str) -> bool:
    async with database(settings) as sessions, transaction(sessions) as session:
        user = await user_service.get_by_username(session=session, username=name)
        if user is None:
            return False
        await user_service.set_password(session=session, user=user, password=password)
        return True


async def _add(settings: Settings, user_in: UserCreate) -> UserOut:
    async with database(settings) as sessions, transaction(sessions) as session:
        known = [a.id for a in centre.load(settings.conf_dir).agents]
        user = await user_service.create(session=session, user_in=user_in, known_agents=known)
        return UserOut.model_validate(user)


async def _set_active(settings: Settings, name: str, *, active: bool) -> bool:
    async with database(settings) as sessions, transaction(sessions) as session:
        user = await user_service.get_by_username(session=session, username=name)
        if user is None:
            return False
        user.active = active
        return True


async def _list(settings: Settings) -> list[UserOut]:
    async with database(settings) as sessions, sessions() as session:
        users = await user_service.get_all(session=session)
        return [UserOut.model_validate(u) for u in users]


def _read_password(*, from_stdin: bool) -> str:
    if not from_stdin:
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        _fail("no password on stdin (expected one line)", code=EXIT_BAD_INPUT)
    return password


def _print_table(users: Sequence[UserOut], agents: dict[str, str]) -> None:
    if not users:
        typer.echo("no users / ยังไม่มีผู้ใช้")
        return
    table = Table(title="users / ผู้ใช้")
    for column in (
        "username · ชื่อผู้ใช้", "role · บทบาท", "agent · เจ้าหน้าที่", "state · สถานะ",
        f"last login · เข้าระบบล่าสุด ({TZ_NAME})", "display name · ชื่อที่แสดง",
    ):  # fmt: skip
        table.add_column(column)
    for u in users:
        agent = f"{u.agent_id} ({agents.get(u.agent_id, '?')})" if u.agent_id else "–"
        state = "active · ใช้งาน" if u.active else "disabled · ปิด"
        last = centre_time(u.last_login_at) if u.last_login_at else "never · ไม่เคย"
        table.add_row(u.username, u.role.value, agent, state, last, u.display_name)
    print_table(table)


def _describe(exc: ValidationError) -> str:
    # Never str(exc): pydantic would echo the input, password included.
    parts = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"])
        parts.append(f"{field}: {err['msg'].removeprefix('Value error, ')}")
    return "; ".join(parts)


def _db_problem(settings: Settings, exc: Exception) -> str:
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    text = str(getattr(exc, "orig", None) or exc).strip()  # the driver's words, not SQLAlchemy's
    detail = text.splitlines()[0] if text else type(exc).__name__
    return f"database error at {where}: {detail} (is it running and migrated?)"


def _fail(message: str, *, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
