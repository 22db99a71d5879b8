"""`callcenter users …`: add, disable and list users straight in the database."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from callcenter import centre
from callcenter.cli_support import database
from callcenter.config import Settings, get_settings
from callcenter.db import transaction
from callcenter.errors import Conflict, InvalidInput
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
    """Show every user."""
    settings = get_settings()
    try:
        users = asyncio.run(_list(settings))
    except (OSError, SQLAlchemyError) as exc:
        _fail(_db_problem(settings, exc), code=EXIT_FAILED)
    if as_json:
        typer.echo(json.dumps([u.model_dump(mode="json") for u in users], indent=2))
    else:
        _print_table(users)


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


def _print_table(users: Sequence[UserOut]) -> None:
    if not users:
        typer.echo("no users")
        return
    width = max(len(u.username) for u in users)
    for u in users:
        state = "active" if u.active else "disabled"
        last = u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else "never"
        line = (
            f"{u.username:<{width}}  {u.role.value:<10}  {state:<8}  {last:<25}  {u.display_name}"
        )
        typer.echo(line.rstrip())


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
