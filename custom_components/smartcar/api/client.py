"""The async Smartcar client (v2.0, batch, v3 signals, OAuth token, Management API).

Knows nothing of Home Assistant: it gets an `aiohttp.ClientSession` and an async callable returning
a valid access token, and always asks for metric units.
"""

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
import logging
import math
import os
import time
from typing import Final, Protocol, runtime_checkable
from urllib.parse import quote

import aiohttp
from yarl import URL

from . import _json as j
from .commands import (
    CommandExecution,
    CommandOutcome,
    V3Command,
    follow_link,
    parse_command_execution,
)
from .errors import (
    AuthenticationError,
    SmartcarConnectionError,
    SmartcarInvalidInputError,
    SmartcarResponseError,
    SmartcarTimeoutError,
    error_from_response,
    parse_retry_after,
)
from .models import (
    Battery,
    BatteryCapacity,
    Charge,
    ChargeLimit,
    CommandResult,
    Connection,
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
    Token,
    User,
    VehicleAttributes,
    Vin,
    WebhookSubscription,
)
from .parsers import (
    PATH_READERS,
    meta_from_headers,
    parse_battery,
    parse_battery_capacity,
    parse_charge,
    parse_charge_limit,
    parse_command,
    parse_connection,
    parse_connection_v3,
    parse_engine_oil,
    parse_fuel,
    parse_location,
    parse_nominal_capacity,
    parse_odometer,
    parse_security,
    parse_service_history,
    parse_system_statuses,
    parse_tire_pressure,
    parse_token,
    parse_trouble_codes,
    parse_user,
    parse_vehicle_attributes,
    parse_vin,
    parse_webhook_subscription,
    read_path_responses,
)
from .signals import parse_signals

_LOGGER = logging.getLogger(__name__)

type TokenProvider = Callable[[], Awaitable[str]]


@runtime_checkable
class RejectableTokenProvider(Protocol):
    """A token provider that can be told a token was refused (`ApplicationTokenSource`)."""

    async def __call__(self) -> str:
        """Return a valid access token."""
        ...

    def invalidate(self, rejected_token: str) -> None:
        """Forget `rejected_token` so the next call gets a new one."""
        ...


API_VERSION: Final = "v2.0"
API_V3_VERSION: Final = "v3"
UNIT_SYSTEM: Final = "metric"
# The header naming the Smartcar user on v3 signals and commands (an application token has none).
USER_ID_HEADER: Final = "sc-user-id"
# Smartcar's page size limit for /vehicles (and the one we use for /permissions).
PAGE_SIZE: Final = 50
# The largest v3 page (`pageSize`): every page is a request the quota may be billed for.
SIGNALS_PAGE_SIZE: Final = 100
# Never follow more pages than this: a server that always says "next" must not loop us forever.
MAX_PAGES: Final = 100
# The date filter of /service/history; the SDKs disagree on these names (SMARTCAR_API.md §2).
SERVICE_HISTORY_PARAMS: Final = ("startDate", "endDate")
# Query parameters of the Management API's connection list.
MANAGEMENT_PARAMS: Final = {
    "vehicle_id": "vehicle_id",
    "user_id": "user_id",
    "cursor": "cursor",
}
# Limits Smartcar documents for POST /charge/limit (fractions).
CHARGE_LIMIT_RANGE: Final = (0.5, 1.0)
# v3 `charge/set-limit` takes a whole percent, 50-100 (3P spec reading, SMARTCAR_V3.md §3.4).
CHARGE_LIMIT_PERCENT_RANGE: Final = (50, 100)
# How long a 202 command is followed: about the 175 s after which 3P says Smartcar answers 202.
COMMAND_WAIT_SECONDS: Final = 180.0
# Between two reads of a running command, unless Smartcar sends Retry-After.
COMMAND_POLL_SECONDS: Final = 5.0
# The largest JSON:API page of /connections (3P: 100), and its query names.
CONNECTIONS_PAGE_SIZE: Final = 100
CONNECTION_FILTERS: Final = {
    "user_id": "filter[userId]",
    "vehicle_id": "filter[vehicleId]",
    "mode": "filter[vehicle.mode]",
    "external_user_id": "filter[user.externalId]",
}

type Sleep = Callable[[float], Awaitable[None]]


def basic_auth_header(username: str, password: str) -> str:
    """Build `Basic base64(username:password)` (client credentials, or `default:<token>`)."""
    credentials = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")


