"""Passwords, tokens, role checks and the login limiter, without I/O."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher
from pydantic import SecretStr

from callcenter.config import Settings
from callcenter.errors import Forbidden, NotAuthenticated
from callcenter.users import passwords, security
from callcenter.users.deps import require_roles
from callcenter.users.models import Role, User
from callcenter.users.ratelimit import LoginLimiter, login_keys

SECRET = "unit-test-secret-that-is-at-least-32-bytes-long"


def settings(secret: str = SECRET) -> Settings:
    return Settings(jwt_secret=SecretStr(secret), token_ttl_s=3600)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- passwords -----------------------------------------------------------------------------


def test_password_round_trip() -> None:
    hashed = security.hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert security.verify_password(hashed, "correct horse") == (True, None)
    assert security.verify_password(hashed, "wrong horse") == (False, None)


def test_garbage_hash_is_a_failed_check_not_a_crash() -> None:
    assert security.verify_password("not-a-hash", "whatever1") == (False, None)


def test_old_parameters_get_a_fresh_hash_on_success() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse")
    ok, new_hash = security.verify_password(weak, "correct horse")
    assert ok and new_hash is not None and new_hash != weak
    assert security.verify_password(new_hash, "correct horse") == (True, None)
    assert security.verify_password(weak, "wrong horse") == (False, None)


# --- tokens --------------------------------------------------------------------------------


def test_token_carries_user_and_role() -> None:
    token = security.issue_token(settings=settings(), user_id=42, role="qa")
    claims = security.decode_token(settings=settings(), token=token)
    assert (claims.user_id, claims.role) == (42, "qa")
    assert claims.expires_at - claims.issued_at == 3600


def test_expired_token_is_refused() -> None:
    token = security.issue_token(settings=settings(), user_id=1, role="agent", now=1_000_000)
    with pytest.raises(NotAuthenticated, match="expired"):
        security.decode_token(settings=settings(), token=token)


@pytest.mark.parametrize(
    "mangle", [lambda t: t.rsplit(".", 1)[0] + "." + "A" * 43, lambda t: "abc", lambda t: ""]
)
def test_tampered_token_is_refused(mangle: Callable[[str], str]) -> None:
    token = security.issue_token(settings=settings(), user_id=1, role="agent")
    with pytest.raises(NotAuthenticated):
        security.decode_token(settings=settings(), token=mangle(token))


def test_token_from_another_secret_is_refused() -> None:
    other = settings(secret="another-secret-that-is-also-32-bytes-or-more")
    token = security.issue_token(settings=other, user_id=1, role="admin")
    with pytest.raises(NotAuthenticated):
        security.decode_token(settings=settings(), token=token)


def test_empty_secret_refuses_to_issue_or_accept() -> None:
    empty = settings(secret="")
    with pytest.raises(security.JwtSecretMissing, match="CALLCENTER_JWT_SECRET"):
        security.issue_token(settings=empty, user_id=1, role="admin")
    with pytest.raises(security.JwtSecretMissing):
        security.decode_token(settings=empty, token="a.b.c")


# --- roles ---------------------------------------------------------------------------------


def user_with(role: Role) -> User:
    return User(id=1, username="someone", display_name="Someone", role=role, active=True)


async def test_role_check_lets_the_role_and_admin_through() -> None:
    needs_supervisor = require_roles(Role.supervisor)
    for role in (Role.supervisor, Role.admin):
        assert (await needs_supervisor(user_with(role))).role is role


async def test_role_check_names_the_needed_roles() -> None:
    with pytest.raises(Forbidden) as caught:
        await require_roles(Role.supervisor, "qa")(user_with(Role.agent))
    assert "supervisor or qa or admin" in caught.value.message
    assert caught.value.details["role"] == "agent"


def test_unknown_role_name_fails_at_definition() -> None:
    with pytest.raises(ValueError):
        require_roles("superuser")


# --- login limiter -------------------------------------------------------------------------


def test_limiter_locks_after_max_failures_until_the_window_passes() -> None:
    clock = FakeClock()
    limiter = LoginLimiter(max_failures=3, window_s=60, clock=clock)
    keys = login_keys(username="Alice", client_ip="10.0.0.1")
    for _ in range(3):
        assert limiter.retry_after(keys) is None
        limiter.record_failure(keys)
        clock.now += 10
    assert limiter.retry_after(keys) == 30  # now 1030; the first failure (1000) leaves at 1060
    clock.now = 1059.5
    assert limiter.retry_after(keys) == 1
    clock.now = 1060
    assert limiter.retry_after(keys) is None


def test_limiter_counts_per_address_across_usernames() -> None:
    limiter = LoginLimiter(max_failures=2, window_s=60, clock=FakeClock())
    limiter.record_failure(login_keys(username="a", client_ip="10.0.0.1"))
    limiter.record_failure(login_keys(username="b", client_ip="10.0.0.1"))
    assert limiter.retry_after(login_keys(username="c", client_ip="10.0.0.1")) == 60
    assert limiter.retry_after(login_keys(username="c", client_ip="10.0.0.2")) is None


def test_reset_and_forgive() -> None:
    limiter = LoginLimiter(max_failures=2, window_s=60, clock=FakeClock())
    user_key, ip_key = login_keys(username="a", client_ip="10.0.0.1")
    limiter.record_failure([user_key, ip_key])
    stamp = limiter.record_failure([user_key, ip_key])
    limiter.reset([user_key])
    limiter.forgive([ip_key], stamp)
    assert limiter.retry_after([user_key]) is None
    assert limiter.retry_after([ip_key]) is None
    limiter.record_failure([ip_key])
    assert limiter.retry_after([ip_key]) == 60


def test_username_keys_ignore_case_and_spaces() -> None:
    assert login_keys(username=" Alice ", client_ip=None) == ["user:alice"]


# --- password policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("12345678", "common"),
        ("QWERTY123", "common"),
        ("zzzzzzzzzz", "common"),  # one or two characters repeated
        ("alice", "at least"),
        ("Alice-2026", "user name"),
        ("my-alice-pw", "user name"),
        ("correct-horse-1", None),
    ],
)
def test_password_policy(password: str, refused: str | None) -> None:
    why = passwords.problem(username="alice", password=password)
    assert (why is None) if refused is None else (why is not None and refused in why)


def test_common_password_list_ships_with_the_package() -> None:
    common = passwords.common_passwords()
    assert {"123456", "password", "12345678"} <= common
    assert not any(p.startswith("#") for p in common)
