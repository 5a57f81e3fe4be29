"""Injected faults: errors and slowness for the next N requests of a car, or until cleared.

A fault is ``{type, code?, count?, retry_after?, delay?, path?}``:

- ``type``: a Smartcar error type (``VEHICLE_STATE``, ``RATE_LIMIT``, ``BILLING``, ``SERVER``,
  ``UPSTREAM``, ``CONNECTED_SERVICES_ACCOUNT``, ``AUTHENTICATION`` = revoked token, ...), or the
  shortcuts ``ASLEEP`` / ``UNREACHABLE`` (VEHICLE_STATE with that code), or ``SLOW`` (delay only).
- ``count``: how many requests it affects (omitted = until cleared). One HTTP request consumes one
  count; a batch is one request.
- ``delay``: seconds to wait before answering (with or without an error).
- ``path``: only requests whose vehicle-relative path starts with this (e.g. ``/charge``,
  ``/signals``); omitted = every request to the car.
"""

from dataclasses import dataclass
from typing import Any

from .errors import SmartcarApiError, make_error

_SHORTCUTS = {
    "ASLEEP": ("VEHICLE_STATE", "ASLEEP"),
    "UNREACHABLE": ("VEHICLE_STATE", "UNREACHABLE"),
}
# Faults that fail a whole batch rather than each path inside it.
REQUEST_LEVEL_TYPES = frozenset({"AUTHENTICATION", "RATE_LIMIT", "BILLING", "SERVER"})


@dataclass(kw_only=True)
class Fault:
    """One injected fault."""

    fault_id: int
    error_type: str | None
    code: str | None
    remaining: int | None
    retry_after: int | None
    delay: float
    path: str | None

    @property
    def error(self) -> SmartcarApiError | None:
        if self.error_type is None:
            return None
        return make_error(self.error_type, self.code, retry_after=self.retry_after)

    @property
    def request_level(self) -> bool:
        return self.error_type in REQUEST_LEVEL_TYPES

    def matches(self, path: str) -> bool:
        return self.path is None or path.startswith(self.path)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.fault_id,
            "type": self.error_type or "SLOW",
            "code": self.code,
            "remaining": self.remaining,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "path": self.path,
        }


def parse_fault(data: Any, fault_id: int) -> Fault:
    """Build a fault from its control-API JSON; raises ValueError when invalid."""
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")  # noqa: TRY004 - surfaced as a 400
    unknown = set(data) - {"type", "code", "count", "retry_after", "delay", "path"}
    if unknown:
        raise ValueError("unknown fields: " + ", ".join(sorted(unknown)))
    kind = data.get("type")
    code = data.get("code")
    if not isinstance(kind, str):
        raise ValueError("type is required")  # noqa: TRY004 - surfaced as a 400
    error_type: str | None
    if kind == "SLOW":
        error_type = None
    elif kind in _SHORTCUTS:
        error_type, code = _SHORTCUTS[kind]
    else:
        error_type = kind
    count = data.get("count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ValueError("count must be a positive integer")
    delay = data.get("delay", 0)
    if not isinstance(delay, int | float) or delay < 0:
        raise ValueError("delay must be a non-negative number")
    retry_after = data.get("retry_after")
    if retry_after is not None and not isinstance(retry_after, int):
        raise ValueError("retry_after must be an integer")
    path = data.get("path")
    if path is not None and not isinstance(path, str):
        raise ValueError("path must be a string")
    fault = Fault(
        fault_id=fault_id,
        error_type=error_type,
        code=code,
        remaining=count,
        retry_after=retry_after,
        delay=float(delay),
        path=path,
    )
    if error_type is not None:
        # Validates type and code, and fills in the defaults (code, Retry-After).
        built = make_error(error_type, code, retry_after=retry_after)
        fault.code = built.code
        fault.retry_after = built.retry_after
    return fault


class FaultBook:
    """Faults per car, consumed in the order they were added."""

    def __init__(self) -> None:
        self._faults: dict[str, list[Fault]] = {}
        self._next_id = 1

    def add(self, vehicle_id: str, data: Any) -> Fault:
        fault = parse_fault(data, self._next_id)
        self._next_id += 1
        self._faults.setdefault(vehicle_id, []).append(fault)
        return fault

    def list(self, vehicle_id: str) -> list[Fault]:
        return list(self._faults.get(vehicle_id, []))

    def clear(self, vehicle_id: str | None = None) -> None:
        if vehicle_id is None:
            self._faults.clear()
        else:
            self._faults.pop(vehicle_id, None)

    def take(self, vehicle_id: str, path: str) -> Fault | None:
        """The first fault matching ``path``, one use consumed."""
        faults = self._faults.get(vehicle_id, [])
        for fault in faults:
            if fault.matches(path):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        faults.remove(fault)
                return fault
        return None
