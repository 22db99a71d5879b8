"""Webhook signatures, each an HMAC-SHA256 of the raw body, compared in constant time.

LINE: X-Line-Signature = base64(HMAC(channel secret, body)).
Messenger: X-Hub-Signature-256 = "sha256=" + hex(HMAC(app secret, body)).
"""

from __future__ import annotations

import base64
import hashlib
import hmac


def line_signature(secret: str, body: bytes) -> str:
    """What LINE puts in X-Line-Signature for `body` sent with the channel `secret`."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def line_valid(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether `signature` is the body's (constant-time); never true without a secret."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(line_signature(secret, body).encode(), signature.encode())


def facebook_signature(secret: str, body: bytes) -> str:
    """What Meta puts in X-Hub-Signature-256 for `body` signed with the app `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def facebook_valid(secret: str, body: bytes, signature: str | None) -> bool:
    if not secret or not signature:
        return False
    return hmac.compare_digest(facebook_signature(secret, body).encode(), signature.encode())
