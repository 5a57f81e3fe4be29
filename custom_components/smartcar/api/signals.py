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
from datetime import datetime

from . import _json as j
from .errors import SmartcarResponseError, error_from_body
from .models import (
    EMPTY_META,
    ChargeState,
    DiagnosticTroubleCode,
    Fact,
    Opening,
    OpeningStatus,
    ResponseMeta,
    StateResult,
    VehicleState,
)
from .parsers import parse_trouble_code

type JsonObject = j.JsonObject

# --- Units: each dimension maps Smartcar's unit words (lower case) to the factor to our unit ------

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
# Smartcar's signal reference writes "kWhr" for the nominal capacity.
_ENERGY_KWH = {
    _NO_UNIT: 1.0,
    "kilowatthours": 1.0,
    "kwh": 1.0,
    "kwhr": 1.0,
    "watthours": 0.001,
    "wh": 0.001,
}
_POWER_KW = {_NO_UNIT: 1.0, "kilowatts": 1.0, "kw": 1.0, "watts": 0.001, "w": 0.001}
_VOLTAGE_V = {_NO_UNIT: 1.0, "volts": 1.0, "v": 1.0}
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
    "min": 1.0,
    "hours": 60.0,
    "h": 60.0,
    "seconds": 1 / 60,
    "s": 1 / 60,
}
# v3 sends percentages as 0-100 ("percent"); a "fraction" unit would be 0-1.
_PERCENT = {_NO_UNIT: 1.0, "percent": 1.0, "%": 1.0, "fraction": 100.0, "ratio": 100.0}

# Digits kept after a unit conversion (drops float noise).
_DIGITS = 6


def _measure(body: JsonObject, units: Mapping[str, float], *keys: str) -> float | None:
    """Read the first of `keys` (default `value`) holding a number, converted by `unit`."""
    value: float | None = None
    for key in keys or ("value",):
        if (value := j.opt_float(body, key)) is not None:
            break
    if value is None:
        return None
    unit = (j.opt_str(body, "unit") or _NO_UNIT).strip().lower()
    if unit not in units:
        raise j.ShapeError(f"unit {unit!r} is not one this client converts")
    factor = units[unit]
    return value if factor == 1.0 else round(value * factor, _DIGITS)


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
    for index, item in enumerate(j.opt_list(body, "values") or ()):
        obj = j.as_object(item, "values[]")
        name = j.opt_str(obj, "type") or _position(
            j.opt_int(obj, "row"), j.opt_int(obj, "column"), rows, index
        )
        openings.append(Opening(type=name, status=_opening_status(obj)))
    return tuple(openings)


def _single_opening(name: str) -> Callable[[JsonObject], tuple[Opening, ...] | None]:
    """One opening (`{isOpen}` or `{value}`) named like v2 names it."""

    def read(body: JsonObject) -> tuple[Opening, ...] | None:
        if "values" in body:
            return _openings(body) or None
        if _flag(body, "isOpen", "value") is None and "status" not in body:
            return None
        return (Opening(type=name, status=_opening_status(body)),)

    return read


_front_trunk = _single_opening("front")
_rear_trunk = _single_opening("rear")
_sunroof = _single_opening("sunroof")


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


def _charging_status(body: JsonObject) -> VehicleState:
    """`{value: CHARGING | NOT_CHARGING | FULLY_CHARGED}`."""
    value = j.opt_str(body, "value")
    if value is None or value not in ChargeState:
        return VehicleState()
    return VehicleState(charge_state=ChargeState(value))


def _trouble_codes(body: JsonObject) -> VehicleState:
    """`{values: [{code, timestamp}]}`."""
    codes: tuple[DiagnosticTroubleCode, ...] = tuple(
        parse_trouble_code(item) for item in j.opt_list(body, "values") or ()
    )
    return VehicleState(trouble_codes=codes)


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
    # Charging (confirmed: ischarging, voltage, amperage, activelimit)
    "charge-ischarging": _spec(
        lambda b: VehicleState(is_charging=_flag(b)), "is_charging"
    ),
    # The words of v2 /charge (signal reference); third parties saw an open string, so a word
    # outside them reads as unknown.
    "charge-detailedchargingstatus": _spec(_charging_status, "charge_state"),
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
    # Location and odometer (confirmed)
    "location-preciselocation": _spec(
        lambda b: VehicleState(
            latitude=j.opt_float(b, "latitude"), longitude=j.opt_float(b, "longitude")
        ),
        "latitude",
        "longitude",
    ),
    "odometer-traveleddistance": _spec(
        lambda b: VehicleState(odometer_km=_measure(b, _DISTANCE_KM)), "odometer_km"
    ),
    # 12 V battery (confirmed)
    "lowvoltagebattery-stateofcharge": _spec(
        lambda b: VehicleState(
            low_voltage_battery_percent=_measure(b, _PERCENT, "value", "percentage")
        ),
        "low_voltage_battery_percent",
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
    "vehicleidentification-vin": _spec(
        lambda b: VehicleState(vin=j.opt_str(b, "value") or j.opt_str(b, "vin")), "vin"
    ),
    "diagnostics-dtclist": _spec(_trouble_codes, "trouble_codes"),
    # Signal reference (SMARTCAR_V3.md §4.2): `{unit: "kilowatt_hours", value}`.
    "charge-energyadded": _spec(
        lambda b: VehicleState(
            charge_energy_added_kwh=_measure(
                b, {**_ENERGY_KWH, "kilowatt_hours": 1.0, "kilowatt-hours": 1.0}
            )
        ),
        "charge_energy_added_kwh",
    ),
    # `{value: "2024.4.5"}`.
    "connectivitysoftware-currentfirmwareversion": _spec(
        lambda b: VehicleState(firmware_version=j.opt_str(b, "value")),
        "firmware_version",
    ),
    # A diagnostics system signal: `{status: ALERT|OK, description}`.
    "diagnostics-tirepressure": _spec(
        lambda b: VehicleState(
            tire_pressure_alert=(
                None
                if (status := j.opt_str(b, "status")) not in ("ALERT", "OK")
                else status == "ALERT"
            )
        ),
        "tire_pressure_alert",
    ),
}


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
    return StateResult(state=state, errors=errors, meta=meta, facts=tuple(facts))


def read_signal(item: object) -> tuple[str, VehicleState | None, Exception | None]:
    """One signal as `(code, state or None, error or None)`; raises `ShapeError` without a code."""
    obj = j.as_object(item, "signal")
    attributes = j.opt_object(obj, "attributes") or obj
    code = j.req_str(attributes, "code")
    status = j.opt_object(attributes, "status")
    if status is not None and j.opt_str(status, "value") == "ERROR":
        return code, None, error_from_body(j.opt_object(status, "error") or {})
    spec = SIGNALS.get(code)
    if spec is None:
        return code, None, None
    try:
        partial = spec.read(j.opt_object(attributes, "body") or {})
        age = _signal_age(j.opt_object(obj, "meta") or j.opt_object(attributes, "meta"))
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
    )


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
    return j.opt_datetime(meta, "oemUpdatedAt") or j.opt_datetime(meta, "retrievedAt")


__all__ = ["SIGNALS", "SignalSpec", "combine_states", "parse_signals", "read_signal"]