@dataclass(frozen=True, slots=True, kw_only=True)
class Origins:
    """Where Smartcar lives; each can be moved with the SDKs' environment variables."""

    api: str = "https://api.smartcar.com"
    api_v3: str = "https://vehicle.api.smartcar.com"
    auth: str = "https://auth.smartcar.com"
    connect: str = "https://connect.smartcar.com"
    management: str = "https://management.smartcar.com"
    # V3 (SMARTCAR_V3.md §2.1, §3): the application-token endpoint and the v3 Management API.
    iam: str = "https://iam.smartcar.com"
    management_v3: str = "https://management.api.smartcar.com"

    @classmethod
    def from_environment(
        cls, environ: os._Environ[str] | dict[str, str] | None = None
    ) -> Origins:
        """Read the origins from the environment (the SDKs' variable names).

        SMARTCAR_API_ORIGIN, SMARTCAR_API_V3_ORIGIN, SMARTCAR_AUTH_ORIGIN, SMARTCAR_CONNECT_ORIGIN
        and SMARTCAR_MANAGEMENT_API_ORIGIN; the SDKs predate V3, so SMARTCAR_IAM_ORIGIN and
        SMARTCAR_MANAGEMENT_API_V3_ORIGIN are this client's own names. Trailing slashes are
        dropped, unset or empty means the default.
        """
        source: Mapping[str, str] = os.environ if environ is None else environ
        defaults = cls()

        def pick(name: str, default: str) -> str:
            value = (source.get(name) or "").strip().rstrip("/")
            return value or default

        return cls(
            api=pick("SMARTCAR_API_ORIGIN", defaults.api),
            api_v3=pick("SMARTCAR_API_V3_ORIGIN", defaults.api_v3),
            auth=pick("SMARTCAR_AUTH_ORIGIN", defaults.auth),
            connect=pick("SMARTCAR_CONNECT_ORIGIN", defaults.connect),
            management=pick("SMARTCAR_MANAGEMENT_API_ORIGIN", defaults.management),
            iam=pick("SMARTCAR_IAM_ORIGIN", defaults.iam),
            management_v3=pick(
                "SMARTCAR_MANAGEMENT_API_V3_ORIGIN", defaults.management_v3
            ),
        )

    @property
    def authorize_url(self) -> str:
        """Connect's authorize page."""
        return f"{self.connect}/oauth/authorize"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.auth}/oauth/token"

    @property
    def application_token_url(self) -> str:
        """The V3 client-credentials endpoint (application tokens, 1 h, no refresh)."""
        return f"{self.iam}/oauth2/token"


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


# --- Transport: one place that sends, times out, and turns failures into SmartcarError ----------


@dataclass(frozen=True, slots=True)
class _Answer:
    """A 2xx answer: decoded JSON (None when the body was empty) and its metadata."""

    status: int
    body: object
    meta: ResponseMeta
    headers: Mapping[str, str] = field(default_factory=dict)


class _Transport:
    """Sends one request and maps every way it can fail to the error hierarchy."""

    def __init__(self, session: aiohttp.ClientSession, timeout: float) -> None:
        self._session = session
        self._timeout_seconds = timeout
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def send(
        self,
        method: str,
        url: URL,
        *,
        headers: Mapping[str, str],
        json_body: object = None,
        form: Mapping[str, str] | None = None,
        allow_empty: bool = False,
    ) -> _Answer:
        """Send and return the decoded 2xx answer, or raise the matching `SmartcarError`."""
        try:
            async with self._session.request(
                method,
                url,
                headers=dict(headers),
                json=json_body,
                data=form,
                timeout=self._timeout,
                # Never carry the Bearer token to wherever a redirect points.
                allow_redirects=False,
            ) as response:
                raw = await response.read()
                status = response.status
                response_headers: Mapping[str, str] = response.headers
        except TimeoutError as err:
            raise SmartcarTimeoutError(
                f"Smartcar did not answer {method} {url.path} within {self._timeout_seconds:g} s"
            ) from err
        except aiohttp.ClientError as err:
            raise SmartcarConnectionError(
                f"cannot reach Smartcar for {method} {url.path}: {type(err).__name__}"
            ) from err
        _LOGGER.debug("%s %s -> %s", method, url.path, status)
        meta = meta_from_headers(response_headers)
        if not 200 <= status < 300:
            text = raw.decode("utf-8", errors="replace")
            try:
                error_body: object = j.loads(raw) if raw.strip() else None
            except j.ShapeError:
                error_body = None
            raise error_from_response(status, error_body, response_headers, text=text)
        if not raw.strip():
            if allow_empty:
                return _Answer(status, None, meta, response_headers)
            raise SmartcarResponseError(
                f"{method} {url.path} answered {status} with an empty body",
                status=status,
                request_id=meta.request_id,
            )
        try:
            body = j.loads(raw)
        except j.ShapeError as err:
            raise SmartcarResponseError(
                f"{method} {url.path} answered {status} with a body that is not JSON",
                status=status,
                request_id=meta.request_id,
            ) from err
        return _Answer(status, body, meta, response_headers)


