"""The v2.0 reads of `SmartcarClient` (per-user Connect token, metric units)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Final

from yarl import URL

from . import _json as j
from .client_core import _ClientCore
from .errors import SmartcarInvalidInputError, SmartcarResponseError
from .models import (
    Battery,
    BatteryCapacity,
    Charge,
    ChargeLimit,
    DiagnosticTroubleCodes,
    EngineOil,
    Fuel,
    Location,
    NominalCapacity,
    Odometer,
    Permissions,
    ResponseMeta,
    Security,
    ServiceHistory,
    StateResult,
    SystemStatuses,
    TirePressure,
    User,
    VehicleAttributes,
    Vin,
)
from .parsers import (
    PATH_READERS,
    parse_battery,
    parse_battery_capacity,
    parse_charge,
    parse_charge_limit,
    parse_engine_oil,
    parse_fuel,
    parse_location,
    parse_nominal_capacity,
    parse_odometer,
    parse_security,
    parse_service_history,
    parse_system_statuses,
    parse_tire_pressure,
    parse_trouble_codes,
    parse_user,
    parse_vehicle_attributes,
    parse_vin,
    read_path_responses,
)
from .transport import MAX_PAGES, _Answer, _parse, _shape_checked

# Smartcar's page size limit for /vehicles (and the one we use for /permissions).
PAGE_SIZE: Final = 50
# The date filter of /service/history; the SDKs disagree on these names (SMARTCAR_API.md §2).
SERVICE_HISTORY_PARAMS: Final = ("startDate", "endDate")


# v2 batch paths, one per readable endpoint; the coordinator asks only for what it needs.
BATCH_PATHS: tuple[str, ...] = (
    "/battery",
    "/battery/capacity",
    "/charge",
    "/charge/limit",
    "/fuel",
    "/odometer",
    "/location",
    "/security",
    "/tires/pressure",
    "/engine/oil",
    "/vin",
    "/diagnostics/dtcs",
    "/diagnostics/system_status",
)


class V2Endpoints(_ClientCore):
    """The v2.0 reads of `SmartcarClient`: account, single endpoints, service history, batch."""

    async def _read[T](
        self,
        vehicle_id: str,
        path: str,
        parse: Callable[[j.JsonObject, ResponseMeta], T],
    ) -> T:
        segments = [segment for segment in path.split("/") if segment]
        answer = await self._v2("GET", self._vehicle_url(vehicle_id, *segments))
        return _parse(answer, path or "vehicle", parse)

    async def _paged_ids(
        self, url: URL, key: str
    ) -> tuple[tuple[str, ...], ResponseMeta]:
        """Every string of `key` over limit/offset pages, and the first page's metadata."""
        answer, collected, offset = await self._id_page(url, key, 0)
        for _ in range(MAX_PAGES):
            if offset is None:
                break
            _answer, more, offset = await self._id_page(url, key, offset)
            collected += more
        return collected, answer.meta

    async def _id_page(
        self, url: URL, key: str, offset: int
    ) -> tuple[_Answer, tuple[str, ...], int | None]:
        """One page of ids and the offset of the next page (None after the last)."""
        answer = await self._v2("GET", url.update_query(limit=PAGE_SIZE, offset=offset))
        with _shape_checked(answer, key):
            body = j.as_object(answer.body, key)
            items = j.as_list(body.get(key), key)
            ids = tuple(j.as_str(item, f"{key}[]") for item in items)
            next_offset = _next_offset(offset, len(items), j.opt_object(body, "paging"))
        return answer, ids, next_offset

    # --- account level (not billed) ---
    async def get_user_id(self) -> User:
        """GET /v2.0/user."""
        answer = await self._v2("GET", self._v2_url("user"))
        return _parse(answer, "user", parse_user)

    async def get_vehicle_ids(self) -> tuple[str, ...]:
        """GET /v2.0/vehicles, every page (50 per page)."""
        vehicle_ids, _meta = await self._paged_ids(self._v2_url("vehicles"), "vehicles")
        return vehicle_ids

    async def get_permissions(self, vehicle_id: str) -> Permissions:
        """GET /vehicles/{id}/permissions, every page."""
        permissions, meta = await self._paged_ids(
            self._vehicle_url(vehicle_id, "permissions"), "permissions"
        )
        return Permissions(permissions=permissions, meta=meta)

    # --- v2 reads ---
    async def get_attributes(self, vehicle_id: str) -> VehicleAttributes:
        """GET /vehicles/{id}: make, model, year."""
        return await self._read(vehicle_id, "", parse_vehicle_attributes)

    async def get_vin(self, vehicle_id: str) -> Vin:
        """GET /vehicles/{id}/vin."""
        return await self._read(vehicle_id, "/vin", parse_vin)

    async def get_location(self, vehicle_id: str) -> Location:
        """GET /vehicles/{id}/location."""
        return await self._read(vehicle_id, "/location", parse_location)

    async def get_odometer(self, vehicle_id: str) -> Odometer:
        """GET /vehicles/{id}/odometer (km)."""
        return await self._read(vehicle_id, "/odometer", parse_odometer)

    async def get_fuel(self, vehicle_id: str) -> Fuel:
        """GET /vehicles/{id}/fuel."""
        return await self._read(vehicle_id, "/fuel", parse_fuel)

    async def get_battery(self, vehicle_id: str) -> Battery:
        """GET /vehicles/{id}/battery."""
        return await self._read(vehicle_id, "/battery", parse_battery)

    async def get_battery_capacity(self, vehicle_id: str) -> BatteryCapacity:
        """GET /vehicles/{id}/battery/capacity (kWh)."""
        return await self._read(vehicle_id, "/battery/capacity", parse_battery_capacity)

    async def get_nominal_capacity(self, vehicle_id: str) -> NominalCapacity:
        """GET /vehicles/{id}/battery/nominal_capacity."""
        return await self._read(
            vehicle_id, "/battery/nominal_capacity", parse_nominal_capacity
        )

    async def get_charge(self, vehicle_id: str) -> Charge:
        """GET /vehicles/{id}/charge."""
        return await self._read(vehicle_id, "/charge", parse_charge)

    async def get_charge_limit(self, vehicle_id: str) -> ChargeLimit:
        """GET /vehicles/{id}/charge/limit (as a percentage)."""
        return await self._read(vehicle_id, "/charge/limit", parse_charge_limit)

    async def get_engine_oil(self, vehicle_id: str) -> EngineOil:
        """GET /vehicles/{id}/engine/oil (percentage of life remaining)."""
        return await self._read(vehicle_id, "/engine/oil", parse_engine_oil)

    async def get_tire_pressure(self, vehicle_id: str) -> TirePressure:
        """GET /vehicles/{id}/tires/pressure (kPa)."""
        return await self._read(vehicle_id, "/tires/pressure", parse_tire_pressure)

    async def get_security(self, vehicle_id: str) -> Security:
        """GET /vehicles/{id}/security: lock, doors, windows, sunroof, storage, charging port."""
        return await self._read(vehicle_id, "/security", parse_security)

    async def get_diagnostic_trouble_codes(
        self, vehicle_id: str
    ) -> DiagnosticTroubleCodes:
        """GET /vehicles/{id}/diagnostics/dtcs."""
        return await self._read(vehicle_id, "/diagnostics/dtcs", parse_trouble_codes)

    async def get_system_status(self, vehicle_id: str) -> SystemStatuses:
        """GET /vehicles/{id}/diagnostics/system_status."""
        return await self._read(
            vehicle_id, "/diagnostics/system_status", parse_system_statuses
        )

    async def get_service_history(
        self,
        vehicle_id: str,
        *,
        start_date: date | None = None,
        end_date: date | None = None,
    ) -> ServiceHistory:
        """GET /vehicles/{id}/service/history, optionally between two dates (inclusive)."""
        if (
            start_date is not None
            and end_date is not None
            and _day(start_date) > _day(end_date)
        ):
            raise SmartcarInvalidInputError("start_date must not be after end_date")
        url = self._vehicle_url(vehicle_id, "service", "history")
        query = {
            name: _day(value).isoformat()
            for name, value in zip(
                SERVICE_HISTORY_PARAMS, (start_date, end_date), strict=True
            )
            if value is not None
        }
        answer = await self._v2("GET", url.update_query(query) if query else url)
        with _shape_checked(answer, "service history"):
            return parse_service_history(answer.body, answer.meta)

    async def batch(self, vehicle_id: str, paths: Sequence[str]) -> StateResult:
        """POST /vehicles/{id}/batch: one request, each path its own result (billed per path).

        Paths must be ones `parsers.PATH_READERS` can read (every path of `BATCH_PATHS` is);
        duplicates are sent once. A requested path Smartcar does not answer is a
        `SmartcarResponseError`.
        """
        wanted = tuple(dict.fromkeys(paths))
        if not wanted:
            raise SmartcarInvalidInputError("a batch needs at least one path")
        if unknown := [path for path in wanted if path not in PATH_READERS]:
            raise SmartcarInvalidInputError(
                f"cannot batch unknown paths: {', '.join(unknown)}"
            )
        answer = await self._v2(
            "POST",
            self._vehicle_url(vehicle_id, "batch"),
            json_body={"requests": [{"path": path} for path in wanted]},
        )
        with _shape_checked(answer, "batch"):
            body = j.as_object(answer.body, "batch")
            responses = j.as_list(body.get("responses"), "responses")
            result = read_path_responses(responses, answer.meta)
        # read_path_responses checked that every item is an object with a path.
        answered = {item.get("path") for item in responses if isinstance(item, Mapping)}
        for path in wanted:
            if path not in answered:
                result.errors[path] = SmartcarResponseError(
                    f"batch did not answer {path}", request_id=answer.meta.request_id
                )
        # Billed per path (SMARTCAR_API.md §5), and only the paths answered with success: Smartcar
        # "charges for all successful API requests" (support article S32 in SMARTCAR_V3.md).
        return replace(
            result,
            billed_requests=sum(1 for path in wanted if path not in result.errors),
        )


def _next_offset(
    offset: int, page_size: int, paging: j.JsonObject | None
) -> int | None:
    """Offset of the next /vehicles or /permissions page, None when this was the last.

    A short page is the last. `paging.count` is documented as the total; if a server sends the page
    size there instead, `count == page_size` keeps us going and the next (empty) page stops us.
    """
    if page_size < PAGE_SIZE:
        return None
    count = j.opt_int(paging, "count") if paging else None
    next_offset = offset + page_size
    if count is not None and count != page_size and next_offset >= count:
        return None
    return next_offset


def _day(value: date) -> date:
    """Return the day of a date or datetime."""
    return value.date() if isinstance(value, datetime) else value
