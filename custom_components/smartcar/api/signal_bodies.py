"""Readers for the v3 signal bodies with more than one value: openings, tyres, limits, systems.

Grids of doors and windows are named with v2's words (`frontLeft`...), so one `Opening.type`
means the same whichever API generation reported it.
"""

from collections.abc import Callable, Mapping

from . import _json as j
from .models import (
    ChargeState,
    DiagnosticTroubleCode,
    Opening,
    OpeningStatus,
    SystemHealth,
    SystemStatus,
    VehicleState,
)
from .parsers import parse_trouble_code
from .signal_units import _ENERGY_KWH, _PERCENT, _PRESSURE_KPA, _flag, _measure, _word

type JsonObject = j.JsonObject

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
