"""Parsers for v2 answers: one per endpoint body, and the table of paths that feed `VehicleState`.

The same table serves single endpoints, `/batch` and v2 scheduled webhooks, so a path reads the same
way whichever route brought it. Smartcar's fractions (0-1) become percentages (0-100) here, once.
Every parser raises `ShapeError` when the body does not have the documented shape.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from . import _json as j
from .errors import (
    SmartcarError,
    SmartcarResponseError,
    error_from_body,
    parse_retry_after,
)
from .models import (
    EMPTY_META,
    Battery,
    BatteryCapacity,
    CapacityOption,
    Charge,
    ChargeLimit,
    ChargeState,
    CommandResult,
    Connection,
    DiagnosticTroubleCode,
    DiagnosticTroubleCodes,
    EngineOil,
    Fact,
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
    StateResult,
    SystemHealth,
    SystemStatus,
    SystemStatuses,
    TirePressure,
    Token,
    User,
    VehicleAttributes,
    VehicleState,
    Vin,
    WebhookSubscription,
)

type JsonObject = j.JsonObject

# Digits kept when turning a fraction into a percentage (drops float noise such as
# 56.99999999999999).
_PERCENT_DIGITS = 6


def fraction_to_percent(value: float | None) -> float | None:
    """Smartcar's 0-1 fraction as a 0-100 percentage."""
    return None if value is None else round(value * 100, _PERCENT_DIGITS)


# --- Response metadata --------------------------------------------------------------------------


def meta_from_headers(headers: Mapping[str, str] | None) -> ResponseMeta:
    """SC-Data-Age, SC-Fetched-At, SC-Unit-System and SC-Request-Id (names in any case).

    Unreadable times are dropped rather than failing an otherwise good answer.
    """
    if not headers:
        return EMPTY_META
    lowered = {key.lower(): value for key, value in headers.items()}
    return ResponseMeta(
        data_age=j.parse_timestamp(lowered.get("sc-data-age")),
        fetched_at=j.parse_timestamp(lowered.get("sc-fetched-at")),
        unit_system=lowered.get("sc-unit-system") or None,
        request_id=lowered.get("sc-request-id") or None,
    )


# --- Account level ------------------------------------------------------------------------------


def parse_user(body: JsonObject, meta: ResponseMeta) -> User:
    """GET /user."""
    return User(id=j.req_str(body, "id"), meta=meta)


def parse_vehicle_attributes(body: JsonObject, meta: ResponseMeta) -> VehicleAttributes:
    """GET /vehicles/{id} (v2: flat) or the v3 vehicle resource (`attributes`, maybe in `data`).

    v3 adds `powertrainType` and `mode` [S18]; the pre-launch SDK fixture sends `year` as text.
    """
    resource = j.opt_object(body, "data") or body
    attributes = j.opt_object(resource, "attributes") or resource
    return VehicleAttributes(
        id=j.req_str(resource, "id"),
        make=j.opt_str(attributes, "make"),
        model=j.opt_str(attributes, "model"),
        year=_year(attributes),
        meta=meta,
        powertrain_type=j.opt_str(attributes, "powertrainType"),
        mode=j.opt_str(attributes, "mode"),
    )


def _year(obj: JsonObject) -> int | None:
    """`year` as a number or as digits (`"2021"` in the Java SDK's v3 fixtures)."""
    value = obj.get("year")
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return j.opt_int(obj, "year")


def parse_command(body: JsonObject, meta: ResponseMeta) -> CommandResult:
    """Parse a command's answer `{status, message}`."""
    return CommandResult(
        status=j.req_str(body, "status"), message=j.opt_str(body, "message"), meta=meta
    )


def parse_webhook_subscription(
    body: JsonObject, meta: ResponseMeta
) -> WebhookSubscription:
    """POST /vehicles/{id}/webhooks/{webhookId}."""
    return WebhookSubscription(
        webhook_id=j.req_str(body, "webhookId"),
        vehicle_id=j.req_str(body, "vehicleId"),
        meta=meta,
    )


def parse_token(body: JsonObject) -> Token:
    """Parse the token endpoint's answer."""
    expires_in = j.opt_int(body, "expires_in")
    if expires_in is None:
        raise j.ShapeError("expires_in: a number is required")
    return Token(
        access_token=j.req_str(body, "access_token"),
        token_type=j.opt_str(body, "token_type") or "Bearer",
        expires_in=expires_in,
        refresh_token=j.req_str(body, "refresh_token"),
    )


def parse_connection(item: object) -> Connection:
    """One Management API connection."""
    obj = j.as_object(item, "connections[]")
    return Connection(
        user_id=j.req_str(obj, "userId"),
        vehicle_id=j.req_str(obj, "vehicleId"),
        connected_at=j.opt_datetime(obj, "connectedAt"),
        mode=j.opt_str(obj, "mode"),
    )


