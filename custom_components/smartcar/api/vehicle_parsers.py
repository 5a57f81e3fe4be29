"""Parsers for v2 vehicle reads: one per endpoint body (re-exported by `parsers`).

Smartcar's fractions (0-1) become percentages (0-100) here, once. Every parser raises
`ShapeError` when the body does not have the documented shape.
"""

from collections.abc import Mapping, Sequence
from enum import StrEnum

from . import _json as j
from .models import (
    Battery,
    BatteryCapacity,
    CapacityOption,
    Charge,
    ChargeLimit,
    ChargeState,
    DiagnosticTroubleCode,
    DiagnosticTroubleCodes,
    EngineOil,
    Fuel,
    Location,
    NominalCapacity,
    Odometer,
    Opening,
    OpeningStatus,
    ResponseMeta,
    Security,
    ServiceCost,
    ServiceHistory,
    ServiceRecord,
    SystemHealth,
    SystemStatus,
    SystemStatuses,
    TirePressure,
    Vin,
)

type JsonObject = j.JsonObject


# Digits kept when turning a fraction into a percentage (drops float noise such as
# 56.99999999999999).
_PERCENT_DIGITS = 6


def fraction_to_percent(value: float | None) -> float | None:
    """Smartcar's 0-1 fraction as a 0-100 percentage."""
    return None if value is None else round(value * 100, _PERCENT_DIGITS)


# --- Vehicle reads ------------------------------------------------------------------------------


def parse_vin(body: JsonObject, meta: ResponseMeta) -> Vin:
    """GET /vin."""
    return Vin(vin=j.req_str(body, "vin"), meta=meta)


def parse_location(body: JsonObject, meta: ResponseMeta) -> Location:
    """GET /location."""
    return Location(
        latitude=j.req_float(body, "latitude"),
        longitude=j.req_float(body, "longitude"),
        meta=meta,
    )


def parse_odometer(body: JsonObject, meta: ResponseMeta) -> Odometer:
    """GET /odometer."""
    return Odometer(distance_km=j.req_float(body, "distance"), meta=meta)


def parse_fuel(body: JsonObject, meta: ResponseMeta) -> Fuel:
    """GET /fuel (`percentRemaining` is a fraction)."""
    return Fuel(
        range_km=j.opt_float(body, "range"),
        percent_remaining=fraction_to_percent(j.opt_float(body, "percentRemaining")),
        amount_remaining_l=j.opt_float(body, "amountRemaining"),
        meta=meta,
    )


def parse_battery(body: JsonObject, meta: ResponseMeta) -> Battery:
    """GET /battery (`percentRemaining` is a fraction)."""
    return Battery(
        percent_remaining=fraction_to_percent(j.opt_float(body, "percentRemaining")),
        range_km=j.opt_float(body, "range"),
        meta=meta,
    )


def parse_battery_capacity(body: JsonObject, meta: ResponseMeta) -> BatteryCapacity:
    """GET /battery/capacity."""
    return BatteryCapacity(capacity_kwh=j.req_float(body, "capacity"), meta=meta)


def parse_nominal_capacity(body: JsonObject, meta: ResponseMeta) -> NominalCapacity:
    """GET /battery/nominal_capacity."""
    options = tuple(
        CapacityOption(
            capacity_kwh=j.req_float(option, "capacity"),
            description=j.opt_str(option, "description"),
        )
        for option in (
            j.as_object(item, "availableCapacities[]")
            for item in j.opt_list(body, "availableCapacities") or ()
        )
    )
    capacity = j.opt_object(body, "capacity")
    return NominalCapacity(
        available_capacities=options,
        nominal_kwh=j.opt_float(capacity, "nominal") if capacity else None,
        source=j.opt_str(capacity, "source") if capacity else None,
        url=j.opt_str(body, "url"),
        meta=meta,
    )


def parse_charge(body: JsonObject, meta: ResponseMeta) -> Charge:
    """GET /charge."""
    return Charge(
        is_plugged_in=j.opt_bool(body, "isPluggedIn"),
        state=_enum(ChargeState, j.opt_str(body, "state")),
        meta=meta,
    )


def parse_charge_limit(body: JsonObject, meta: ResponseMeta) -> ChargeLimit:
    """GET /charge/limit (`limit` is a fraction)."""
    return ChargeLimit(
        limit_percent=round(j.req_float(body, "limit") * 100, _PERCENT_DIGITS),
        meta=meta,
    )


def parse_engine_oil(body: JsonObject, meta: ResponseMeta) -> EngineOil:
    """GET /engine/oil (`lifeRemaining` is a fraction)."""
    return EngineOil(
        life_remaining_percent=fraction_to_percent(j.opt_float(body, "lifeRemaining")),
        meta=meta,
    )


