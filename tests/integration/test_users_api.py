"""Login, tokens, cookies, roles and the users CLI against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from callcenter import centre, errors, migrate, services
from callcenter.config import Settings
from callcenter.db import make_db_engine, make_sessionmaker, transaction
from callcenter.users import security
from callcenter.users import service as user_service
from callcenter.users.cli import app as users_cli
from callcenter.users.models import Role, User
from callcenter.users.ratelimit import LoginLimiter
from callcenter.users.router import router
from callcenter.users.schemas import UserCreate

pytestmark = pytest.mark.integration

PG_SERVER = "postgres@127.0.0.1:5432"
SECRET = "integration-test-secret-at-least-32-bytes"
PASSWORD = "s3cret-password"
MAX_FAILURES = 5
WINDOW_S = 300
TOKEN_TTL_S = 3600

Sessions = async_sessionmaker[AsyncSession]


class FakeClock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="session")
def database_name() -> Iterator[str]:
    name = f"callcenter_test_{uuid.uuid4().hex[:12]}"
    sync_url = f"postgresql+psycopg://{PG_SERVER}/{name}"
    migrate.ensure_database(sync_url)
    try:
        migrate.upgrade(sync_url)
        yield name
    finally:
        migrate.drop_database(sync_url)


@pytest.fixture(scope="session")
def database_url(database_name: str) -> str:
    return f"postgresql+asyncpg://{PG_SERVER}/{database_name}"


@pytest.fixture(scope="session")
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    engine = make_db_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture(autouse=True)
async def no_users(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        # This private database only ever holds users (no cases or audit rows refer to them),
        # so a plain DELETE wipes it; the audit trails' TRUNCATE guards stay on.
        await session.execute(text("DELETE FROM users"))
        await session.execute(text("ALTER TABLE users ALTER COLUMN id RESTART"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        jwt_secret=SecretStr(SECRET),
        token_ttl_s=TOKEN_TTL_S,
        login_max_failures=MAX_FAILURES,
        login_window_s=WINDOW_S,
    )


@pytest.fixture
def app(settings: Settings, sessions: Sessions, clock: FakeClock) -> FastAPI:
    app = FastAPI()
    errors.install_handlers(app)
    app.include_router(router)
    app.state.settings = settings
    # Only the users router, without the lifespan: its parts are given straight.
    limiter = LoginLimiter.from_settings(settings, clock=clock)
    app.dependency_overrides |= {
        services.sessions: lambda: sessions,
        services.login_limiter: lambda: limiter,
        services.layout: lambda: centre.load(settings.conf_dir),
    }
    return app


def make_client(app: FastAPI, ip: str = "10.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as client:
        yield client


async def add_user(sessions: Sessions, username: str, role: Role = Role.agent) -> None:
    user_in = UserCreate(username=username, role=role, password=PASSWORD)
    async with transaction(sessions) as session:
        await user_service.create(session=session, user_in=user_in)


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )


async def token_for(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await login(client, username)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


# --- login and tokens ----------------------------------------------------------------------


async def test_login_token_opens_me(client: httpx.AsyncClient, sessions: Sessions) -> None:
    await add_user(sessions, "alice", Role.supervisor)

    response = await login(client, "Alice")

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert (body["role"], body["username"], body["expires_in"]) == (
        "supervisor",
        "alice",
        TOKEN_TTL_S,
    )
    client.cookies.clear()  # prove the header alone is enough
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert me.json()["role"] == "supervisor"
    assert me.json()["last_login_at"] is not None
    assert "password_hash" not in me.json()


async def test_wrong_password_and_unknown_user_answer_alike(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await add_user(sessions, "alice")

    wrong = await login(client, "alice", "not-the-password")
    unknown = await login(client, "nobody", "not-the-password")

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.json()["error_id"] == "invalid_credentials"
    assert wrong.json()["message"] == unknown.json()["message"]


async def test_missing_bad_or_expired_token_is_not_authenticated(
    client: httpx.AsyncClient, settings: Settings, sessions: Sessions
) -> None:
    await add_user(sessions, "alice")
    expired = security.issue_token(settings=settings, user_id=1, role="agent", now=1_000_000)
    for headers in (
        {},
        {"Authorization": "Bearer nonsense"},
        {"Authorization": f"Bearer {expired}"},
    ):
        response = await client.get("/api/v1/auth/me", headers=headers)
        assert response.status_code == 401
        assert response.json()["error_id"] == "not_authenticated"


async def test_disabled_user_can_neither_log_in_nor_use_a_token(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await add_user(sessions, "alice")
    headers = await token_for(client, "alice")
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.username == "alice").values(active=False))

    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    assert (await login(client, "alice")).status_code == 401


# --- rate limit ----------------------------------------------------------------------------


async def test_sixth_failure_is_locked_out_until_the_window_passes(
    client: httpx.AsyncClient, sessions: Sessions, clock: FakeClock
) -> None:
    await add_user(sessions, "alice")
    for _ in range(MAX_FAILURES):
        assert (await login(client, "alice", "guess-guess")).status_code == 401
        clock.now += 1

    locked = await login(client, "alice")  # even the right password waits

    assert locked.status_code == 429
    assert locked.json()["error_id"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) == WINDOW_S - MAX_FAILURES
    clock.now += WINDOW_S
    assert (await login(client, "alice")).status_code == 200


async def test_one_address_guessing_many_usernames_is_locked_out(
    app: FastAPI, client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await add_user(sessions, "alice")
    for i in range(MAX_FAILURES):
        assert (await login(client, f"user{i}", "guess-guess")).status_code == 401

    assert (await login(client, "alice")).status_code == 429
    async with make_client(app, ip="10.0.0.2") as elsewhere:
        assert (await login(elsewhere, "alice")).status_code == 200


async def test_a_user_locked_at_one_address_still_logs_in_from_another(
    app: FastAPI, client: httpx.AsyncClient, sessions: Sessions
) -> None:
    """Wrong passwords from one address do not lock the user out everywhere (issue 12)."""
    await add_user(sessions, "alice")
    for _ in range(MAX_FAILURES):
        assert (await login(client, "alice", "guess-guess")).status_code == 401
    assert (await login(client, "alice")).status_code == 429
    async with make_client(app, ip="10.0.0.3") as elsewhere:
        assert (await login(elsewhere, "alice")).status_code == 200


# --- roles and user admin ------------------------------------------------------------------


async def test_agent_is_forbidden_on_admin_endpoints(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await add_user(sessions, "agent1", Role.agent)
    headers = await token_for(client, "agent1")

    listing = await client.get("/api/v1/users", headers=headers)
    creating = await client.post(
        "/api/v1/users",
        headers=headers,
        json={"username": "mallory", "role": "admin", "password": PASSWORD},
    )

    for response in (listing, creating):
        assert response.status_code == 403
        assert response.json()["error_id"] == "forbidden"
        assert "admin" in response.json()["message"]


async def test_admin_creates_and_lists_users(client: httpx.AsyncClient, sessions: Sessions) -> None:
    await add_user(sessions, "root", Role.admin)
    headers = await token_for(client, "root")
    new_user = {"username": "bob", "display_name": "Bob B.", "role": "qa", "password": PASSWORD}

    created = await client.post("/api/v1/users", headers=headers, json=new_user)
    again = await client.post("/api/v1/users", headers=headers, json=new_user)
    too_short = await client.post(
        "/api/v1/users",
        headers=headers,
        json={**new_user, "username": "carol", "password": "short"},
    )
    listing = await client.get("/api/v1/users", headers=headers)

    assert created.status_code == 201
    assert created.json()["display_name"] == "Bob B."
    assert again.status_code == 409
    assert again.json()["error_id"] == "conflict"
    assert too_short.status_code == 422
    assert [u["username"] for u in listing.json()] == ["bob", "root"]
    assert (await login(client, "bob")).json()["role"] == "qa"


async def test_an_agent_login_works_as_one_centre_agent(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await add_user(sessions, "root", Role.admin)
    headers = await token_for(client, "root")
    body = {"role": "agent", "password": PASSWORD, "agent_id": "agent07"}

    created = await client.post("/api/v1/users", headers=headers, json={**body, "username": "gail"})
    taken = await client.post("/api/v1/users", headers=headers, json={**body, "username": "hank"})
    malformed = await client.post(
        "/api/v1/users", headers=headers, json={**body, "username": "ivan", "agent_id": "07"}
    )

    assert created.status_code == 201
    assert created.json()["agent_id"] == "agent07"
    assert taken.status_code == 409
    assert "agent07" in taken.json()["message"]
    assert malformed.status_code == 422
    me = await client.get("/api/v1/auth/me", headers=await token_for(client, "gail"))
    assert me.json()["agent_id"] == "agent07"


# --- cookie for web pages ------------------------------------------------------------------


async def test_cookie_from_login_opens_pages_and_logout_clears_it(
    app: FastAPI, client: httpx.AsyncClient, sessions: Sessions
) -> None:
    await add_user(sessions, "alice")

    response = await login(client, "alice")

    set_cookie = response.headers["set-cookie"].lower()
    assert set_cookie.startswith("cc_token=")
    assert "httponly" in set_cookie
    assert "samesite=strict" in set_cookie
    token = response.cookies["cc_token"]
    async with make_client(app) as browser:  # a page request: no Authorization header
        browser.cookies.set("cc_token", token)
        assert (await browser.get("/api/v1/auth/me")).json()["username"] == "alice"
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    assert (await client.post("/api/v1/auth/logout")).status_code == 204
    assert "cc_token" not in client.cookies
    assert (await client.get("/api/v1/auth/me")).status_code == 401


# --- CLI -----------------------------------------------------------------------------------


async def run_cli(database_url: str, args: list[str], stdin: str = "") -> Result:
    runner = CliRunner(env={"CALLCENTER_DATABASE_URL": database_url})
    # The CLI runs its own event loop (asyncio.run), so keep it off the test's loop.
    return await asyncio.to_thread(runner.invoke, users_cli, args, input=stdin)


async def test_cli_added_user_can_log_in(client: httpx.AsyncClient, database_url: str) -> None:
    args = ["add", "dana", "--role", "supervisor", "--password-stdin", "--display-name", "Dana"]

    result = await run_cli(database_url, args, stdin=f"{PASSWORD}\n")

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    assert (await login(client, "dana")).json()["role"] == "supervisor"
    listed = await run_cli(database_url, ["list", "--json"])
    assert [(u["username"], u["display_name"]) for u in json.loads(listed.stdout)] == [
        ("dana", "Dana")
    ]


@pytest.mark.parametrize(
    ("args", "stdin", "code", "message"),
    [
        (["add", "erin", "--role", "boss", "--password-stdin"], f"{PASSWORD}\n", 2, "--role"),
        (["add", "erin", "--role", "agent", "--password-stdin"], "short\n", 2, "8 characters"),
        (["add", "E r", "--role", "agent", "--password-stdin"], f"{PASSWORD}\n", 2, "username"),
        (["add", "erin", "--role", "agent", "--password-stdin"], "", 2, "no password"),
        (["add", "erin", "--role", "agent", "--password-stdin"], "12345678\n", 2, "too common"),
        (["add", "erin", "--role", "agent", "--password-stdin"], "Erin-2026\n", 2, "user name"),
        (
            ["add", "erin", "--role", "agent", "--password-stdin", "--agent", "agent77"],
            f"{PASSWORD}\n",
            2,
            "no agent agent77",
        ),
    ],
)
async def test_cli_rejects_bad_input_with_a_message(
    database_url: str, args: list[str], stdin: str, code: int, message: str
) -> None:
    result = await run_cli(database_url, args, stdin=stdin)

    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


async def test_cli_disabled_user_can_neither_log_in_nor_use_its_token(
    client: httpx.AsyncClient, database_url: str, sessions: Sessions
) -> None:
    await add_user(sessions, "gwen")
    headers = await token_for(client, "gwen")

    result = await run_cli(database_url, ["disable", "gwen"])

    assert result.exit_code == 0, result.output
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
    assert (await login(client, "gwen")).status_code == 401
    listed = await run_cli(database_url, ["list", "--json"])
    assert [(u["username"], u["active"]) for u in json.loads(listed.stdout)] == [("gwen", False)]
    missing = await run_cli(database_url, ["disable", "nobody"])
    assert (missing.exit_code, "no user nobody" in missing.stderr) == (1, True)


async def test_weak_passwords_are_refused_by_the_api(
    client: httpx.AsyncClient, sessions: Sessions
) -> None:
    """12345678 and the user name itself were accepted (issue 12)."""
    await add_user(sessions, "root", Role.admin)
    headers = await token_for(client, "root")
    body = {"username": "harry", "role": "agent"}
    for weak, why in (
        ("12345678", "too common"),
        ("harry2026", "user name"),
        ("Passw0rd", "common"),
    ):
        r = await client.post("/api/v1/users", headers=headers, json={**body, "password": weak})
        assert r.status_code == 422, (weak, r.text)
        assert why in r.text
    ok = await client.post("/api/v1/users", headers=headers, json={**body, "password": PASSWORD})
    assert ok.status_code == 201, ok.text


async def test_cli_duplicate_user_fails_cleanly(database_url: str, sessions: Sessions) -> None:
    await add_user(sessions, "frank")

    result = await run_cli(
        database_url, ["add", "frank", "--role", "qa", "--password-stdin"], stdin=f"{PASSWORD}\n"
    )

    assert result.exit_code == 1
    assert "already taken" in result.stderr
    assert isinstance(result.exception, SystemExit)