def parse_connection_v3(item: object) -> Connection:
    """One v3 connection resource (`GET /v3/connections[/{id}]`, SMARTCAR_V3.md §3.1).

    The user is `relationships.user.data.id` [S17] (the 3P capture also has `attributes.user.id`
    [T4]); the vehicle `relationships.vehicle.data.id`; connected at `meta.createdAt`.
    """
    obj = j.as_object(item, "data[]")
    attributes = j.opt_object(obj, "attributes") or {}
    relationships = j.opt_object(obj, "relationships") or {}
    vehicle = j.opt_object(attributes, "vehicle") or {}
    meta = j.opt_object(obj, "meta") or {}
    user_id = _related_id(relationships, "user") or _nested_id(attributes, "user")
    vehicle_id = _related_id(relationships, "vehicle") or _nested_id(
        attributes, "vehicle"
    )
    if user_id is None or vehicle_id is None:
        raise j.ShapeError("connection: a user id and a vehicle id are required")
    return Connection(
        user_id=user_id,
        vehicle_id=vehicle_id,
        connected_at=j.opt_datetime(meta, "createdAt"),
        mode=j.opt_str(vehicle, "mode"),
        connection_id=j.opt_id(obj, "id"),
        permissions=tuple(
            j.as_str(value, "permissions[]")
            for value in j.opt_list(attributes, "permissions") or ()
        ),
        make=j.opt_str(vehicle, "make"),
        model=j.opt_str(vehicle, "model"),
        year=_year(vehicle),
        powertrain_type=j.opt_str(vehicle, "powertrainType"),
        updated_at=j.opt_datetime(meta, "updatedAt"),
    )


def _related_id(relationships: JsonObject, name: str) -> str | None:
    relation = j.opt_object(relationships, name)
    data = j.opt_object(relation, "data") if relation else None
    return j.opt_id(data, "id") if data else None


def _nested_id(attributes: JsonObject, name: str) -> str | None:
    nested = j.opt_object(attributes, name)
    return j.opt_id(nested, "id") if nested else None


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


# --- Endpoint results -> VehicleState -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathReader:
    """How one v2 path becomes part of `VehicleState`, and which fields it can fill."""

    fields: frozenset[str]
    read: Callable[[JsonObject, ResponseMeta], VehicleState]


def _reader[T](
    parse: Callable[[JsonObject, ResponseMeta], T],
    to_state: Callable[[T], VehicleState],
    *fields: str,
) -> PathReader:
    """Chain an endpoint parser and its conversion into one reader."""

    def read(body: JsonObject, meta: ResponseMeta) -> VehicleState:
        return replace(to_state(parse(body, meta)), data_age=meta.data_age)

    return PathReader(fields=frozenset(fields), read=read)


def _charge_state(charge: Charge) -> VehicleState:
    # CHARGING is the only state in which the car is charging; the switch needs a boolean.
    is_charging = None if charge.state is None else charge.state is ChargeState.CHARGING
    return VehicleState(
        is_plugged_in=charge.is_plugged_in,
        charge_state=charge.state,
        is_charging=is_charging,
    )


def _security_state(security: Security) -> VehicleState:
    return VehicleState(
        is_locked=security.is_locked,
        doors=security.doors or None,
        windows=security.windows or None,
        sunroof=security.sunroof or None,
        storage=security.storage or None,
        charging_port=security.charging_port or None,
    )


