"""Small value types every result shares (re-exported by `models`).

Response metadata, Smartcar's enums, one opening, one trouble code and one system status.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponseMeta:
    """Metadata Smartcar sends with every answer (response headers)."""

    data_age: datetime | None = None  # SC-Data-Age: when the car recorded the data
    fetched_at: datetime | None = None  # SC-Fetched-At
    unit_system: str | None = None  # SC-Unit-System
    request_id: str | None = None  # SC-Request-Id


EMPTY_META = ResponseMeta()


class ChargeState(StrEnum):
    """Charging state as Smartcar reports it."""

    CHARGING = "CHARGING"
    FULLY_CHARGED = "FULLY_CHARGED"
    NOT_CHARGING = "NOT_CHARGING"


class OpeningStatus(StrEnum):
    """State of a door, window, sunroof, storage or charging port."""

    OPEN = "OPEN"
    CLOSED = "CLOSED"
    UNKNOWN = "UNKNOWN"


class SystemHealth(StrEnum):
    """Status of one vehicle system (diagnostics)."""

    OK = "OK"
    ALERT = "ALERT"


class GearState(StrEnum):
    """The gear the transmission is in (v3 `transmission-gearstate`)."""

    PARK = "PARK"
    DRIVE = "DRIVE"
    REVERSE = "REVERSE"
    NEUTRAL = "NEUTRAL"


class LowVoltageBatteryStatus(StrEnum):
    """Health of the 12 V battery (v3 `lowvoltagebattery-status`)."""

    GOOD = "GOOD"
    WARN = "WARN"
    BAD = "BAD"


@dataclass(frozen=True, slots=True, kw_only=True)
class Opening:
    """One door, window, sunroof, storage (trunk/frunk) or charging port.

    `type` is Smartcar's own location word, e.g. `frontLeft`, `rear`, `front`.
    """

    type: str
    status: OpeningStatus
    # v3 doors and trunks also say whether they are locked; None when not reported.
    is_locked: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosticTroubleCode:
    """One active trouble code."""

    code: str
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemStatus:
    """One vehicle system and whether it reports an alert."""

    system_id: str
    status: SystemHealth
    description: str | None = None

    @property
    def type(self) -> str:
        """The item's name inside `system_statuses`, like `Opening.type` (ownership keys).

        A v3 diagnostics signal owns `system_statuses.<system_id>`: one entry, not the tuple.
        """
        return self.system_id
