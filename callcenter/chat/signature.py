"""Webhook signatures: LINE's X-Line-Signature (base64 HMAC-SHA256 of the raw body)."""

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
