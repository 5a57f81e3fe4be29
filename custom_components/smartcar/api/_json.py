"""Typed access to decoded JSON: every reader checks the type it promises and says where it failed.

Decoded JSON is held as `object` and narrowed here, so no `Any` leaks into the parsers. A value of
the wrong type raises `ShapeError`; the client turns it into `SmartcarResponseError` and the webhook
parser into `WebhookPayloadError`. Missing keys and JSON `null` both read as `None` unless a value
is required.
"""

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
import json
import math

type JsonObject = Mapping[str, object]

# Epoch numbers at or above this are milliseconds (1e11 s is the year 5138; 1e11 ms is 1973).
_EPOCH_MILLISECONDS_FROM = 1e11


class ShapeError(ValueError):
    """Decoded JSON does not have the shape the Smartcar API documents."""


# Bytes that matter for the nesting depth: everything else is dropped before counting.
_DEPTH_BYTES = b'{}[]"\\'
_DROP_FOR_DEPTH = bytes(byte for byte in range(256) if byte not in _DEPTH_BYTES)


def loads(raw: bytes | str, *, max_depth: int | None = None) -> object:
    """Decode JSON text; anything that is not JSON raises `ShapeError`.

    With `max_depth`, text nested deeper than that is refused before it is decoded (the
    decoder would recurse once per level).
    """
    if max_depth is not None:
        data = raw.encode() if isinstance(raw, str) else raw
        if nesting_depth(data) > max_depth:
            raise ShapeError(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise ShapeError(f"not JSON: {type(err).__name__}") from err


def nesting_depth(data: bytes) -> int:
    """Return the deepest nesting of objects and arrays in JSON text (strings skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data.translate(None, _DROP_FOR_DEPTH):
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in b"{[":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def as_object(value: object, where: str) -> JsonObject:
    """Return `value` as a JSON object or raise."""
    if isinstance(value, Mapping):
        return value
    raise ShapeError(f"{where}: expected an object, got {_kind(value)}")


def as_list(value: object, where: str) -> Sequence[object]:
    """Return `value` as a JSON array or raise."""
    if isinstance(value, list):
        return value
    raise ShapeError(f"{where}: expected an array, got {_kind(value)}")


def as_str(value: object, where: str) -> str:
    """Return `value` as a non-empty string or raise."""
    if isinstance(value, str) and value:
        return value
    raise ShapeError(f"{where}: expected a non-empty string, got {_kind(value)}")


def opt_object(obj: JsonObject, key: str) -> JsonObject | None:
    """`obj[key]` as an object, or None when missing or null."""
    value = obj.get(key)
    return None if value is None else as_object(value, key)


def opt_list(obj: JsonObject, key: str) -> Sequence[object] | None:
    """`obj[key]` as an array, or None when missing or null."""
    value = obj.get(key)
    return None if value is None else as_list(value, key)


def opt_str(obj: JsonObject, key: str) -> str | None:
    """`obj[key]` as a string, or None when missing or null."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ShapeError(f"{key}: expected a string, got {_kind(value)}")


def req_str(obj: JsonObject, key: str) -> str:
    """`obj[key]` as a non-empty string; anything else raises."""
    value = opt_str(obj, key)
    if not value:
        raise ShapeError(f"{key}: a non-empty string is required")
    return value


def opt_id(obj: JsonObject, key: str) -> str | None:
    """Read an identifier Smartcar may send as a string or an integer, as a string."""
    value = obj.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return opt_str(obj, key)


def opt_float(obj: JsonObject, key: str) -> float | None:
    """`obj[key]` as a finite number, or None when missing or null (booleans are not numbers)."""
    return number_or_none(obj.get(key), key)


def req_float(obj: JsonObject, key: str) -> float:
    """`obj[key]` as a finite number; missing or null raises."""
    value = opt_float(obj, key)
    if value is None:
        raise ShapeError(f"{key}: a number is required")
    return value


def number_or_none(value: object, where: str) -> float | None:
    """`value` as a finite float, None for null; anything else raises."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ShapeError(f"{where}: expected a number, got {_kind(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ShapeError(f"{where}: expected a finite number")
    return number


def opt_int(obj: JsonObject, key: str) -> int | None:
    """`obj[key]` as an integer (a whole float is accepted), or None when missing or null."""
    number = opt_float(obj, key)
    if number is None:
        return None
    if not number.is_integer():
        raise ShapeError(f"{key}: expected an integer, got {number}")
    return int(number)


def opt_bool(obj: JsonObject, key: str) -> bool | None:
    """`obj[key]` as a boolean, or None when missing or null."""
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise ShapeError(f"{key}: expected a boolean, got {_kind(value)}")


def opt_datetime(obj: JsonObject, key: str) -> datetime | None:
    """`obj[key]` as an aware datetime (ISO 8601 or epoch ms/s); None when missing or null."""
    value = obj.get(key)
    if value is None:
        return None
    parsed = parse_timestamp(value)
    if parsed is None:
        raise ShapeError(
            f"{key}: expected an ISO 8601 time or epoch number, got {value!r}"
        )
    return parsed


def parse_timestamp(value: object) -> datetime | None:
    """ISO 8601 text or an epoch number (milliseconds, or seconds when small) as an aware datetime.

    Returns None when the value is not a time; times without an offset are taken as UTC.
    """
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = float(value)
    if not math.isfinite(seconds):
        return None
    if abs(seconds) >= _EPOCH_MILLISECONDS_FROM:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except OverflowError, OSError, ValueError:
        return None


def scalar_text(value: object) -> str | None:
    """Render a JSON value as text (objects and arrays as compact JSON); null stays None."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _kind(value: object) -> str:
    """Name a value's JSON type for error messages (never the value: it may be private)."""
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case _:
            return "an object"
