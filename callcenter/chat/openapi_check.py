"""Request bodies checked against LINE's published OpenAPI description (data/, unchanged).

The subset of OpenAPI 3.0 schema rules the Messaging API uses: $ref, allOf, the
discriminator (message and action types), type, required, properties, items, enum,
pattern, minItems/maxItems, minLength/maxLength, minimum/maximum. Used by the LINE
stand-in, so what the desk sends is what LINE's own description allows.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

SPEC = Path(__file__).parent / "data" / "line-messaging-api.yml"
_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict, "array": list, "string": str, "boolean": bool,
    "integer": int, "number": (int, float),
}  # fmt: skip


@functools.cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    return loaded


def schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = spec()["components"]["schemas"][name]
    return found


def request_schema(path: str, method: str = "post") -> dict[str, Any]:
    """The JSON request body schema of an operation."""
    body = spec()["paths"][path][method]["requestBody"]["content"]["application/json"]
    found: dict[str, Any] = body["schema"]
    return found


def problems(value: Any, rule: dict[str, Any], where: str = "") -> list[str]:
    """What in `value` breaks `rule` (empty: it conforms), as LINE-like messages."""
    out: list[str] = []
    _check(value, rule, where or "body", out, frozenset())
    return out


def _resolve(rule: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    ref = rule.get("$ref")
    if ref is None:
        return rule, None
    return schema(ref.rsplit("/", 1)[-1]), ref


def _check(
    value: Any, rule: dict[str, Any], where: str, out: list[str], seen: frozenset[str]
) -> None:
    rule, ref = _resolve(rule)
    if ref is not None:
        if ref in seen:
            return  # the discriminator's subtype includes its base: checked already
        seen = seen | {ref}
    for part in rule.get("allOf", []):
        _check(value, part, where, out, seen)
    kind = rule.get("type")
    if kind is not None:
        wanted = _TYPES[kind]
        if not isinstance(value, wanted) or (
            kind in ("integer", "number") and isinstance(value, bool)
        ):
            out.append(f"{where}: must be {kind}")
            return
    if "enum" in rule and value not in rule["enum"]:
        out.append(f"{where}: must be one of {rule['enum']}")
    if isinstance(value, str):
        if len(value) < rule.get("minLength", 0) or len(value) > rule.get("maxLength", 1 << 62):
            out.append(f"{where}: length out of range")
        if "pattern" in rule and not re.search(rule["pattern"], value):
            out.append(f"{where}: does not match {rule['pattern']}")
    low, high = rule.get("minimum", -(1 << 62)), rule.get("maximum", 1 << 62)
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if number and not low <= value <= high:
        out.append(f"{where}: out of range")
    if isinstance(value, list):
        if len(value) < rule.get("minItems", 0) or len(value) > rule.get("maxItems", 1 << 62):
            out.append(f"{where}: size must be between {rule.get('minItems', 0)} and "
                       f"{rule.get('maxItems', '∞')}")  # fmt: skip
        if "items" in rule:
            for i, item in enumerate(value):
                _check(item, rule["items"], f"{where}[{i}]", out, frozenset())
    if isinstance(value, dict):
        for name in rule.get("required", []):
            if name not in value:
                out.append(f"{where}.{name}: required")
        for name, sub in rule.get("properties", {}).items():
            if name in value:
                _check(value[name], sub, f"{where}.{name}", out, frozenset())
        disc = rule.get("discriminator")
        if disc is not None:
            tag = value.get(disc["propertyName"])
            target = disc.get("mapping", {}).get(tag)
            if target is None:
                out.append(f"{where}.{disc['propertyName']}: unknown value {tag!r}")
            else:
                _check(value, {"$ref": target}, where, out, seen)
