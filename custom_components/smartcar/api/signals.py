"""The one table from v3 signal codes to `VehicleState` fields (v3 `/signals` and v4 webhooks).

Smartcar's v3 catalogue is young and only partly confirmed (see SMARTCAR_API.md §3), so every code
-> field decision lives in `SIGNALS` below: correcting a code or a body shape is a one-line change.
Bodies carry their own unit (`{"unit": "kilometers", "value": 1234}`); values are converted to the
units of `VehicleState` (km, kPa, litres, kWh, kW, minutes, percent 0-100) by the unit tables here.
Unknown codes are ignored; a signal whose `status.value` is `ERROR` becomes an error keyed by its
code.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from . import _json as j
from .errors import SmartcarResponseError, error_from_body
from .models import (
    EMPTY_META,
    ChargeState,
    DiagnosticTroubleCode,
    Fact,
    GearState,
    LowVoltageBatteryStatus,
    Opening,
    OpeningStatus,
    ResponseMeta,
    StateResult,
    SystemHealth,
    SystemStatus,
    VehicleState,
)
from .parsers import parse_trouble_code

type JsonObject = j.JsonObject

# --- Units: each dimension maps Smartcar's unit words to the factor to our unit -------------------
# Unit words are compared folded (`_fold`): lower case without `-`, `_` or spaces, so
# `kilowatt-hours`, `kilowatt_hours` and `kilowatthours` are one word.

_NO_UNIT = ""
_DISTANCE_KM = {
    _NO_UNIT: 1.0,
    "kilometers": 1.0,
    "kilometres": 1.0,
    "km": 1.0,
    "miles": 1.609344,
    "mi": 1.609344,
    "meters": 0.001,
    "metres": 0.001,
    "m": 0.001,
}
_SPEED_KM_PER_H = {
    _NO_UNIT: 1.0,
    "km/h": 1.0,
    "kph": 1.0,
    "kmh": 1.0,
    "kilometersperhour": 1.0,
    "mph": 1.609344,
    "milesperhour": 1.609344,
}
_PRESSURE_KPA = {
    _NO_UNIT: 1.0,
    "kilopascals": 1.0,
    "kpa": 1.0,
    "psi": 6.894757293168361,
    "bar": 100.0,
}
_VOLUME_L = {
    _NO_UNIT: 1.0,
    "liters": 1.0,
    "litres": 1.0,
    "l": 1.0,
    "gallons": 3.785411784,
}
# Smartcar's signal reference writes "kWhr" for the nominal capacity and `kilowatt-hours` in the
# OpenAPI enum; the charge page writes `kilowatt_hours`.
_ENERGY_KWH = {
    _NO_UNIT: 1.0,
    "kilowatthours": 1.0,
    "kwh": 1.0,
    "kwhr": 1.0,
    "watthours": 0.001,
    "wh": 0.001,
}
_POWER_KW = {
    _NO_UNIT: 1.0,
    "kilowatts": 1.0,
    "kilowatt": 1.0,
    "kw": 1.0,
    "watts": 0.001,
    "watt": 0.001,
    "w": 0.001,
}
_VOLTAGE_V = {_NO_UNIT: 1.0, "volts": 1.0, "volt": 1.0, "v": 1.0}
_CURRENT_A = {
    _NO_UNIT: 1.0,
    "amps": 1.0,
    "amperes": 1.0,
    "ampere": 1.0,
    "amp": 1.0,
    "a": 1.0,
}
_DURATION_MIN = {
    _NO_UNIT: 1.0,
    "minutes": 1.0,
    "minute": 1.0,
    "min": 1.0,
    "hours": 60.0,
    "hour": 60.0,
    "h": 60.0,
    "seconds": 1 / 60,
    "second": 1 / 60,
    "s": 1 / 60,
}
_COUNT = {_NO_UNIT: 1.0, "count": 1.0}
_ANGLE_DEGREES = {_NO_UNIT: 1.0, "degrees": 1.0, "degree": 1.0, "deg": 1.0}
# v3 sends percentages as 0-100 (`percent` in examples, `percentage` in the OpenAPI enum); a
# "fraction" unit would be 0-1.
_PERCENT = {
    _NO_UNIT: 1.0,
    "percent": 1.0,
    "percentage": 1.0,
    "%": 1.0,
    "fraction": 100.0,
    "ratio": 100.0,
}
_CELSIUS = frozenset({_NO_UNIT, "celsius", "degreescelsius", "c", "°c"})
_FAHRENHEIT = frozenset({"fahrenheit", "degreesfahrenheit", "f", "°f"})

# Digits kept after a unit conversion (drops float noise).
_DIGITS = 6


def _fold(unit: str | None) -> str:
    """Fold a unit word for comparison: lower case, no `-`, `_` or spaces."""
    if unit is None:
        return _NO_UNIT
    return "".join(char for char in unit.lower() if char not in "-_ ")


def _number(body: JsonObject, keys: Sequence[str]) -> float | None:
    for key in keys or ("value",):
        if (value := j.opt_float(body, key)) is not None:
            return value
    return None


def _measure(body: JsonObject, units: Mapping[str, float], *keys: str) -> float | None:
    """Read the first of `keys` (default `value`) holding a number, converted by `unit`."""
    value = _number(body, keys)
    if value is None:
        return None
    unit = _fold(j.opt_str(body, "unit"))
    if unit not in units:
        raise j.ShapeError(f"unit {unit!r} is not one this client converts")
    factor = units[unit]
    return value if factor == 1.0 else round(value * factor, _DIGITS)


def _whole(body: JsonObject, units: Mapping[str, float]) -> int | None:
    """Read a count (`{unit: "count", value}`) as an integer."""
    value = _measure(body, units)
    if value is None:
        return None
    if not value.is_integer():
        raise j.ShapeError(f"value: expected a whole number, got {value}")
    return int(value)


def _temperature(body: JsonObject) -> float | None:
    """Read `{unit, value}` in degrees Celsius (Fahrenheit converted)."""
    value = _number(body, ("value",))
    if value is None:
        return None
    unit = _fold(j.opt_str(body, "unit"))
    if unit in _CELSIUS:
        return value
    if unit in _FAHRENHEIT:
        return round((value - 32) * 5 / 9, _DIGITS)
    raise j.ShapeError(f"unit {unit!r} is not one this client converts")


def _text(body: JsonObject, *keys: str) -> str | None:
    """Read the first of `keys` (default `value`) holding text."""
    for key in keys or ("value",):
        if value := j.opt_str(body, key):
            return value
    return None


def _word[E: StrEnum](kind: type[E], body: JsonObject) -> E | None:
    """`value` as one of an enum's words; a word this client does not know reads as None."""
    value = j.opt_str(body, "value")
    if value is None:
        return None
    try:
        return kind(value.strip().upper())
    except ValueError:
        return None