# v2 path -> reader. The coordinator can use `fields` to ask only for the paths enabled entities
# need.
PATH_READERS: Mapping[str, PathReader] = {
    "/battery": _reader(
        parse_battery,
        lambda r: VehicleState(
            battery_percent=r.percent_remaining, battery_range_km=r.range_km
        ),
        "battery_percent",
        "battery_range_km",
    ),
    "/battery/capacity": _reader(
        parse_battery_capacity,
        lambda r: VehicleState(battery_capacity_kwh=r.capacity_kwh),
        "battery_capacity_kwh",
    ),
    "/battery/nominal_capacity": _reader(
        parse_nominal_capacity,
        lambda r: VehicleState(battery_capacity_kwh=r.nominal_kwh),
        "battery_capacity_kwh",
    ),
    "/charge": _reader(
        parse_charge, _charge_state, "is_plugged_in", "charge_state", "is_charging"
    ),
    "/charge/limit": _reader(
        parse_charge_limit,
        lambda r: VehicleState(charge_limit_percent=r.limit_percent),
        "charge_limit_percent",
    ),
    "/fuel": _reader(
        parse_fuel,
        lambda r: VehicleState(
            fuel_percent=r.percent_remaining,
            fuel_amount_l=r.amount_remaining_l,
            fuel_range_km=r.range_km,
        ),
        "fuel_percent",
        "fuel_amount_l",
        "fuel_range_km",
    ),
    "/odometer": _reader(
        parse_odometer, lambda r: VehicleState(odometer_km=r.distance_km), "odometer_km"
    ),
    "/location": _reader(
        parse_location,
        lambda r: VehicleState(latitude=r.latitude, longitude=r.longitude),
        "latitude",
        "longitude",
    ),
    "/security": _reader(
        parse_security,
        _security_state,
        "is_locked",
        "doors",
        "windows",
        "sunroof",
        "storage",
        "charging_port",
    ),
    "/tires/pressure": _reader(
        parse_tire_pressure,
        lambda r: VehicleState(
            tire_front_left_kpa=r.front_left_kpa,
            tire_front_right_kpa=r.front_right_kpa,
            tire_back_left_kpa=r.back_left_kpa,
            tire_back_right_kpa=r.back_right_kpa,
        ),
        "tire_front_left_kpa",
        "tire_front_right_kpa",
        "tire_back_left_kpa",
        "tire_back_right_kpa",
    ),
    "/engine/oil": _reader(
        parse_engine_oil,
        lambda r: VehicleState(oil_life_percent=r.life_remaining_percent),
        "oil_life_percent",
    ),
    "/vin": _reader(parse_vin, lambda r: VehicleState(vin=r.vin), "vin"),
    "/diagnostics/dtcs": _reader(
        parse_trouble_codes,
        lambda r: VehicleState(trouble_codes=r.active_codes),
        "trouble_codes",
    ),
    "/diagnostics/system_status": _reader(
        parse_system_statuses,
        lambda r: VehicleState(system_statuses=r.systems),
        "system_statuses",
    ),
}


def read_path_responses(
    items: Sequence[object], fallback: ResponseMeta = EMPTY_META
) -> StateResult:
    """Per-path answers `{path, code, body, headers}` (batch, v2 scheduled webhook) as one result.

    Successes merge into `state`; each failure becomes the `SmartcarError` its body describes, keyed
    by path. A success whose body has the wrong shape is a `SmartcarResponseError` for that path
    only. Paths outside `PATH_READERS` are ignored. `fallback` supplies the request id (and fetch
    time) of the envelope to paths that have none of their own.
    """
    state = VehicleState()
    errors: dict[str, Exception] = {}
    facts: list[Fact] = []
    for item in items:
        obj = j.as_object(item, "responses[]")
        path = j.req_str(obj, "path")
        code = j.opt_int(obj, "code")
        headers = _string_headers(j.opt_object(obj, "headers"))
        meta = meta_from_headers(headers)
        meta = replace(
            meta,
            request_id=meta.request_id or fallback.request_id,
            fetched_at=meta.fetched_at or fallback.fetched_at,
        )
        body = obj.get("body")
        if code is None or not 200 <= code < 300:
            errors[path] = _path_error(body, code, meta, headers)
            continue
        reader = PATH_READERS.get(path)
        if reader is None:
            continue
        try:
            partial = reader.read(j.as_object(body, f"{path} body"), meta)
        except j.ShapeError as err:
            errors[path] = SmartcarResponseError(
                f"{path}: {err}", status=code, request_id=meta.request_id
            )
            continue
        state = state.merge(partial)
        facts.append(
            Fact(
                source=path,
                fields=reader.fields,
                values=replace(partial, data_age=None),
                age=meta.data_age,
            )
        )
    return StateResult(state=state, errors=errors, meta=fallback, facts=tuple(facts))


def _path_error(
    body: object, code: int | None, meta: ResponseMeta, headers: Mapping[str, str]
) -> SmartcarError:
    retry_after = parse_retry_after(headers.get("retry-after"))
    if isinstance(body, Mapping):
        return error_from_body(
            body, status=code, request_id=meta.request_id, retry_after=retry_after
        )
    return SmartcarResponseError(
        f"path failed with code {code} and no error body",
        status=code,
        request_id=meta.request_id,
        retry_after=retry_after,
    )


def _string_headers(headers: JsonObject | None) -> dict[str, str]:
    """Per-path headers with lower-case names; numbers (`retry-after: 30`) become text.

    Other values (objects, arrays, booleans, null) are dropped.
    """
    if not headers:
        return {}
    kept: dict[str, str] = {}
    for key, value in headers.items():
        if isinstance(value, str):
            kept[key.lower()] = value
        elif isinstance(value, int | float) and not isinstance(value, bool):
            kept[key.lower()] = j.scalar_text(value) or ""
    return kept


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


__all__ = [
    "PATH_READERS",
    "PathReader",
    "fraction_to_percent",
    "meta_from_headers",
    "read_path_responses",
]