async def send_authorized(
    transport: _Transport,
    get_access_token: TokenProvider,
    method: str,
    url: URL,
    *,
    headers: Mapping[str, str],
    json_body: object = None,
    allow_empty: bool = False,
) -> _Answer:
    """Send with `Authorization: Bearer <token>`; a 401 tells the provider its token failed.

    A provider that can `invalidate` (an `ApplicationTokenSource`) then renews on the next
    call; the request itself is not repeated (a command must never run twice).
    """
    token = _required("the access token", await get_access_token())
    try:
        return await transport.send(
            method,
            url,
            headers={**headers, "Authorization": f"Bearer {token}"},
            json_body=json_body,
            allow_empty=allow_empty,
        )
    except AuthenticationError:
        if isinstance(get_access_token, RejectableTokenProvider):
            get_access_token.invalidate(token)
        raise


@contextmanager
def _shape_checked(answer: _Answer, where: str) -> Iterator[None]:
    """Turn a body that is not what the API documents into `SmartcarResponseError`."""
    try:
        yield
    except j.ShapeError as err:
        raise SmartcarResponseError(
            f"{where}: {err}", status=answer.status, request_id=answer.meta.request_id
        ) from err


def _parse[T](
    answer: _Answer, where: str, parse: Callable[[j.JsonObject, ResponseMeta], T]
) -> T:
    """Run a parser on an answer's JSON object; a wrong shape becomes `SmartcarResponseError`."""
    with _shape_checked(answer, where):
        return parse(j.as_object(answer.body, where), answer.meta)


def _required(name: str, value: object) -> str:
    """Refuse an empty id or token before anything is sent."""
    if not isinstance(value, str) or not value.strip():
        raise SmartcarInvalidInputError(f"{name} must be a non-empty string")
    return value


def _segment(name: str, value: object) -> str:
    """Check and percent-encode a path segment from user input (non-empty, no dot segment)."""
    text = _required(name, value)
    if text in {".", ".."}:
        raise SmartcarInvalidInputError(f"{name} is not a valid identifier")
    return quote(text, safe="")


def _url(origin: str, *segments: str) -> URL:
    """`origin/segment/...`; segments are already encoded."""
    return URL(origin.rstrip("/") + "/" + "/".join(segments), encoded=True)