def _flag(body: JsonObject, *keys: str) -> bool | None:
    """Read the first of `keys` (default `value`) holding a boolean."""
    for key in keys or ("value",):
        if (value := j.opt_bool(body, key)) is not None:
            return value
    return None


# --- Openings (doors, windows, trunks, sunroof) -------------------------------------------------


def _position(row: int | None, column: int | None, rows: int | None, index: int) -> str:
    """Name a v3 grid cell with v2's words: row 0 is the front, the last row the back."""
    if row is None or column is None:
        return f"item{index + 1}"
    last_row = max((rows or 2) - 1, 1)
    row_word = "front" if row == 0 else "back" if row == last_row else f"row{row + 1}"
    column_word = (
        "Left" if column == 0 else "Right" if column == 1 else f"Column{column + 1}"
    )
    return row_word + column_word


def _opening_status(obj: JsonObject) -> OpeningStatus:
    """OPEN/CLOSED from `isOpen` (v3) or `status` (v2 words); anything else is UNKNOWN."""
    is_open = _flag(obj, "isOpen", "value")
    if is_open is not None:
        return OpeningStatus.OPEN if is_open else OpeningStatus.CLOSED
    status = j.opt_str(obj, "status")
    if status is not None and status in OpeningStatus:
        return OpeningStatus(status)
    return OpeningStatus.UNKNOWN


