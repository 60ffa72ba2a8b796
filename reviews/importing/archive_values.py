"""Typed reads of one value of an archive line: each returns the value or raises Bad naming the field and why.

``where`` is the path of the object the field is in (``comments[2]``), for the message.
"""

import json
import re
from datetime import UTC, datetime

MAX_USERNAME = 150
MAX_STATE_DEPTH = 20
# PostgreSQL stores neither NUL nor lone surrogates, in text or in JSON.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class Bad(Exception):
    """A value of the current line is wrong; the message says which and why."""


def field_path(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def type_name(value) -> str:
    return "null" if value is None else type(value).__name__


def shown(value) -> str:
    text = json.dumps(value, ensure_ascii=True) if isinstance(value, str | int | float | bool | None) else "…"
    return text if len(text) <= 60 else text[:57] + "…"


def refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def check_json_state(value, name: str) -> None:
    """A history state is stored as JSON: no NUL or lone surrogate in any key or text, and not nested deeply."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_STATE_DEPTH:
            raise Bad(f"{name} is nested more than {MAX_STATE_DEPTH} levels deep")
        if isinstance(item, dict):
            pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str) and UNSTORABLE.search(item):
            raise Bad(f"{name} holds a NUL or an unpaired surrogate, which cannot be stored")


def check_fields(obj: dict, names: set[str], where: str = "") -> None:
    if unknown := sorted(set(obj) - names):
        raise Bad(f"{field_path(where, unknown[0])[:80]}: unknown field")
    if missing := sorted(names - set(obj)):
        raise Bad(f"{field_path(where, missing[0])} is missing")


def as_object(value, where: str) -> dict:
    if not isinstance(value, dict):
        raise Bad(f"{where} must be an object, not {type_name(value)}")
    return value


def object_field(obj: dict, name: str, where: str = "") -> dict:
    return as_object(obj.get(name), field_path(where, name))


def list_field(obj: dict, name: str, limit: int = 100_000, where: str = "") -> list:
    value = obj.get(name)
    if not isinstance(value, list):
        raise Bad(f"{field_path(where, name)} must be a list, not {type_name(value)}")
    if len(value) > limit:
        raise Bad(f"{field_path(where, name)} has {len(value)} items, more than {limit}")
    return value


def text_field(obj: dict, name: str, limit: int, where: str = "") -> str:
    value = obj.get(name)
    if not isinstance(value, str):
        raise Bad(f"{field_path(where, name)} must be a string, not {type_name(value)}")
    if len(value) > limit:
        raise Bad(f"{field_path(where, name)} is longer than {limit} characters")
    if match := UNSTORABLE.search(value):
        shown = repr(match[0])[1:-1]
        raise Bad(f"{field_path(where, name)} contains {shown}, which cannot be stored (NUL or an unpaired surrogate)")
    return value


def username_field(obj: dict, name: str, where: str = "", null: bool = False) -> str | None:
    if obj.get(name) is None and null:
        if name not in obj:
            raise Bad(f"{field_path(where, name)} is missing")
        return None
    username = text_field(obj, name, MAX_USERNAME, where)
    if not username.strip():
        raise Bad(f"{field_path(where, name)} is an empty username")
    return username


def integer_field(obj: dict, name: str, low: int, high: int, where: str = "", null: bool = False) -> int | None:
    value = obj.get(name)
    if value is None and null:
        if name not in obj:
            raise Bad(f"{field_path(where, name)} is missing")
        return None
    if type(value) is not int:
        raise Bad(f"{field_path(where, name)} must be a whole number, not {type_name(value)}")
    if not low <= value <= high:
        raise Bad(f"{field_path(where, name)} {shown(value)} is out of range ({low}–{high})")
    return value


def boolean_field(obj: dict, name: str, where: str = "") -> bool:
    value = obj.get(name)
    if type(value) is not bool:
        raise Bad(f"{field_path(where, name)} must be true or false, not {shown(value)}")
    return value


def choice_field(obj: dict, name: str, choices, where: str = "", null: bool = False, blank: bool = False) -> str | None:
    value = obj.get(name)
    if (value is None and null) or (value == "" and blank):
        if name not in obj:
            raise Bad(f"{field_path(where, name)} is missing")
        return None
    if not isinstance(value, str) or value not in choices:
        raise Bad(f"{field_path(where, name)} {shown(value)} is not one of {', '.join(sorted(choices))}")
    return value


def moment_field(obj: dict, name: str, where: str = "", null: bool = False) -> datetime | None:
    value = obj.get(name)
    if value is None and null:
        if name not in obj:
            raise Bad(f"{field_path(where, name)} is missing")
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise Bad(f"{field_path(where, name)} must be an ISO 8601 date and time, not {shown(value)}")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Bad(f"{field_path(where, name)} {shown(value)} is not an ISO 8601 date and time") from None
    if moment.tzinfo is None:
        raise Bad(f"{field_path(where, name)} {shown(value)} has no time zone (write +00:00)")
    return moment.astimezone(UTC)
