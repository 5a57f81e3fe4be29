"""The table of v2 paths that feed `VehicleState`, and reading per-path answers into it.

The same table serves single endpoints, `/batch` and v2 scheduled webhooks, so a path reads the same
way whichever route brought it. The endpoint parsers live in `vehicle_parsers` (car data) and
`account_parsers` (everything else) and are re-exported here, so `parsers` stays the one place to
import them from.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from . import _json as j
from .account_parsers import (
    meta_from_headers,
    parse_command,
    parse_connection,
    parse_connection_v3,
    parse_token,
    parse_user,
    parse_vehicle_attributes,
    parse_webhook_subscription,
)
from .errors import (
    SmartcarError,
    SmartcarResponseError,
    error_from_body,
    parse_retry_after,
)
from .models import (
    EMPTY_META,
    Charge,
    ChargeState,
    Fact,
    ResponseMeta,
    Security,
    StateResult,
    VehicleState,
)
from .vehicle_parsers import (
    fraction_to_percent,
    parse_battery,
    parse_battery_capacity,
    parse_charge,
    parse_charge_limit,
    parse_engine_oil,
    parse_fuel,
    parse_location,
    parse_nominal_capacity,
    parse_odometer,
    parse_openings,
    parse_security,
    parse_service_history,
    parse_system_statuses,
    parse_tire_pressure,
    parse_trouble_code,
    parse_trouble_codes,
    parse_vin,
)

type JsonObject = j.JsonObject


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


__all__ = [
    "PATH_READERS",
    "PathReader",
    "fraction_to_percent",
    "meta_from_headers",
    "parse_battery",
    "parse_battery_capacity",
    "parse_charge",
    "parse_charge_limit",
    "parse_command",
    "parse_connection",
    "parse_connection_v3",
    "parse_engine_oil",
    "parse_fuel",
    "parse_location",
    "parse_nominal_capacity",
    "parse_odometer",
    "parse_openings",
    "parse_security",
    "parse_service_history",
    "parse_system_statuses",
    "parse_tire_pressure",
    "parse_token",
    "parse_trouble_code",
    "parse_trouble_codes",
    "parse_user",
    "parse_vehicle_attributes",
    "parse_vin",
    "parse_webhook_subscription",
    "read_path_responses",
]
