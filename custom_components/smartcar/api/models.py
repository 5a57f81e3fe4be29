"""Typed, unit-tagged results of the Smartcar API.

Units are always metric (the client asks for it): distances in km, volumes in litres, pressures in
kPa, energy in kWh. Smartcar's fractions (0-1) are turned into percentages (0-100) here, once, so
that every `*_percent` field means the same thing whichever API generation produced it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Self


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


# --- v2 endpoint results -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleAttributes:
    """GET /vehicles/{id} (v2) or the v3 vehicle resource."""

    id: str
    make: str | None
    model: str | None
    year: int | None
    meta: ResponseMeta = EMPTY_META
    # v3 only: `BEV`, `PHEV`, `HEV`, `ICE`...; `live` or `simulated`.
    powertrain_type: str | None = None
    mode: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Vin:
    """GET /vin."""

    vin: str
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """GET /location (degrees)."""

    latitude: float
    longitude: float
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Odometer:
    """GET /odometer (km)."""

    distance_km: float
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Fuel:
    """GET /fuel; any field may be null."""

    range_km: float | None
    percent_remaining: float | None
    amount_remaining_l: float | None
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Battery:
    """GET /battery."""

    percent_remaining: float | None
    range_km: float | None
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class BatteryCapacity:
    """GET /battery/capacity (kWh)."""

    capacity_kwh: float
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class CapacityOption:
    """One of the capacities a model line is sold with."""

    capacity_kwh: float
    description: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class NominalCapacity:
    """GET /battery/nominal_capacity."""

    available_capacities: tuple[CapacityOption, ...]
    nominal_kwh: float | None
    source: str | None
    url: str | None
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Charge:
    """GET /charge."""

    is_plugged_in: bool | None
    state: ChargeState | None
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class ChargeLimit:
    """GET /charge/limit (percent, 50-100)."""

    limit_percent: float
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineOil:
    """GET /engine/oil (percent of life remaining)."""

    life_remaining_percent: float | None
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class TirePressure:
    """GET /tires/pressure (kPa)."""

    front_left_kpa: float | None
    front_right_kpa: float | None
    back_left_kpa: float | None
    back_right_kpa: float | None
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Security:
    """GET /security: lock status and every opening."""

    is_locked: bool | None
    doors: tuple[Opening, ...] = ()
    windows: tuple[Opening, ...] = ()
    sunroof: tuple[Opening, ...] = ()
    storage: tuple[Opening, ...] = ()
    charging_port: tuple[Opening, ...] = ()
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class DiagnosticTroubleCodes:
    """GET /diagnostics/dtcs."""

    active_codes: tuple[DiagnosticTroubleCode, ...]
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class SystemStatuses:
    """GET /diagnostics/system_status."""

    systems: tuple[SystemStatus, ...]
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceCost:
    """Cost of one service visit."""

    total_cost: float | None
    currency: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceRecord:
    """One entry of GET /service/history."""

    service_id: str | None
    service_date: datetime | None
    odometer_distance_km: float | None
    service_tasks: tuple[dict[str, str | None], ...]
    service_details: tuple[dict[str, str | None], ...]
    service_cost: ServiceCost | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceHistory:
    """GET /service/history."""

    records: tuple[ServiceRecord, ...]
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Permissions:
    """GET /permissions, all pages."""

    permissions: tuple[str, ...]
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """GET /user."""

    id: str
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandResult:
    """What a command (lock, charge, ...) answers."""

    status: str
    message: str | None
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookSubscription:
    """POST /vehicles/{id}/webhooks/{webhookId}."""

    webhook_id: str
    vehicle_id: str
    meta: ResponseMeta = EMPTY_META


@dataclass(frozen=True, slots=True, kw_only=True)
class Connection:
    """One vehicle connection seen by the Management API."""

    user_id: str
    vehicle_id: str
    connected_at: datetime | None
    mode: str | None
    # v3 `GET /connections` also names the connection and what it grants.
    connection_id: str | None = None
    permissions: tuple[str, ...] = ()
    make: str | None = None
    model: str | None = None
    year: int | None = None
    powertrain_type: str | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    """What the token endpoint answers."""

    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str

    def __repr__(self) -> str:
        """Never show the tokens."""
        return f"Token(token_type={self.token_type!r}, expires_in={self.expires_in!r})"


# --- Everything we know about one car -------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class VehicleState:
    """Everything known about one car, from v3 signals, v2 batch, single endpoints or webhooks.

    `None` means unknown (not asked, not supported, or not reported); `merge` keeps old values where
    the newer state has none, so a partial answer never erases what we knew.
    """

    # Traction battery and charging (EV, PHEV)
    battery_percent: float | None = None
    battery_range_km: float | None = None
    battery_capacity_kwh: float | None = None
    is_plugged_in: bool | None = None
    charge_state: ChargeState | None = None
    is_charging: bool | None = None
    charge_limit_percent: float | None = None
    charge_voltage_v: float | None = None
    charge_current_a: float | None = None
    charge_power_kw: float | None = None
    charge_time_to_complete_min: float | None = None
    charge_current_max_a: float | None = None
    charge_current_requested_a: float | None = None
    charge_rate_km_per_h: float | None = None
    energy_added_kwh: float | None = None
    charger_phases: int | None = None
    is_charging_cable_latched: bool | None = None
    is_fast_charger_present: bool | None = None
    fast_charger_type: str | None = None
    charging_connector_type: str | None = None
    charge_port_status_color: str | None = None
    is_battery_heater_active: bool | None = None
    max_range_charge_count: int | None = None
    # Fuel (ICE, PHEV)
    fuel_percent: float | None = None
    fuel_amount_l: float | None = None
    fuel_range_km: float | None = None
    # Odometer and location
    odometer_km: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    heading_degrees: float | None = None
    location_type: str | None = None
    is_at_home: bool | None = None
    # Motion and transmission
    speed_km_per_h: float | None = None
    gear: GearState | None = None
    drive_mode: str | None = None
    # Security
    is_locked: bool | None = None
    doors: tuple[Opening, ...] | None = None
    windows: tuple[Opening, ...] | None = None
    sunroof: tuple[Opening, ...] | None = None
    storage: tuple[Opening, ...] | None = None
    charging_port: tuple[Opening, ...] | None = None
    is_engine_cover_open: bool | None = None
    is_surveillance_enabled: bool | None = None
    # Tyres (kPa), engine oil
    tire_front_left_kpa: float | None = None
    tire_front_right_kpa: float | None = None
    tire_back_left_kpa: float | None = None
    tire_back_right_kpa: float | None = None
    oil_life_percent: float | None = None
    # 12 V battery, connectivity
    low_voltage_battery_percent: float | None = None
    low_voltage_battery_status: LowVoltageBatteryStatus | None = None
    is_online: bool | None = None
    is_asleep: bool | None = None
    is_digital_key_paired: bool | None = None
    software_version: str | None = None
    # Climate (degrees Celsius)
    exterior_temperature_c: float | None = None
    interior_temperature_c: float | None = None
    cabin_target_temperature_c: float | None = None
    is_cabin_hvac_active: bool | None = None
    is_front_defroster_active: bool | None = None
    is_rear_defroster_active: bool | None = None
    is_steering_heater_active: bool | None = None
    # Identity and account
    vin: str | None = None
    nickname: str | None = None
    exterior_color: str | None = None
    trim: str | None = None
    surveillance_brand: str | None = None
    account_role: str | None = None
    account_permissions: tuple[str, ...] | None = None
    # Diagnostics and service
    trouble_codes: tuple[DiagnosticTroubleCode, ...] | None = None
    trouble_code_count: int | None = None
    system_statuses: tuple[SystemStatus, ...] | None = None
    is_in_service: bool | None = None
    # When the car recorded the newest of these values (SC-Data-Age / oemUpdatedAt)
    data_age: datetime | None = None

    def merge(self, newer: VehicleState) -> Self:
        """Return this state updated with every value `newer` knows."""
        changes = {
            item.name: value
            for item in fields(newer)
            if (value := getattr(newer, item.name)) is not None
        }
        if self.data_age is not None and newer.data_age is not None:
            changes["data_age"] = max(self.data_age, newer.data_age)
        return replace(self, **changes)

    def without(self, names: Iterable[str]) -> Self:
        """Return this state with the named fields unknown again (their source is gone)."""
        return replace(self, **dict.fromkeys(names))

    def known_fields(self) -> frozenset[str]:
        """Names of the fields that have a value."""
        return frozenset(
            item.name for item in fields(self) if getattr(self, item.name) is not None
        )


def field_of(key: str) -> str:
    """Return the `VehicleState` field an ownership key names (`storage.front` -> `storage`)."""
    return key.partition(".")[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class Fact:
    """What one source (a v3 signal, a v2 path) said about the car, and when.

    The source owns `fields`: each is a `VehicleState` field name, or `field.type` for the one
    item of that `type` in a tuple (a trunk signal owns `storage.front`, not the rear trunk; a
    diagnostics signal owns `system_statuses.diagnostics-abs`, `SystemStatus.type` being its
    `system_id`). A field it owns but left `None` was reported as null: it is unknown now.
    `age` is when the car recorded the values (`oemUpdatedAt`, `SC-Data-Age`), when known.
    """

    source: str
    fields: frozenset[str]
    values: VehicleState
    age: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class StateResult:
    """A read of several things at once (v2 batch or v3 signals).

    `state` holds what succeeded; `errors` maps each failed path (v2, e.g. `/battery`) or signal
    code (v3, e.g. `tractionbattery-stateofcharge`) to its error, so one failure never hides the
    rest.
    """

    state: VehicleState
    errors: dict[str, Exception] = field(default_factory=dict)
    meta: ResponseMeta = EMPTY_META
    # What Smartcar may bill for this read: one per batch path, one per signals page.
    billed_requests: int = 1
    # One per source that answered, in the order read: what each one owns and says.
    facts: tuple[Fact, ...] = ()


__all__ = [
    "EMPTY_META",
    "Battery",
    "BatteryCapacity",
    "CapacityOption",
    "Charge",
    "ChargeLimit",
    "ChargeState",
    "CommandResult",
    "Connection",
    "DiagnosticTroubleCode",
    "DiagnosticTroubleCodes",
    "EngineOil",
    "Fact",
    "Fuel",
    "GearState",
    "Location",
    "LowVoltageBatteryStatus",
    "NominalCapacity",
    "Odometer",
    "Opening",
    "OpeningStatus",
    "Permissions",
    "ResponseMeta",
    "Security",
    "ServiceCost",
    "ServiceHistory",
    "ServiceRecord",
    "StateResult",
    "SystemHealth",
    "SystemStatus",
    "SystemStatuses",
    "TirePressure",
    "Token",
    "User",
    "VehicleAttributes",
    "VehicleState",
    "Vin",
    "WebhookSubscription",
    "field_of",
]