def _openings(body: JsonObject) -> tuple[Opening, ...]:
    """Read a grid `{values: [{row, column, isOpen}], rowCount, columnCount}` as openings."""
    rows = j.opt_int(body, "rowCount")
    openings: list[Opening] = []
    # `values` in the schema and captures; the spec's example says `doors`/`windows` [T3].
    items = (
        j.opt_list(body, "values")
        or j.opt_list(body, "doors")
        or j.opt_list(body, "windows")
        or ()
    )
    for index, item in enumerate(items):
        obj = j.as_object(item, "values[]")
        name = j.opt_str(obj, "type") or _position(
            j.opt_int(obj, "row"), j.opt_int(obj, "column"), rows, index
        )
        openings.append(
            Opening(
                type=name,
                status=_opening_status(obj),
                is_locked=j.opt_bool(obj, "isLocked"),
            )
        )
    return tuple(openings)


def _single_opening(name: str) -> Callable[[JsonObject], tuple[Opening, ...] | None]:
    """One opening (`{isOpen}` or `{value}`) named like v2 names it."""

    def read(body: JsonObject) -> tuple[Opening, ...] | None:
        if "values" in body:
            return _openings(body) or None
        is_locked = j.opt_bool(body, "isLocked")
        if (
            _flag(body, "isOpen", "value") is None
            and "status" not in body
            and is_locked is None
        ):
            return None
        return (Opening(type=name, status=_opening_status(body), is_locked=is_locked),)

    return read


_front_trunk = _single_opening("front")
_rear_trunk = _single_opening("rear")
_tailgate = _single_opening("tailgate")
_sunroof = _single_opening("sunroof")
# v2's `/security` names its one charging-port opening `chargingPort`.
_charge_port_flap = _single_opening("chargingPort")


# --- Composite bodies ---------------------------------------------------------------------------


def _tires(body: JsonObject) -> VehicleState:
    """`{values: [{row, column, tirePressure}], unit}`, or v2's flat `frontLeft`... keys."""
    rows = j.opt_int(body, "rowCount")
    unit = j.opt_str(body, "unit")
    pressures: dict[str, float | None] = {}
    for index, item in enumerate(j.opt_list(body, "values") or ()):
        obj = j.as_object(item, "values[]")
        cell = dict(obj)
        cell.setdefault("unit", unit)
        position = _position(
            j.opt_int(obj, "row"), j.opt_int(obj, "column"), rows, index
        )
        pressures[position] = _measure(
            cell, _PRESSURE_KPA, "tirePressure", "pressure", "value"
        )
    for position in ("frontLeft", "frontRight", "backLeft", "backRight"):
        if position in body:
            pressures[position] = _measure(
                {"unit": unit, "value": body[position]}, _PRESSURE_KPA
            )
    return VehicleState(
        tire_front_left_kpa=pressures.get("frontLeft"),
        tire_front_right_kpa=pressures.get("frontRight"),
        tire_back_left_kpa=pressures.get("backLeft"),
        tire_back_right_kpa=pressures.get("backRight"),
    )


def _nominal_capacity(body: JsonObject) -> VehicleState:
    """Read `{unit, value}`, or v2's `capacity` (a number or `{nominal}`)."""
    capacity = body.get("capacity")
    if isinstance(capacity, Mapping):
        return VehicleState(battery_capacity_kwh=j.opt_float(capacity, "nominal"))
    return VehicleState(
        battery_capacity_kwh=_measure(body, _ENERGY_KWH, "value", "capacity")
    )


def _charge_limits(body: JsonObject) -> VehicleState:
    """Read `{values: [{type, limit}], activeLimit, unit}`: the active limit, else the global."""
    limit = _measure(body, _PERCENT, "activeLimit")
    for item in j.opt_list(body, "values") or ():
        obj = j.as_object(item, "values[]")
        if limit is None and (j.opt_str(obj, "type") or "").lower() == "global":
            limit = _measure(
                {"unit": body.get("unit"), "value": obj.get("limit")}, _PERCENT
            )
    return VehicleState(charge_limit_percent=limit)