def parse_tire_pressure(body: JsonObject, meta: ResponseMeta) -> TirePressure:
    """GET /tires/pressure (kPa)."""
    return TirePressure(
        front_left_kpa=j.opt_float(body, "frontLeft"),
        front_right_kpa=j.opt_float(body, "frontRight"),
        back_left_kpa=j.opt_float(body, "backLeft"),
        back_right_kpa=j.opt_float(body, "backRight"),
        meta=meta,
    )


def parse_openings(items: Sequence[object] | None, where: str) -> tuple[Opening, ...]:
    """Items `{type, status: OPEN|CLOSED|UNKNOWN}` of /security."""
    openings: list[Opening] = []
    for item in items or ():
        obj = j.as_object(item, f"{where}[]")
        status = _enum(OpeningStatus, j.opt_str(obj, "status"))
        openings.append(
            Opening(type=j.req_str(obj, "type"), status=status or OpeningStatus.UNKNOWN)
        )
    return tuple(openings)


def parse_security(body: JsonObject, meta: ResponseMeta) -> Security:
    """GET /security: lock status and every opening."""
    return Security(
        is_locked=j.opt_bool(body, "isLocked"),
        doors=parse_openings(j.opt_list(body, "doors"), "doors"),
        windows=parse_openings(j.opt_list(body, "windows"), "windows"),
        sunroof=parse_openings(j.opt_list(body, "sunroof"), "sunroof"),
        storage=parse_openings(j.opt_list(body, "storage"), "storage"),
        charging_port=parse_openings(j.opt_list(body, "chargingPort"), "chargingPort"),
        meta=meta,
    )


def parse_trouble_code(item: object) -> DiagnosticTroubleCode:
    """One `{code, timestamp|null}` (v2 `activeCodes[]`, v3 DTC list `values[]`)."""
    obj = j.as_object(item, "activeCodes[]")
    return DiagnosticTroubleCode(
        code=j.req_str(obj, "code"), timestamp=j.opt_datetime(obj, "timestamp")
    )


def parse_trouble_codes(body: JsonObject, meta: ResponseMeta) -> DiagnosticTroubleCodes:
    """GET /diagnostics/dtcs."""
    codes = j.opt_list(body, "activeCodes") or ()
    return DiagnosticTroubleCodes(
        active_codes=tuple(parse_trouble_code(item) for item in codes), meta=meta
    )


def parse_system_statuses(body: JsonObject, meta: ResponseMeta) -> SystemStatuses:
    """GET /diagnostics/system_status."""
    systems: list[SystemStatus] = []
    for item in j.opt_list(body, "systems") or ():
        obj = j.as_object(item, "systems[]")
        status = _enum(SystemHealth, j.opt_str(obj, "status"))
        if status is None:
            raise j.ShapeError("systems[].status: OK or ALERT is required")
        systems.append(
            SystemStatus(
                system_id=j.req_str(obj, "systemId"),
                status=status,
                description=j.opt_str(obj, "description"),
            )
        )
    return SystemStatuses(systems=tuple(systems), meta=meta)


def parse_service_history(body: object, meta: ResponseMeta) -> ServiceHistory:
    """GET /service/history: a bare array (or wrapped as `{serviceHistory|records: []}`)."""
    if isinstance(body, Mapping):
        body = body.get("serviceHistory", body.get("records"))
    records: list[ServiceRecord] = []
    for item in j.as_list(body, "service history"):
        obj = j.as_object(item, "service history[]")
        cost = j.opt_object(obj, "serviceCost")
        records.append(
            ServiceRecord(
                service_id=j.opt_id(obj, "serviceId"),
                service_date=j.opt_datetime(obj, "serviceDate"),
                odometer_distance_km=j.opt_float(obj, "odometerDistance"),
                service_tasks=_text_items(
                    j.opt_list(obj, "serviceTasks"), "serviceTasks"
                ),
                service_details=_text_items(
                    _list_or_object(obj, "serviceDetails"), "serviceDetails"
                ),
                service_cost=(
                    ServiceCost(
                        total_cost=j.opt_float(cost, "totalCost"),
                        currency=j.opt_str(cost, "currency"),
                    )
                    if cost is not None
                    else None
                ),
            )
        )
    return ServiceHistory(records=tuple(records), meta=meta)


def _list_or_object(obj: JsonObject, key: str) -> Sequence[object] | None:
    """`obj[key]` as an array; one object is an array of one (`serviceDetails` comes as both)."""
    value = obj.get(key)
    if isinstance(value, Mapping):
        return (value,)
    return j.opt_list(obj, key)


def _text_items(
    items: Sequence[object] | None, where: str
) -> tuple[dict[str, str | None], ...]:
    """Objects whose values are kept as text (service tasks and details vary by carmaker)."""
    return tuple(
        {
            key: j.scalar_text(value)
            for key, value in j.as_object(item, f"{where}[]").items()
        }
        for item in items or ()
    )


def _enum[E: StrEnum](kind: type[E], value: str | None) -> E | None:
    """Read a Smartcar enum value; a word this version does not know reads as None."""
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        return None