def _in_range(name: str, value: object, low: float, high: float) -> float:
    """Check a finite number within [low, high]; refuse it before anything is sent."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SmartcarInvalidInputError(f"{name} must be a number")
    if not math.isfinite(value) or not low <= value <= high:
        raise SmartcarInvalidInputError(f"{name} must be between {low:g} and {high:g}")
    return float(value)


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


class SmartcarClient:
    """Smartcar Vehicle API client for one user or one application (one token source).

    v2 calls use a per-user Connect token. v3 calls (signals, commands) also name the
    Smartcar user in the `sc-user-id` header: the user this client is bound to (`user_id=`,
    `for_user`), or a per-call `user_id=` that takes precedence. Without either the header is
    left out (a per-user Connect token carries its user; an application token then gets
    `400 VALIDATION:MISSING_PARAMETER`).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        get_access_token: TokenProvider,
        *,
        origins: Origins | None = None,
        timeout: float = 310,
        user_id: str | None = None,
        command_wait: float = COMMAND_WAIT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        """Use `session` for every request and `get_access_token()` before each one.

        `command_wait` bounds how long a 202 command is followed; `clock` (monotonic seconds)
        and `sleep` measure and spend that time (tests inject both).
        """
        self._session = session
        self._timeout_seconds = timeout
        self._transport = _Transport(session, timeout)
        self._get_access_token = get_access_token
        self.origins = origins or Origins.from_environment()
        self.user_id = None if user_id is None else _required("user_id", user_id)
        self._command_wait = command_wait
        self._clock = clock
        self._sleep = sleep

    def __repr__(self) -> str:
        """Name the origin and the bound user (an id, not a secret); never a token."""
        return (
            f"SmartcarClient(api_v3={self.origins.api_v3!r}, user_id={self.user_id!r})"
        )

    def for_user(self, user_id: str) -> SmartcarClient:
        """Return the same client (session, token source, origins) bound to one user."""
        return SmartcarClient(
            self._session,
            self._get_access_token,
            origins=self.origins,
            timeout=self._timeout_seconds,
            user_id=user_id,
            command_wait=self._command_wait,
            clock=self._clock,
            sleep=self._sleep,
        )

    def _user(self, user_id: str | None) -> str | None:
        """Pick the `sc-user-id`: the per-call user, else the bound one, else none."""
        if user_id is not None:
            return _required("user_id", user_id)
        return self.user_id

    # --- plumbing ---

    async def _v2(
        self,
        method: str,
        url: URL,
        *,
        json_body: object = None,
        allow_empty: bool = False,
    ) -> _Answer:
        headers = {"sc-unit-system": UNIT_SYSTEM, "Accept": "application/json"}
        return await send_authorized(
            self._transport,
            self._get_access_token,
            method,
            url,
            headers=headers,
            json_body=json_body,
            allow_empty=allow_empty,
        )

    async def _v3(
        self,
        url: URL,
        *,
        method: str = "GET",
        user_id: str | None = None,
        json_body: object = None,
        allow_empty: bool = False,
    ) -> _Answer:
        """One v3 request; `user_id` (already resolved) goes in `sc-user-id`."""
        headers = {"Accept": "application/json"}
        if user_id is not None:
            headers[USER_ID_HEADER] = user_id
        return await send_authorized(
            self._transport,
            self._get_access_token,
            method,
            url,
            headers=headers,
            json_body=json_body,
            allow_empty=allow_empty,
        )

    def _v2_url(self, *segments: str) -> URL:
        return _url(self.origins.api, API_VERSION, *segments)

    def _vehicle_url(self, vehicle_id: str, *segments: str) -> URL:
        return self._v2_url("vehicles", _segment("vehicle_id", vehicle_id), *segments)

    async def _read[T](
        self,
        vehicle_id: str,
        path: str,
        parse: Callable[[j.JsonObject, ResponseMeta], T],
    ) -> T:
        segments = [segment for segment in path.split("/") if segment]
        answer = await self._v2("GET", self._vehicle_url(vehicle_id, *segments))
        return _parse(answer, path or "vehicle", parse)

    async def _command(
        self, vehicle_id: str, path: str, body: Mapping[str, object]
    ) -> CommandResult:
        segments = [segment for segment in path.split("/") if segment]
        answer = await self._v2(
            "POST", self._vehicle_url(vehicle_id, *segments), json_body=body
        )
        return _parse(answer, path, parse_command)

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
        return replace(result, billed_requests=len(wanted))

    # --- v3 ---
    def _v3_vehicle_url(self, vehicle_id: str, *segments: str) -> URL:
        return _url(
            self.origins.api_v3,
            API_V3_VERSION,
            "vehicles",
            _segment("vehicle_id", vehicle_id),
            *segments,
        )

    async def get_vehicle_v3(self, vehicle_id: str) -> VehicleAttributes:
        """GET v3 /vehicles/{id}: make, model, year, powertrainType, mode (no `sc-user-id`)."""
        answer = await self._v3(self._v3_vehicle_url(vehicle_id))
        return _parse(answer, "vehicle", parse_vehicle_attributes)

    async def get_signals(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> StateResult:
        """GET v3 /vehicles/{id}/signals, every page, mapped through signals.SIGNALS.

        Asks for the largest page Smartcar allows: every page is a request the car's monthly
        quota may be billed for, and a car's signals fit in one page of 100. Sends
        `sc-user-id` (see the class).
        """
        user = self._user(user_id)
        url = self._v3_vehicle_url(vehicle_id, "signals").with_query(
            pageSize=SIGNALS_PAGE_SIZE
        )
        first, items, next_url = await self._signals_page(url, user)
        seen = {url}
        while next_url is not None and next_url not in seen and len(seen) < MAX_PAGES:
            seen.add(next_url)
            _answer, more, next_url = await self._signals_page(next_url, user)
            items += more
        return replace(self._signals_result(items, first), billed_requests=len(seen))

    async def _signals_page(
        self, url: URL, user_id: str | None
    ) -> tuple[_Answer, tuple[object, ...], URL | None]:
        """One page of signals and the URL of the next page (None after the last)."""
        answer = await self._v3(url, user_id=user_id)
        with _shape_checked(answer, "signals"):
            body = j.as_object(answer.body, "signals")
            page = tuple(j.as_list(body.get("data"), "data"))
            next_url = self._next_page(url, body) if page else None
        return answer, page, next_url

    async def get_signal(
        self, vehicle_id: str, code: str, *, user_id: str | None = None
    ) -> StateResult:
        """GET v3 /vehicles/{id}/signals/{code}: one signal (an error signal lands in `errors`)."""
        answer = await self._v3(
            self._v3_vehicle_url(vehicle_id, "signals", _segment("code", code)),
            user_id=self._user(user_id),
        )
        with _shape_checked(answer, "signal"):
            body = j.as_object(answer.body, "signal")
        return self._signals_result([j.opt_object(body, "data") or body], answer)

    def _signals_result(self, items: Sequence[object], answer: _Answer) -> StateResult:
        with _shape_checked(answer, "signals"):
            result = parse_signals(items, answer.meta)
        if result.meta.data_age is None and result.state.data_age is not None:
            result = replace(
                result, meta=replace(result.meta, data_age=result.state.data_age)
            )
        return result

    def _next_page(self, current: URL, body: j.JsonObject) -> URL | None:
        """`links.next` when it stays on the v3 origin, else the next page by `meta` counts."""
        return next_page(current, body, self.origins.api_v3)

    def _v3_link(self, link: str) -> URL | None:
        """Resolve a link of a v3 answer on the v3 origin; None when it points elsewhere."""
        return link_on(self.origins.api_v3, link)

    # --- v3 connections (application token) ---
    async def list_connections_v3(
        self,
        *,
        user_id: str | None = None,
        vehicle_id: str | None = None,
        mode: str | None = None,
        external_user_id: str | None = None,
    ) -> tuple[Connection, ...]:
        """GET v3 /connections, every page, filtered as documented (`filter[userId]`, ...).

        Smartcar's default mode filter is `live`: pass `mode="simulated"` for simulated cars.
        """
        filters = {
            CONNECTION_FILTERS[name]: _required(name, value)
            for name, value in (
                ("user_id", user_id),
                ("vehicle_id", vehicle_id),
                ("mode", mode),
                ("external_user_id", external_user_id),
            )
            if value is not None
        }
        url = _url(self.origins.api_v3, API_V3_VERSION, "connections").update_query(
            {**filters, "page[number]": 1, "page[size]": CONNECTIONS_PAGE_SIZE}
        )
        connections: list[Connection] = []
        seen: set[URL] = set()
        next_url: URL | None = url
        while next_url is not None and next_url not in seen and len(seen) < MAX_PAGES:
            seen.add(next_url)
            answer = await self._v3(next_url)
            with _shape_checked(answer, "connections"):
                body = j.as_object(answer.body, "connections")
                items = j.as_list(body.get("data"), "data")
                connections.extend(parse_connection_v3(item) for item in items)
                next_url = self._next_page(next_url, body) if items else None
        return tuple(connections)

    async def get_connection_v3(self, connection_id: str) -> Connection:
        """GET v3 /connections/{connectionId} (the connection's id, not the vehicle's)."""
        url = _url(
            self.origins.api_v3,
            API_V3_VERSION,
            "connections",
            _segment("connection_id", connection_id),
        )
        answer = await self._v3(url)
        with _shape_checked(answer, "connection"):
            body = j.as_object(answer.body, "connection")
            return parse_connection_v3(j.opt_object(body, "data") or body)

    # --- v3 commands (sc-user-id) ---
    async def run_command_v3(
        self,
        vehicle_id: str,
        command: V3Command,
        *,
        attributes: Mapping[str, object] | None = None,
        user_id: str | None = None,
    ) -> CommandExecution:
        """POST v3 /vehicles/{id}/commands/<group>/<action> and follow it to its outcome.

        200 is done; a 202 is read for its outcome and, while it says the command still runs,
        read again where its `Location` header or `links.self` points (on the v3 origin only),
        every `Retry-After` seconds (else 5 s), until `command_wait` has passed: then PENDING.
        A 202 that gives nowhere to look is PENDING at once. HTTP errors raise as always
        (a car's refusal is a `VehicleStateError` with its code and description).
        """
        command = V3Command(command)
        user = self._user(user_id)
        url = self._v3_vehicle_url(vehicle_id, "commands", *command.value.split("/"))
        body = {"data": {"attributes": dict(attributes)}} if attributes else None
        started = self._clock()
        answer = await self._v3(
            url, method="POST", user_id=user, json_body=body, allow_empty=True
        )
        result = self._command_result(answer, command)
        while result.outcome is CommandOutcome.PENDING:
            target = self._command_follow_url(answer)
            if target is None:
                return result
            pause = _retry_after(answer.headers) or COMMAND_POLL_SECONDS
            if self._clock() + pause - started > self._command_wait:
                return result
            await self._sleep(pause)
            answer = await self._v3(target, user_id=user, allow_empty=True)
            result = self._command_result(answer, command)
        return result

    def _command_result(self, answer: _Answer, command: V3Command) -> CommandExecution:
        with _shape_checked(answer, "command"):
            return parse_command_execution(
                answer.body,
                http_status=answer.status,
                meta=answer.meta,
                command=command,
            )

    def _command_follow_url(self, answer: _Answer) -> URL | None:
        location = answer.headers.get("Location") if answer.headers else None
        with _shape_checked(answer, "command"):
            link = location or follow_link(answer.body)
        return self._v3_link(link) if link else None

    async def lock_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/security/lock."""
        return await self.run_command_v3(vehicle_id, V3Command.LOCK, user_id=user_id)

    async def unlock_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/security/unlock."""
        return await self.run_command_v3(vehicle_id, V3Command.UNLOCK, user_id=user_id)

    async def start_charge_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge/start."""
        return await self.run_command_v3(
            vehicle_id, V3Command.START_CHARGE, user_id=user_id
        )

    async def stop_charge_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge/stop."""
        return await self.run_command_v3(
            vehicle_id, V3Command.STOP_CHARGE, user_id=user_id
        )

    async def set_charge_limit_v3(
        self, vehicle_id: str, percent: float, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge/set-limit `{percent}`: a whole 50-100, checked first."""
        _segment("vehicle_id", vehicle_id)
        low, high = CHARGE_LIMIT_PERCENT_RANGE
        value = _in_range("percent", percent, low, high)
        if not value.is_integer():
            raise SmartcarInvalidInputError("percent must be a whole number")
        return await self.run_command_v3(
            vehicle_id,
            V3Command.SET_CHARGE_LIMIT,
            attributes={"percent": int(value)},
            user_id=user_id,
        )

    async def send_destination_v3(
        self,
        vehicle_id: str,
        latitude: float,
        longitude: float,
        *,
        user_id: str | None = None,
    ) -> CommandExecution:
        """POST v3 …/commands/navigation/set-destination (degrees, checked first)."""
        _segment("vehicle_id", vehicle_id)
        attributes = {
            "latitude": _in_range("latitude", latitude, -90, 90),
            "longitude": _in_range("longitude", longitude, -180, 180),
        }
        return await self.run_command_v3(
            vehicle_id,
            V3Command.SET_DESTINATION,
            attributes=attributes,
            user_id=user_id,
        )

    async def open_charge_port_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge-port/open."""
        return await self.run_command_v3(
            vehicle_id, V3Command.OPEN_CHARGE_PORT, user_id=user_id
        )

    async def close_charge_port_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge-port/close."""
        return await self.run_command_v3(
            vehicle_id, V3Command.CLOSE_CHARGE_PORT, user_id=user_id
        )

    # --- commands (v2) ---
    async def lock(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/security `{"action": "LOCK"}`."""
        return await self._command(vehicle_id, "/security", {"action": "LOCK"})

    async def unlock(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/security `{"action": "UNLOCK"}`."""
        return await self._command(vehicle_id, "/security", {"action": "UNLOCK"})

    async def start_charge(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/charge `{"action": "START"}`."""
        return await self._command(vehicle_id, "/charge", {"action": "START"})

    async def stop_charge(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/charge `{"action": "STOP"}`."""
        return await self._command(vehicle_id, "/charge", {"action": "STOP"})

    async def set_charge_limit(self, vehicle_id: str, limit: float) -> CommandResult:
        """POST /charge/limit; `limit` is a fraction 0.5-1.0, refused before any request if not."""
        _segment("vehicle_id", vehicle_id)
        low, high = CHARGE_LIMIT_RANGE
        value = _in_range("limit", limit, low, high)
        return await self._command(vehicle_id, "/charge/limit", {"limit": value})

    async def send_destination(
        self, vehicle_id: str, latitude: float, longitude: float
    ) -> CommandResult:
        """POST /vehicles/{id}/navigation/destination (degrees, checked before sending)."""
        _segment("vehicle_id", vehicle_id)
        body = {
            "latitude": _in_range("latitude", latitude, -90, 90),
            "longitude": _in_range("longitude", longitude, -180, 180),
        }
        return await self._command(vehicle_id, "/navigation/destination", body)

    async def disconnect(self, vehicle_id: str) -> CommandResult:
        """DELETE /vehicles/{id}/application: revoke this application's access to the car."""
        answer = await self._v2("DELETE", self._vehicle_url(vehicle_id, "application"))
        return _parse(answer, "application", parse_command)

    async def subscribe_webhook(
        self, vehicle_id: str, webhook_id: str
    ) -> WebhookSubscription:
        """POST /vehicles/{id}/webhooks/{webhookId}."""
        url = self._vehicle_url(
            vehicle_id, "webhooks", _segment("webhook_id", webhook_id)
        )
        answer = await self._v2("POST", url)
        return _parse(answer, "webhooks", parse_webhook_subscription)


def link_on(origin: str, link: str) -> URL | None:
    """Resolve a link of a v3 answer on `origin`; None when it points elsewhere.

    Smartcar's links are absolute or relative to the versioned base (`/vehicles/{id}/signals
    ?page=2`); a link to another origin would receive our token, so it is never followed.
    """
    target = URL(link, encoded=True)
    if not target.absolute:
        versioned = f"/{API_V3_VERSION}/"
        path = link if link.startswith(versioned) else versioned + link.lstrip("/")
        return URL(origin.rstrip("/") + path, encoded=True)
    if target.origin() == URL(origin).origin():
        return target
    _LOGGER.debug("ignoring a link outside %s", URL(origin).host)
    return None


def next_page(current: URL, body: j.JsonObject, origin: str) -> URL | None:
    """Find the next page of a v3 list: `links.next` on `origin`, else by `meta` counts.

    `meta.page` goes with `?page=&pageSize=` [S15-net], JSON:API `meta.pageNumber` with
    `?page[number]=&page[size]=` [S19], [T4]: the next page is asked the way this one was.
    None after the last page.
    """
    links = j.opt_object(body, "links")
    next_link = j.opt_str(links, "next") if links else None
    if next_link and (target := link_on(origin, next_link)) is not None:
        return target
    meta = j.opt_object(body, "meta")
    if meta is None:
        return None
    number_key, size_key = "page", "pageSize"
    page = j.opt_int(meta, "page")
    if page is None:
        number_key, size_key = "page[number]", "page[size]"
        page = j.opt_int(meta, "pageNumber")
    size = j.opt_int(meta, "pageSize")
    total = j.opt_int(meta, "totalCount")
    if page is None or not size or total is None or page * size >= total:
        return None
    return current.update_query({number_key: page + 1, size_key: size})


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` seconds of an answer, if it sent one."""
    value = headers.get("Retry-After") if headers else None
    return parse_retry_after(value) if value else None


def _day(value: date) -> date:
    """Return the day of a date or datetime."""
    return value.date() if isinstance(value, datetime) else value


class SmartcarAuth:
    """The OAuth token endpoint, with client credentials in an HTTP Basic header."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        origins: Origins | None = None,
        timeout: float = 60,
    ) -> None:
        """Keep the credentials; they only ever travel in the `Authorization` header."""
        self._authorization = basic_auth_header(
            _required("client_id", client_id), _required("client_secret", client_secret)
        )
        self._transport = _Transport(session, timeout)
        self.origins = origins or Origins.from_environment()

    def __repr__(self) -> str:
        """Never show the credentials."""
        return f"SmartcarAuth(token_url={self.origins.token_url!r})"

    async def exchange_code(self, code: str, redirect_uri: str) -> Token:
        """Trade an authorization code (valid 10 minutes) for tokens."""
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": _required("code", code),
                "redirect_uri": _required("redirect_uri", redirect_uri),
            }
        )

    async def refresh(self, refresh_token: str) -> Token:
        """Trade a refresh token for a new pair (the old refresh token stops working soon after)."""
        return await self._token_request(
            {
                "grant_type": "refresh_token",
                "refresh_token": _required("refresh_token", refresh_token),
            }
        )

    async def _token_request(self, form: Mapping[str, str]) -> Token:
        answer = await self._transport.send(
            "POST",
            URL(self.origins.token_url),
            headers={
                "Authorization": self._authorization,
                "Accept": "application/json",
            },
            form=dict(form),
        )
        return _parse(answer, "token", lambda body, _meta: parse_token(body))


class SmartcarManagement:
    """The Management API (Basic `default:<management token>`) and unsubscribing from webhooks."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        management_token: str,
        *,
        origins: Origins | None = None,
        timeout: float = 60,
    ) -> None:
        """Keep the management token; it only ever travels in the `Authorization` header."""
        token = _required("management_token", management_token)
        self._authorization = basic_auth_header("default", token)
        # Unsubscribing from a webhook takes the same token as a bearer, on the vehicle API.
        self._bearer_authorization = f"Bearer {token}"
        self._transport = _Transport(session, timeout)
        self.origins = origins or Origins.from_environment()

    def __repr__(self) -> str:
        """Never show the token."""
        return f"SmartcarManagement(origin={self.origins.management!r})"

    def _connections_url(self, vehicle_id: str | None, user_id: str | None) -> URL:
        url = _url(self.origins.management, API_VERSION, "management", "connections")
        query: dict[str, str] = {}
        if vehicle_id is not None:
            query[MANAGEMENT_PARAMS["vehicle_id"]] = _required("vehicle_id", vehicle_id)
        if user_id is not None:
            query[MANAGEMENT_PARAMS["user_id"]] = _required("user_id", user_id)
        return url.update_query(query) if query else url

    async def _send(self, method: str, url: URL) -> _Answer:
        headers = {"Authorization": self._authorization, "Accept": "application/json"}
        return await self._transport.send(method, url, headers=headers)

    async def unsubscribe_webhook(self, vehicle_id: str, webhook_id: str) -> None:
        """DELETE {api}/v2.0/vehicles/{id}/webhooks/{webhookId} (`Bearer <management token>`)."""
        url = _url(
            self.origins.api,
            API_VERSION,
            "vehicles",
            _segment("vehicle_id", vehicle_id),
            "webhooks",
            _segment("webhook_id", webhook_id),
        )
        headers = {
            "Authorization": self._bearer_authorization,
            "Accept": "application/json",
        }
        await self._transport.send("DELETE", url, headers=headers, allow_empty=True)

    async def list_connections(
        self, *, vehicle_id: str | None = None, user_id: str | None = None
    ) -> tuple[Connection, ...]:
        """GET /v2.0/management/connections, every page (follows `paging.cursor`)."""
        url = self._connections_url(vehicle_id, user_id)
        connections: list[Connection] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page_url = (
                url.update_query({MANAGEMENT_PARAMS["cursor"]: cursor})
                if cursor
                else url
            )
            answer = await self._send("GET", page_url)
            with _shape_checked(answer, "connections"):
                body = j.as_object(answer.body, "connections")
                items = j.opt_list(body, "connections") or ()
                connections.extend(parse_connection(item) for item in items)
                paging = j.opt_object(body, "paging")
                cursor = j.opt_str(paging, "cursor") if paging else None
            if not cursor or not items or cursor in seen:
                break
            seen.add(cursor)
        return tuple(connections)

    async def delete_connections(
        self, *, vehicle_id: str | None = None, user_id: str | None = None
    ) -> tuple[Connection, ...]:
        """DELETE /v2.0/management/connections for one vehicle or one user (exactly one filter)."""
        if (vehicle_id is None) == (user_id is None):
            raise SmartcarInvalidInputError("give exactly one of vehicle_id or user_id")
        answer = await self._send("DELETE", self._connections_url(vehicle_id, user_id))
        with _shape_checked(answer, "connections"):
            body = j.as_object(answer.body, "connections")
            return tuple(
                parse_connection(item) for item in j.opt_list(body, "connections") or ()
            )
