"""The typed results of single v2 endpoints, the token endpoint and the Management API.

Units are metric and fractions already percentages (see `models`); re-exported by `models`.
"""

from dataclasses import dataclass
from datetime import datetime

from .values import (
    EMPTY_META,
    ChargeState,
    DiagnosticTroubleCode,
    Opening,
    ResponseMeta,
    SystemStatus,
)


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
