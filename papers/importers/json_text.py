"""JSON as the importers read it: only what the JSON standard allows, and nothing that can crash Python."""

import json
import math

BYTE_ORDER_MARK = "\ufeff"
# Digits of a number quoted in an error message.
SHOWN_DIGITS = 20


class BrokenJson(ValueError):
    """Why a JSON text cannot be read, in words fit for a ``FILE:LINE: reason`` report."""


def load_json(text: str):
    """Parse ``text`` strictly: NaN and Infinity, numbers too large for Python and runaway nesting are refused."""
    if text.startswith(BYTE_ORDER_MARK):
        raise BrokenJson("a byte-order mark (U+FEFF) at the start of the line, as where two files were joined")
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        raise BrokenJson(f"{error.msg} at column {error.colno}") from None
    except RecursionError:
        # The C parser recurses once per level and stops cleanly at Python's recursion limit.
        raise BrokenJson("nested too deeply") from None


def json_kind(value) -> str:
    """What a parsed JSON value was written as, in JSON's own words (``null``, ``array``, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    kinds = {dict: "object", list: "array", str: "string", int: "number", float: "number"}
    return kinds.get(type(value), type(value).__name__)


def _refuse_constant(name: str):
    # Python's json reads NaN, Infinity and -Infinity by default; they are not JSON and no field means them.
    raise BrokenJson(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BrokenJson(f"the number {_shortened(text)} is too large")
    return value


def _bounded_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        # int() refuses more than sys.get_int_max_str_digits() digits (4,300 by default).
        raise BrokenJson(f"the number {_shortened(text)} is too long ({len(text)} digits)") from None


def _shortened(digits: str) -> str:
    return digits if len(digits) <= SHOWN_DIGITS else f"{digits[:SHOWN_DIGITS]}…"


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_bounded_int)
