"""Reading one value of a v3 signal body in the units of `VehicleState`.

Bodies carry their own unit (`{"unit": "kilometers", "value": 1234}`); the unit tables here map
Smartcar's unit words to the factor to our unit (km, kPa, litres, kWh, kW, minutes, percent 0-100),
and the readers (`_measure`, `_temperature`, `_text`, `_flag`, ...) raise `ShapeError` on a unit
this client does not convert.
"""

from collections.abc import Mapping, Sequence
from enum import StrEnum

from . import _json as j

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
