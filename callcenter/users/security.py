"""Password hashing (argon2) and access tokens (JWT HS256); no I/O, no database."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from callcenter.config import Settings
from callcenter.errors import NotAuthenticated

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
TOKEN_ALGORITHM = "HS256"  # noqa: S105 (an algorithm name, not a secret)

_hasher = PasswordHasher()


class JwtSecretMissing(RuntimeError):
    """The service was asked to issue or check tokens without a signing secret."""


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    role: str
    issued_at: int
    expires_at: int


def hash_password(password: str) -> str:
    """Argon2id hash of a password, with the hasher's current parameters."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> tuple[bool, str | None]:
    """Check a password; on success also return a fresh hash when the parameters changed."""
    try:
        _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(password_hash):
        return True, _hasher.hash(password)
    return True, None


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password")


def burn_dummy_verify(password: str) -> None:
    """Spend as long as a real check would, so unknown usernames answer no faster."""
    verify_password(_dummy_hash(), password)


def require_secret(settings: Settings) -> str:
    """The JWT signing secret, or a clear error when it is not configured."""
    secret = settings.jwt_secret.get_secret_value()
    if not secret:
        raise JwtSecretMissing(
            "CALLCENTER_JWT_SECRET is empty: set it (the local stack writes one to secrets.json) "
            "before the service issues or accepts login tokens"
        )
    return secret


def issue_token(*, settings: Settings, user_id: int, role: str, now: float | None = None) -> str:
    """A signed access token for a user, valid for settings.token_ttl_s seconds."""
    issued_at = int(time.time() if now is None else now)
    claims = {
        "sub": str(user_id),
        "role": role,
        "iat": issued_at,
        "exp": issued_at + settings.token_ttl_s,
    }
    return jwt.encode(claims, require_secret(settings), algorithm=TOKEN_ALGORITHM)


def decode_token(*, settings: Settings, token: str) -> TokenClaims:
    """Verify signature and expiry; NotAuthenticated when the token cannot be trusted."""
    secret = require_secret(settings)
    try:
        claims = jwt.decode(
            token, secret, algorithms=[TOKEN_ALGORITHM], options={"require": ["sub", "exp", "iat"]}
        )
        return TokenClaims(
            user_id=int(claims["sub"]),
            role=str(claims.get("role", "")),
            issued_at=int(claims["iat"]),
            expires_at=int(claims["exp"]),
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("Your session has expired; log in again.") from None
    except (jwt.InvalidTokenError, ValueError):
        raise NotAuthenticated("The access token is invalid; log in again.") from None