def _detailed_charging_status(body: JsonObject) -> VehicleState:
    """`{value: CHARGING|NOT_CHARGING|FULLY_CHARGED}`: v2 `/charge`'s `state` words.

    A word this client does not know (3P: "open string, no enum published") reads as unknown.
    `is_charging` is `charge-ischarging`'s; see `_with_derived_is_charging`.
    """
    return VehicleState(charge_state=_word(ChargeState, body))


def _precise_location(body: JsonObject) -> VehicleState:
    """`{latitude, longitude, heading, direction, locationType}`."""
    return VehicleState(
        latitude=j.opt_float(body, "latitude"),
        longitude=j.opt_float(body, "longitude"),
        heading_degrees=j.opt_float(body, "heading"),
        location_type=j.opt_str(body, "locationType"),
    )


def _system(code: str) -> Callable[[JsonObject], VehicleState]:
    """One `diagnostics-<system>` signal `{status: OK|ALERT, description}` as one system."""

    def read(body: JsonObject) -> VehicleState:
        status = j.opt_str(body, "status") or j.opt_str(body, "value")
        if status is None:
            return VehicleState()
        try:
            health = SystemHealth(status.strip().upper())
        except ValueError as err:
            raise j.ShapeError(f"status: OK or ALERT expected, got {status!r}") from err
        system = SystemStatus(
            system_id=code, status=health, description=j.opt_str(body, "description")
        )
        return VehicleState(system_statuses=(system,))

    return read


def _texts(body: JsonObject) -> tuple[str, ...] | None:
    """`{values: ["a", "b"]}` as text."""
    values = j.opt_list(body, "values")
    if values is None:
        return None
    return tuple(j.as_str(item, "values[]") for item in values)


def _trouble_codes(body: JsonObject) -> VehicleState:
    """`{values: [{code, timestamp}]}`."""
    codes: tuple[DiagnosticTroubleCode, ...] = tuple(
        parse_trouble_code(item) for item in j.opt_list(body, "values") or ()
    )
    return VehicleState(trouble_codes=codes)


# The system signals of the Diagnostics group (`{status: OK|ALERT, description}` each).
DIAGNOSTIC_SYSTEMS: tuple[str, ...] = tuple(
    f"diagnostics-{name}"
    for name in (
        "abs",
        "activesafety",
        "airbag",
        "brakefluid",
        "driverassistance",
        "evbatteryconditioning",
        "evcharging",
        "evdriveunit",
        "evhvbattery",
        "emissions",
        "lighting",
        "mil",
        "oillife",
        "oilpressure",
        "oiltemperature",
        "telematics",
        "tirepressure",
        "tirepressuremonitoring",
        "transmission",
        "washerfluid",
        "waterinfuel",
    )
)


# --- THE TABLE ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """What one signal code fills in `VehicleState`, and how its body is read."""

    fields: frozenset[str]
    read: Callable[[JsonObject], VehicleState]


def _spec(read: Callable[[JsonObject], VehicleState], *fields: str) -> SignalSpec:
    return SignalSpec(fields=frozenset(fields), read=read)


