"""Everything known about one car, and what each source said (re-exported by `models`).

`VehicleState` is the merged state, `Fact` what one source said and when, `StateResult` a read of
several sources at once (v2 batch, v3 signals).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Self

from .values import (
    EMPTY_META,
    ChargeState,
    DiagnosticTroubleCode,
    GearState,
    LowVoltageBatteryStatus,
    Opening,
    ResponseMeta,
    SystemStatus,
)


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
    # What Smartcar bills for this read: one per batch path answered, one per signals page.
    billed_requests: int = 1
    # One per source that answered, in the order read: what each one owns and says.
    facts: tuple[Fact, ...] = ()