SIGNALS: Mapping[str, SignalSpec] = {
    # Traction battery (confirmed codes; the webhook docs also show `{percentage}`)
    "tractionbattery-stateofcharge": _spec(
        lambda b: VehicleState(
            battery_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "battery_percent",
    ),
    "tractionbattery-range": _spec(
        lambda b: VehicleState(battery_range_km=_measure(b, _DISTANCE_KM)),
        "battery_range_km",
    ),
    "tractionbattery-nominalcapacity": _spec(_nominal_capacity, "battery_capacity_kwh"),
    "tractionbattery-isheateractive": _spec(
        lambda b: VehicleState(is_battery_heater_active=_flag(b)),
        "is_battery_heater_active",
    ),
    "tractionbattery-maxrangechargecounter": _spec(
        lambda b: VehicleState(max_range_charge_count=_whole(b, _COUNT)),
        "max_range_charge_count",
    ),
    # Charging (confirmed: ischarging, voltage, amperage, activelimit)
    "charge-ischarging": _spec(
        lambda b: VehicleState(is_charging=_flag(b)), "is_charging"
    ),
    "charge-voltage": _spec(
        lambda b: VehicleState(charge_voltage_v=_measure(b, _VOLTAGE_V)),
        "charge_voltage_v",
    ),
    "charge-amperage": _spec(
        lambda b: VehicleState(charge_current_a=_measure(b, _CURRENT_A)),
        "charge_current_a",
    ),
    "charge-activelimit": _spec(
        lambda b: VehicleState(charge_limit_percent=_measure(b, _PERCENT)),
        "charge_limit_percent",
    ),
    "charge-chargelimits": _spec(_charge_limits, "charge_limit_percent"),
    "charge-ischargingcableconnected": _spec(
        lambda b: VehicleState(is_plugged_in=_flag(b)), "is_plugged_in"
    ),
    "charge-wattage": _spec(
        lambda b: VehicleState(charge_power_kw=_measure(b, _POWER_KW)),
        "charge_power_kw",
    ),
    "charge-timetocomplete": _spec(
        lambda b: VehicleState(charge_time_to_complete_min=_measure(b, _DURATION_MIN)),
        "charge_time_to_complete_min",
    ),
    "charge-detailedchargingstatus": _spec(_detailed_charging_status, "charge_state"),
    "charge-ischargingcablelatched": _spec(
        lambda b: VehicleState(is_charging_cable_latched=_flag(b)),
        "is_charging_cable_latched",
    ),
    "charge-ischargingportflapopen": _spec(
        lambda b: VehicleState(charging_port=_charge_port_flap(b)), "charging_port"
    ),
    "charge-isfastchargerpresent": _spec(
        lambda b: VehicleState(is_fast_charger_present=_flag(b)),
        "is_fast_charger_present",
    ),
    "charge-amperagemax": _spec(
        lambda b: VehicleState(charge_current_max_a=_measure(b, _CURRENT_A)),
        "charge_current_max_a",
    ),
    "charge-amperagerequested": _spec(
        lambda b: VehicleState(charge_current_requested_a=_measure(b, _CURRENT_A)),
        "charge_current_requested_a",
    ),
    "charge-chargerate": _spec(
        lambda b: VehicleState(charge_rate_km_per_h=_measure(b, _SPEED_KM_PER_H)),
        "charge_rate_km_per_h",
    ),
    "charge-energyadded": _spec(
        lambda b: VehicleState(energy_added_kwh=_measure(b, _ENERGY_KWH)),
        "energy_added_kwh",
    ),
    "charge-chargerphases": _spec(
        lambda b: VehicleState(charger_phases=_whole(b, _COUNT)), "charger_phases"
    ),
    "charge-chargingconnectortype": _spec(
        lambda b: VehicleState(charging_connector_type=_text(b)),
        "charging_connector_type",
    ),
    "charge-fastchargertype": _spec(
        lambda b: VehicleState(fast_charger_type=_text(b)), "fast_charger_type"
    ),
    "charge-chargeportstatuscolor": _spec(
        lambda b: VehicleState(charge_port_status_color=_text(b)),
        "charge_port_status_color",
    ),
    # Location and odometer (confirmed)
    "location-preciselocation": _spec(
        _precise_location,
        "latitude",
        "longitude",
        "heading_degrees",
        "location_type",
    ),
    "location-isathome": _spec(
        lambda b: VehicleState(is_at_home=_flag(b)), "is_at_home"
    ),
    "odometer-traveleddistance": _spec(
        lambda b: VehicleState(odometer_km=_measure(b, _DISTANCE_KM)), "odometer_km"
    ),
    # Motion and transmission
    "motion-currentspeed": _spec(
        lambda b: VehicleState(speed_km_per_h=_measure(b, _SPEED_KM_PER_H)),
        "speed_km_per_h",
    ),
    "transmission-gearstate": _spec(
        lambda b: VehicleState(gear=_word(GearState, b)), "gear"
    ),
    "transmission-drivemode": _spec(
        lambda b: VehicleState(drive_mode=_text(b, "canonical", "value")),
        "drive_mode",
    ),
    # 12 V battery (confirmed)
    "lowvoltagebattery-stateofcharge": _spec(
        lambda b: VehicleState(
            low_voltage_battery_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "low_voltage_battery_percent",
    ),
    "lowvoltagebattery-status": _spec(
        lambda b: VehicleState(
            low_voltage_battery_status=_word(LowVoltageBatteryStatus, b)
        ),
        "low_voltage_battery_status",
    ),
    # Closures (third-party catalogue only)
    "closure-islocked": _spec(
        lambda b: VehicleState(is_locked=_flag(b, "value", "isLocked")), "is_locked"
    ),
    "closure-doors": _spec(lambda b: VehicleState(doors=_openings(b) or None), "doors"),
    "closure-windows": _spec(
        lambda b: VehicleState(windows=_openings(b) or None), "windows"
    ),
    "closure-sunroof": _spec(lambda b: VehicleState(sunroof=_sunroof(b)), "sunroof"),
    # Each trunk signal owns its own opening of `storage`, never the other one.
    "closure-fronttrunk": _spec(
        lambda b: VehicleState(storage=_front_trunk(b)), "storage.front"
    ),
    "closure-reartrunk": _spec(
        lambda b: VehicleState(storage=_rear_trunk(b)), "storage.rear"
    ),
    "closure-tailgate": _spec(
        lambda b: VehicleState(storage=_tailgate(b)), "storage.tailgate"
    ),
    "closure-enginecover": _spec(
        lambda b: VehicleState(is_engine_cover_open=_flag(b, "isOpen", "value")),
        "is_engine_cover_open",
    ),
    # Combustion engine (third-party catalogue only)
    "internalcombustionengine-fuellevel": _spec(
        lambda b: VehicleState(
            fuel_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "fuel_percent",
    ),
    "internalcombustionengine-amountremaining": _spec(
        lambda b: VehicleState(fuel_amount_l=_measure(b, _VOLUME_L)), "fuel_amount_l"
    ),
    "internalcombustionengine-range": _spec(
        lambda b: VehicleState(fuel_range_km=_measure(b, _DISTANCE_KM)), "fuel_range_km"
    ),
    "internalcombustionengine-oillife": _spec(
        lambda b: VehicleState(
            oil_life_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "oil_life_percent",
    ),
    # Tyres, connectivity, identity, diagnostics (third-party catalogue / signal reference)
    "wheel-tires": _spec(
        _tires,
        "tire_front_left_kpa",
        "tire_front_right_kpa",
        "tire_back_left_kpa",
        "tire_back_right_kpa",
    ),
    "connectivitystatus-isonline": _spec(
        lambda b: VehicleState(is_online=_flag(b)), "is_online"
    ),
    "connectivitystatus-isasleep": _spec(
        lambda b: VehicleState(is_asleep=_flag(b)), "is_asleep"
    ),
    "connectivitystatus-isdigitalkeypaired": _spec(
        lambda b: VehicleState(is_digital_key_paired=_flag(b)),
        "is_digital_key_paired",
    ),
    "connectivitysoftware-currentfirmwareversion": _spec(
        lambda b: VehicleState(software_version=_text(b)), "software_version"
    ),
    # Climate and HVAC
    "climate-externaltemperature": _spec(
        lambda b: VehicleState(exterior_temperature_c=_temperature(b)),
        "exterior_temperature_c",
    ),
    "climate-internaltemperature": _spec(
        lambda b: VehicleState(interior_temperature_c=_temperature(b)),
        "interior_temperature_c",
    ),
    "hvac-cabintargettemperature": _spec(
        lambda b: VehicleState(cabin_target_temperature_c=_temperature(b)),
        "cabin_target_temperature_c",
    ),
    "hvac-iscabinhvacactive": _spec(
        lambda b: VehicleState(is_cabin_hvac_active=_flag(b)), "is_cabin_hvac_active"
    ),
    "hvac-isfrontdefrosteractive": _spec(
        lambda b: VehicleState(is_front_defroster_active=_flag(b)),
        "is_front_defroster_active",
    ),
    "hvac-isreardefrosteractive": _spec(
        lambda b: VehicleState(is_rear_defroster_active=_flag(b)),
        "is_rear_defroster_active",
    ),
    "hvac-issteeringheateractive": _spec(
        lambda b: VehicleState(is_steering_heater_active=_flag(b)),
        "is_steering_heater_active",
    ),
    # Identity, account, surveillance
    "vehicleidentification-vin": _spec(
        lambda b: VehicleState(vin=_text(b, "value", "vin")), "vin"
    ),
    "vehicleidentification-nickname": _spec(
        lambda b: VehicleState(nickname=_text(b)), "nickname"
    ),
    "vehicleidentification-exteriorcolor": _spec(
        lambda b: VehicleState(exterior_color=_text(b)), "exterior_color"
    ),
    "vehicleidentification-trim": _spec(lambda b: VehicleState(trim=_text(b)), "trim"),
    "vehicleuseraccount-role": _spec(
        lambda b: VehicleState(account_role=_text(b)), "account_role"
    ),
    "vehicleuseraccount-permissions": _spec(
        lambda b: VehicleState(account_permissions=_texts(b)), "account_permissions"
    ),
    "surveillance-isenabled": _spec(
        lambda b: VehicleState(is_surveillance_enabled=_flag(b)),
        "is_surveillance_enabled",
    ),
    "surveillance-brand": _spec(
        lambda b: VehicleState(surveillance_brand=_text(b)), "surveillance_brand"
    ),
    # Diagnostics and service
    "diagnostics-dtclist": _spec(_trouble_codes, "trouble_codes"),
    "diagnostics-dtccount": _spec(
        lambda b: VehicleState(trouble_code_count=_whole(b, _COUNT)),
        "trouble_code_count",
    ),
    # Each system signal owns its own entry of `system_statuses` (keyed by its code).
    **{
        code: _spec(_system(code), f"system_statuses.{code}")
        for code in DIAGNOSTIC_SYSTEMS
    },
    "service-isinservice": _spec(
        lambda b: VehicleState(is_in_service=_flag(b)), "is_in_service"
    ),
}


# A signal whose `status.value` is UNAVAILABLE (listed beside SUCCESS and ERROR in the OpenAPI
# enum, never described) reads as "owned, value unknown now". False would instead keep the last
# value (the signal then says nothing). See docs/api-v3.md.
UNAVAILABLE_IS_UNKNOWN = True


# --- Reading signals ----------------------------------------------------------------------------


def parse_signals(
    items: Sequence[object], meta: ResponseMeta = EMPTY_META
) -> StateResult:
    """Signals (v3 resources `{attributes{code, body, status}, meta}` or flat v4 webhook items).

    Values merge into one `VehicleState` whose `data_age` is the newest `oemUpdatedAt` (else
    `retrievedAt`). Signals with `status.value == "ERROR"` and bodies of the wrong shape become
    errors keyed by code; unknown codes are ignored.
    """
    state = VehicleState()
    errors: dict[str, Exception] = {}
    facts: list[Fact] = []
    for item in items:
        code, partial, error = read_signal(item)
        if error is not None:
            errors[code] = error
        elif partial is not None:
            state = combine_states(state, partial)
            facts.append(
                Fact(
                    source=code,
                    fields=SIGNALS[code].fields,
                    values=replace(partial, data_age=None),
                    age=partial.data_age,
                )
            )
    facts, state = _with_derived_is_charging(facts, state)
    return StateResult(state=state, errors=errors, meta=meta, facts=tuple(facts))


_IS_CHARGING = "charge-ischarging"
_DETAILED_STATUS = "charge-detailedchargingstatus"


def _with_derived_is_charging(
    facts: list[Fact], state: VehicleState
) -> tuple[list[Fact], VehicleState]:
    """Give `is_charging` from the detailed status when `charge-ischarging` did not answer.

    The same rule as v2 `/charge`: only CHARGING is charging. When the car sends both signals,
    each keeps its own field (a car may report them apart), so nothing is derived.
    """
    if any(fact.source == _IS_CHARGING for fact in facts):
        return facts, state
    derived: list[Fact] = []
    for fact in facts:
        charge_state = fact.values.charge_state
        if fact.source != _DETAILED_STATUS or charge_state is None:
            derived.append(fact)
            continue
        is_charging = charge_state is ChargeState.CHARGING
        derived.append(
            replace(
                fact,
                fields=fact.fields | {"is_charging"},
                values=replace(fact.values, is_charging=is_charging),
            )
        )
        state = replace(state, is_charging=is_charging)
    return derived, state


def read_signal(item: object) -> tuple[str, VehicleState | None, Exception | None]:
    """One signal as `(code, state or None, error or None)`; raises `ShapeError` without a code.

    `status.value`: `ERROR` is an error keyed by the code (its body, often `{value: null}`, is
    not read); `UNAVAILABLE` is a state with no value: the signal still owns its fields, and
    they are unknown now (`UNAVAILABLE_IS_UNKNOWN`); anything else (`SUCCESS`, none) is read.
    """
    obj = j.as_object(item, "signal")
    attributes = j.opt_object(obj, "attributes") or obj
    code = j.req_str(attributes, "code")
    status = j.opt_object(attributes, "status")
    status_value = (j.opt_str(status, "value") or "").upper() if status else ""
    if status is not None and status_value == "ERROR":
        return code, None, error_from_body(j.opt_object(status, "error") or {})
    spec = SIGNALS.get(code)
    if spec is None:
        return code, None, None
    try:
        age = _signal_age(j.opt_object(obj, "meta") or j.opt_object(attributes, "meta"))
        if status_value == "UNAVAILABLE":
            return (
                code,
                (VehicleState(data_age=age) if UNAVAILABLE_IS_UNKNOWN else None),
                None,
            )
        partial = spec.read(j.opt_object(attributes, "body") or {})
    except j.ShapeError as err:
        return code, None, SmartcarResponseError(f"{code}: {err}")
    return code, replace(partial, data_age=age), None


def combine_states(state: VehicleState, partial: VehicleState) -> VehicleState:
    """`state.merge(partial)`, except openings of the same field are united by their `type`."""
    merged = state.merge(partial)
    return replace(
        merged,
        doors=_unite(state.doors, partial.doors) or merged.doors,
        windows=_unite(state.windows, partial.windows) or merged.windows,
        sunroof=_unite(state.sunroof, partial.sunroof) or merged.sunroof,
        storage=_unite(state.storage, partial.storage) or merged.storage,
        charging_port=_unite(state.charging_port, partial.charging_port)
        or merged.charging_port,
        system_statuses=_unite_systems(state.system_statuses, partial.system_statuses)
        or merged.system_statuses,
    )


def _unite_systems(
    old: tuple[SystemStatus, ...] | None, new: tuple[SystemStatus, ...] | None
) -> tuple[SystemStatus, ...] | None:
    """Unite two sets of systems by `system_id` (the newer wins); None unless both are known."""
    if not old or not new:
        return None
    by_id = {system.system_id: system for system in old}
    by_id.update((system.system_id, system) for system in new)
    return tuple(by_id.values())


def _unite(
    old: tuple[Opening, ...] | None, new: tuple[Opening, ...] | None
) -> tuple[Opening, ...] | None:
    """Unite two sets of openings by `type` (the newer wins); None unless both are known."""
    if not old or not new:
        return None
    by_type = {opening.type: opening for opening in old}
    by_type.update((opening.type, opening) for opening in new)
    return tuple(by_type.values())


def _signal_age(meta: JsonObject | None) -> datetime | None:
    """When the car recorded the value (`oemUpdatedAt`), else when Smartcar fetched it."""
    if meta is None:
        return None
    return _known_time(j.opt_datetime(meta, "oemUpdatedAt")) or _known_time(
        j.opt_datetime(meta, "retrievedAt")
    )


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _known_time(value: datetime | None) -> datetime | None:
    """Drop epoch 0: the dashboard sample sends `oemUpdatedAt: 0` for "unknown"."""
    return None if value is None or value == _EPOCH else value


__all__ = [
    "DIAGNOSTIC_SYSTEMS",
    "SIGNALS",
    "UNAVAILABLE_IS_UNKNOWN",
    "SignalSpec",
    "combine_states",
    "parse_signals",
    "read_signal",
]
