"""One coordinator per car: decides what to read, reads it in one request, merges the result."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, override

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
    ServiceValidationError,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.client import BATCH_PATHS, SmartcarClient
from .api.errors import (
    AuthenticationError,
    BillingError,
    ConnectedServicesAccountError,
    GatewayTimeoutError,
    NotCapableError,
    RateLimitError,
    ResourceNotFoundError,
    ServerError,
    SmartcarConnectionError,
    SmartcarError,
    SmartcarInvalidInputError,
    SmartcarPermissionError,
    UpstreamError,
    ValidationError,
    VehicleStateError,
    describe_error,
)
from .api.models import (
    CommandResult,
    ServiceHistory,
    StateResult,
    VehicleAttributes,
    VehicleState,
    field_of,
)
from .api.parsers import PATH_READERS
from .api.signals import SIGNALS
from .budget import poll_interval, polls_left, time_until_next_period
from .const import (
    CONF_PERMISSIONS,
    CONF_READ_PATH,
    CONF_VEHICLES,
    DOMAIN,
    LOGGER,
    PATH_SCOPES,
    SIGNALS_ENDPOINT,
    SMARTCAR_DASHBOARD_URL,
    VEHICLE_MAKE,
    VEHICLE_MODEL,
    VEHICLE_UNSUPPORTED,
    VEHICLE_YEAR,
    ReadPath,
    scopes_for,
)
from .models import SmartcarConfigEntry

# VEHICLE_STATE codes with their own translated message; any other code gets a generic one.
VEHICLE_STATE_CODES = frozenset(
    {
        "ASLEEP",
        "CHARGE_FAULT",
        "CHARGING_IN_PROGRESS",
        "CHARGING_PLUG_CONNECTED",
        "CHARGING_PLUG_NOT_CONNECTED",
        "DOOR_OPEN",
        "FULLY_CHARGED",
        "HOOD_OPEN",
        "IGNITION_ON",
        "IN_MOTION",
        "NOT_CHARGING",
        "REMOTE_ACCESS_DISABLED",
        "TRUNK_OPEN",
        "UNKNOWN",
        "UNREACHABLE",
        "VEHICLE_OFFLINE_FOR_SERVICE",
    }
)
# Without a Retry-After, the wait after each further 429 doubles, from the scheduled interval up
# to this; the schedule itself is never shortened (RATE_LIMIT:SMARTCAR_API is app-wide).
RATE_LIMIT_BACKOFF_MAX = timedelta(hours=6)
# Failures of Smartcar or the carmaker that pass: the car keeps its last values meanwhile.
PASSING_FAILURES = (
    UpstreamError,
    GatewayTimeoutError,
    ServerError,
    SmartcarConnectionError,
)
# Answers for a v2 path or a v3 signal meaning it will not be answered: never retried, its values
# are dropped (PERMISSION may be granted again by a reauthentication).
UNANSWERABLE = (NotCapableError, ResourceNotFoundError, ValidationError)
# Fields no feature shows: not kept, so neither are they in diagnostics (Smartcar may push them).
NOT_KEPT = frozenset({"vin"})
# A car that moved more than about 100 m between polls is moving (3 decimals of a degree).
_MOVING_PRECISION = 3

ISSUE_BILLING = "billing_limit"
ISSUE_BUDGET = "request_budget_exhausted"
ISSUE_ACCOUNT = "connected_services_account"
# Key of the issues' data naming the config entry they belong to.
ISSUE_ENTRY_ID = "entry_id"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Read:
    """What one read brought: values, fields whose source is gone, a rate limit on a path."""

    state: VehicleState
    cleared: frozenset[str] = frozenset()
    rate_limit: RateLimitError | None = None


def is_billed(err: SmartcarError) -> bool:
    """Return whether Smartcar counted the failed request against the car's monthly limit."""
    return err.status is not None and not isinstance(
        err, AuthenticationError | RateLimitError | BillingError
    )


def _vehicle_state_error(err: VehicleStateError) -> HomeAssistantError:
    code = err.code or "UNKNOWN"
    key = (
        f"vehicle_state_{code.lower()}"
        if code in VEHICLE_STATE_CODES
        else "vehicle_state"
    )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders={"code": code},
    )


def _failure_name(err: SmartcarError) -> str:
    """Name a failure for messages: Smartcar's type and code, never the description text."""
    return err.kind or type(err).__name__


class SmartcarCoordinator(DataUpdateCoordinator[VehicleState]):
    """Reads one car on the schedule its request budget allows, and sends it commands."""

    config_entry: SmartcarConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: SmartcarConfigEntry, vehicle_id: str
    ) -> None:
        """Create the coordinator; the first refresh loads the car's permissions and attributes."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {vehicle_id}",
            update_interval=entry.runtime_data.policy.min_interval,
            always_update=False,
        )
        self.vehicle_id = vehicle_id
        self.permissions: frozenset[str] | None = None
        self.attributes: VehicleAttributes | None = None
        # Serialises the commands sent to this car.
        self.command_lock = asyncio.Lock()
        # Batch paths that answered once (the rest are still worth asking to find out what exists).
        self._answered_paths: set[str] = set()
        # Answered 403 in this session: a reauthentication may grant them again.
        self._denied_paths: set[str] = set()
        # 429s in a row: each one doubles the wait.
        self._rate_limited_times = 0
        # While a poll is in flight, what commands and pushes showed meanwhile: the poll's answer
        # may be older, so these stay on top of it.
        self._writes_during_poll: VehicleState | None = None
        # Why the last poll could not read the car (its values may have been kept).
        self._last_read_error: SmartcarError | None = None

    # --- what is known about the car ---------------------------------------------------------

    @property
    def vehicle_name(self) -> str:
        """Make and model, for messages; the id when they are not known."""
        attributes = self.attributes
        parts = (attributes.make, attributes.model) if attributes is not None else ()
        return " ".join(part for part in parts if part) or self.vehicle_id

    @property
    def unsupported(self) -> frozenset[str]:
        """Endpoints this car answered with 501 COMPATIBILITY: never asked again."""
        row = self.config_entry.data.get(CONF_VEHICLES, {}).get(self.vehicle_id, {})
        return frozenset(row.get(VEHICLE_UNSUPPORTED, ()))

    def has_permissions(self, scopes: frozenset[str]) -> bool:
        """Return whether every scope was granted for this car."""
        return self.permissions is not None and scopes <= self.permissions

    @property
    def read_path(self) -> ReadPath:
        """The way this car is read: the entry's choice, unless the car cannot do v3 signals."""
        if self.config_entry.runtime_data.read_path is ReadPath.BATCH:
            return ReadPath.BATCH
        if SIGNALS_ENDPOINT in self.unsupported:
            return ReadPath.BATCH
        return ReadPath.SIGNALS

    def batch_paths(self) -> tuple[str, ...]:
        """Return the v2 paths worth a request: granted, supported, needed by an entity or new."""
        permissions = self.permissions or frozenset()
        unsupported = self.unsupported
        candidates = {
            path
            for path, scope in PATH_SCOPES.items()
            if scope in permissions
            and path not in unsupported
            and path not in self._denied_paths
        }
        # Entities listen with their path as context; disabled entities do not listen.
        needed = set(self.async_contexts()) | (candidates - self._answered_paths)
        return tuple(path for path in BATCH_PATHS if path in candidates & needed)

    def poll_cost(self) -> int:
        """Billed requests one poll costs now: one for v3 (one page), one per path for v2 batch."""
        if self.read_path is ReadPath.SIGNALS or self.permissions is None:
            return 1
        return len(self.batch_paths())

    # --- polling -----------------------------------------------------------------------------

    @override
    async def _async_update_data(self) -> VehicleState:
        """Read the car once, within its budget; passing failures keep the last values."""
        now = dt_util.utcnow()
        self._writes_during_poll = VehicleState()
        self._last_read_error = None
        try:
            return await self.config_entry.runtime_data.tokens.async_authorized(
                lambda: self._async_poll(now)
            )
        except SmartcarError as err:
            self._last_read_error = err
            return self._async_read_failed(now, err)
        finally:
            self._writes_during_poll = None

    async def _async_poll(self, now: datetime) -> VehicleState:
        """Learn the car once, check the budget, read, and merge what came back."""
        runtime = self.config_entry.runtime_data
        if self.permissions is None:
            await self._async_load_permissions()
        if self.attributes is None:
            await self._async_load_attributes(now)
        usage = runtime.ledger.usage(self.vehicle_id, now)
        cost = self.poll_cost()
        exhausted = cost > 0 and polls_left(runtime.policy, usage.used, cost) == 0
        self._async_sync_period_issues(
            billing=usage.billing_blocked,
            budget=exhausted and not usage.billing_blocked,
        )
        if usage.billing_blocked or exhausted:
            self.update_interval = time_until_next_period(now)
            return self.data or VehicleState()
        if cost == 0:
            # No enabled entity needs data: wait as long as a one-request poll would.
            self.update_interval = poll_interval(
                runtime.policy, used=usage.used, cost=1, now=now
            )
            return self.data or VehicleState()
        read = await self._async_read(now)
        ir.async_delete_issue(self.hass, DOMAIN, f"{ISSUE_ACCOUNT}_{self.vehicle_id}")
        # Merge into what is shown now, not what was shown when the poll started.
        current = self.data or VehicleState()
        state = (
            current.without(read.cleared)
            .merge(read.state.without(NOT_KEPT))
            .merge(self._writes_during_poll or VehicleState())
        )
        scheduled = self._async_schedule_next(now, state, current)
        if read.rate_limit is not None:
            self._async_back_off(scheduled, read.rate_limit)
        else:
            self._rate_limited_times = 0
        return state

    def _async_read_failed(self, now: datetime, err: SmartcarError) -> VehicleState:
        """Keep the last values when the failure passes; raise when entities must show it."""
        current: VehicleState | None = self.data
        # The next poll comes at the budget's pace, whatever the last one met.
        scheduled = self._async_schedule_next(
            now, current or VehicleState(), current or VehicleState()
        )
        if isinstance(err, BillingError):
            self._async_billing_refused(now)
            LOGGER.warning(
                "Smartcar refused requests for %s (%s); polling stops until the next month",
                self.vehicle_id,
                _failure_name(err),
            )
            return current or VehicleState()
        if isinstance(err, VehicleStateError):
            # A sleeping, unreachable or busy car is no outage.
            LOGGER.debug("%s is %s; keeping its last values", self.vehicle_id, err.code)
            return current or VehicleState()
        if isinstance(err, PASSING_FAILURES) and current is not None:
            LOGGER.info(
                "Reading %s failed (%s); keeping its last values until the next poll",
                self.vehicle_id,
                describe_error(err),
            )
            return current
        if isinstance(err, RateLimitError):
            wait = self._async_back_off(scheduled, err)
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="rate_limited",
                translation_placeholders={
                    "minutes": str(round(wait.total_seconds() / 60))
                },
            ) from err
        raise self._update_error(err) from err

    async def _async_load_permissions(self) -> None:
        """Learn what the owner granted for this car (not billed)."""
        client = self.config_entry.runtime_data.client
        try:
            permissions = (await client.get_permissions(self.vehicle_id)).permissions
        except SmartcarPermissionError, ResourceNotFoundError, NotCapableError:
            # Fall back to what the owner chose in the flow.
            permissions = scopes_for(self.config_entry.data.get(CONF_PERMISSIONS, []))
        self.permissions = frozenset(permissions)

    async def _async_load_attributes(self, now: datetime) -> None:
        """Learn the car's make, model and year once; the entry keeps them across restarts.

        Read with v2, which every application has: v3 may not be enabled.
        """
        row = self.config_entry.data.get(CONF_VEHICLES, {}).get(self.vehicle_id, {})
        if VEHICLE_MAKE in row:
            self.attributes = VehicleAttributes(
                id=self.vehicle_id,
                make=row[VEHICLE_MAKE],
                model=row[VEHICLE_MODEL],
                year=row[VEHICLE_YEAR],
            )
            return
        client = self.config_entry.runtime_data.client
        self.attributes = await self._async_billed(
            now, client.get_attributes(self.vehicle_id)
        )
        self._async_store_vehicle_row(
            {
                VEHICLE_MAKE: self.attributes.make,
                VEHICLE_MODEL: self.attributes.model,
                VEHICLE_YEAR: self.attributes.year,
            }
        )

    async def _async_read(self, now: datetime) -> _Read:
        """Read the car in one request: v3 signals, or v2 batch of the paths that matter."""
        client = self.config_entry.runtime_data.client
        if self.read_path is ReadPath.SIGNALS:
            try:
                result = await self._async_billed(
                    now, client.get_signals(self.vehicle_id)
                )
            except NotCapableError:
                LOGGER.info(
                    "%s cannot be read with v3 signals; using v2 batch", self.vehicle_id
                )
                self._async_mark_unsupported({SIGNALS_ENDPOINT})
            except ResourceNotFoundError:
                self._async_use_batch()
            else:
                return _Read(
                    state=result.state, cleared=self._signal_fields_gone(result.errors)
                )
        paths = self.batch_paths()
        if not paths:
            # Only after v3 fell through: a batch poll with nothing to read never gets here.
            return _Read(state=VehicleState())
        result = await self._async_billed(
            now, client.batch(self.vehicle_id, paths), len(paths)
        )
        return self._async_handle_path_errors(now, paths, result)

    def _async_use_batch(self) -> None:
        """Read every car of the entry with v2 from now on, and remember it across restarts."""
        LOGGER.info(
            "This Smartcar application cannot use v3 signals; reading with v2 batch"
        )
        entry = self.config_entry
        entry.runtime_data.read_path = ReadPath.BATCH
        # The owner sees it in the options and may try v3 again there.
        self.hass.config_entries.async_update_entry(
            entry, options={**entry.options, CONF_READ_PATH: ReadPath.BATCH.value}
        )

    def _signal_fields_gone(self, errors: Mapping[str, Exception]) -> frozenset[str]:
        """Return the fields of v3 signals the car no longer gives (not granted, not capable)."""
        gone: set[str] = set()
        for code, err in errors.items():
            if (
                isinstance(err, SmartcarPermissionError | NotCapableError)
                and code in SIGNALS
            ):
                gone |= {field_of(key) for key in SIGNALS[code].fields}
            else:
                LOGGER.debug(
                    "%s: signal %s failed (%s)",
                    self.vehicle_id,
                    code,
                    describe_error(err),
                )
        return frozenset(gone)

    def _async_handle_path_errors(
        self, now: datetime, paths: tuple[str, ...], result: StateResult
    ) -> _Read:
        """Act on each failed path as on a failed request; one never hides the others."""
        errors = result.errors
        self._answered_paths.update(path for path in paths if path not in errors)
        unanswerable = {
            path for path, err in errors.items() if isinstance(err, UNANSWERABLE)
        }
        if unanswerable:
            self._async_mark_unsupported(unanswerable)
        gone = set(unanswerable)
        rate_limit: RateLimitError | None = None
        for path, err in errors.items():
            if isinstance(err, AuthenticationError):
                raise err
            if isinstance(err, SmartcarPermissionError):
                self._denied_paths.add(path)
                gone.add(path)
            elif isinstance(err, BillingError):
                self._async_billing_refused(now)
                LOGGER.warning(
                    "Smartcar refused %s for %s (%s); polling stops until the next month",
                    path,
                    self.vehicle_id,
                    _failure_name(err),
                )
            elif isinstance(err, RateLimitError):
                rate_limit = err
            elif path not in unanswerable:
                LOGGER.debug(
                    "%s: %s failed (%s)", self.vehicle_id, path, describe_error(err)
                )
        cleared = frozenset(
            field for path in gone for field in PATH_READERS[path].fields
        )
        return _Read(state=result.state, cleared=cleared, rate_limit=rate_limit)

    async def _async_billed[T](
        self, now: datetime, request: Awaitable[T], refused_cost: int = 1
    ) -> T:
        """Await a request and count what Smartcar bills for it.

        A read of several things counts what it reports (one per signals page or batch path);
        anything else counts one. A refused request counts `refused_cost` when Smartcar bills
        refusals of that kind.
        """
        try:
            response = await request
        except SmartcarError as err:
            if is_billed(err):
                self._async_record(now, refused_cost)
            raise
        self._async_record(
            now, response.billed_requests if isinstance(response, StateResult) else 1
        )
        return response

    def _async_record(self, now: datetime, requests: int) -> None:
        self.config_entry.runtime_data.ledger.record(self.vehicle_id, requests, now)

    def _async_schedule_next(
        self, now: datetime, state: VehicleState, previous: VehicleState
    ) -> timedelta:
        """Set and return the wait before the next poll from what is left of the month."""
        runtime = self.config_entry.runtime_data
        usage = runtime.ledger.usage(self.vehicle_id, now)
        active = state.is_charging is True or has_moved(previous, state)
        interval = self.update_interval = poll_interval(
            runtime.policy,
            used=usage.used,
            cost=max(self.poll_cost(), 1),
            now=now,
            active=active,
            blocked=usage.billing_blocked,
        )
        LOGGER.debug(
            "%s: %s requests used this month; next poll in %s",
            self.vehicle_id,
            usage.used,
            interval,
        )
        return interval

    def _async_back_off(self, scheduled: timedelta, err: RateLimitError) -> timedelta:
        """Wait longer after a 429: Retry-After, else doubling; never less than `scheduled`."""
        if err.retry_after is not None:
            backoff = timedelta(seconds=err.retry_after)
        else:
            backoff = min(
                scheduled * 2**self._rate_limited_times, RATE_LIMIT_BACKOFF_MAX
            )
        self._rate_limited_times += 1
        # The scheduled interval is already at least the floor (policy.min_interval).
        wait = self.update_interval = max(backoff, scheduled)
        LOGGER.debug("%s: rate limited; next poll in %s", self.vehicle_id, wait)
        return wait

    def _update_error(self, err: SmartcarError) -> Exception:
        """Turn a failed read into Home Assistant's vocabulary."""
        if isinstance(err, AuthenticationError):
            return ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            )
        key, placeholders = self._failure_translation(err, "update_failed")
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )

    def _failure_translation(
        self, err: SmartcarError, fallback: str
    ) -> tuple[str, dict[str, str]]:
        """Return the translation key and placeholders shared by failed reads and commands."""
        if isinstance(err, ConnectedServicesAccountError):
            self._async_account_issue(err)
            return "connected_services_account", {"code": err.code or "ACCOUNT_ISSUE"}
        if isinstance(err, SmartcarPermissionError):
            return "permission_denied", {}
        if isinstance(err, SmartcarConnectionError):
            return "cannot_connect", {}
        return fallback, {"error": _failure_name(err)}

    # --- pushes (webhooks) --------------------------------------------------------------------

    @callback
    def async_push_state(self, state: VehicleState) -> None:
        """Show what Smartcar pushed at once: no request, nothing billed, the next poll waits."""
        # Smartcar read the car, so its carmaker account works again.
        ir.async_delete_issue(self.hass, DOMAIN, f"{ISSUE_ACCOUNT}_{self.vehicle_id}")
        state = state.without(NOT_KEPT)
        self._async_remember_write(state)
        self.async_set_updated_data((self.data or VehicleState()).merge(state))

    @callback
    def _async_remember_write(self, state: VehicleState) -> None:
        """Keep what a command or push showed on top of the answer of a poll in flight."""
        if self._writes_during_poll is not None:
            self._writes_during_poll = self._writes_during_poll.merge(state)

    @callback
    def async_push_error(self, err: SmartcarError, *, resolved: bool) -> None:
        """Handle a condition Smartcar pushed for the car (VEHICLE_ERROR), as a poll would."""
        if isinstance(err, ConnectedServicesAccountError):
            if resolved:
                ir.async_delete_issue(
                    self.hass, DOMAIN, f"{ISSUE_ACCOUNT}_{self.vehicle_id}"
                )
            else:
                self._async_account_issue(err)
            return
        # Anything else is what the next poll would meet; the car keeps its last values.
        LOGGER.debug(
            "Smartcar reports %s for %s%s",
            _failure_name(err),
            self.vehicle_id,
            " (resolved)" if resolved else "",
        )

    # --- commands and actions ----------------------------------------------------------------

    async def async_command(
        self,
        command: Callable[[SmartcarClient, str], Awaitable[CommandResult]],
        applied: VehicleState | None = None,
    ) -> None:
        """Send a command, one at a time per car; on success show its effect at once (no poll).

        `command` is called with the account's client and this car's id, e.g. `SmartcarClient.lock`.
        """
        client = self.config_entry.runtime_data.client
        async with self.command_lock:
            await self._async_call(lambda: command(client, self.vehicle_id))
        if applied is None:
            return
        self._async_remember_write(applied)
        if self.data is not None:
            self.async_set_updated_data(self.data.merge(applied))

    async def async_get_service_history(
        self, start_date: date | None, end_date: date | None
    ) -> ServiceHistory:
        """Read the car's service history (billed as one request)."""
        client = self.config_entry.runtime_data.client
        return await self._async_call(
            lambda: client.get_service_history(
                self.vehicle_id, start_date=start_date, end_date=end_date
            )
        )

    async def _async_call[T](self, request: Callable[[], Awaitable[T]]) -> T:
        """Make one billed request on behalf of the user, failing with a translated message."""
        now = dt_util.utcnow()
        tokens = self.config_entry.runtime_data.tokens
        try:
            return await tokens.async_authorized(
                lambda: self._async_billed(now, request())
            )
        except SmartcarError as err:
            raise self._command_error(err, now) from err
        except OAuth2TokenRequestReauthError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            ) from err
        except OAuth2TokenRequestBaseError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="cannot_connect"
            ) from err

    def _command_error(
        self, err: SmartcarError, now: datetime, fallback: str = "command_failed"
    ) -> HomeAssistantError:
        """Turn a failed request made for the owner into a message they can act on."""
        if isinstance(err, VehicleStateError):
            return _vehicle_state_error(err)
        if isinstance(err, SmartcarInvalidInputError | ValidationError):
            return ServiceValidationError(
                translation_domain=DOMAIN, translation_key="invalid_input"
            )
        if isinstance(err, AuthenticationError):
            self.config_entry.async_start_reauth(self.hass)
            return HomeAssistantError(
                translation_domain=DOMAIN, translation_key="authentication_failed"
            )
        if isinstance(err, BillingError):
            self._async_billing_refused(now)
            return HomeAssistantError(
                translation_domain=DOMAIN, translation_key="billing_limit"
            )
        if isinstance(err, NotCapableError):
            return HomeAssistantError(
                translation_domain=DOMAIN, translation_key="not_capable"
            )
        if isinstance(err, RateLimitError):
            return HomeAssistantError(
                translation_domain=DOMAIN, translation_key="rate_limited_command"
            )
        key, placeholders = self._failure_translation(err, fallback)
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=key,
            translation_placeholders=placeholders,
        )

    async def async_refresh_now(self) -> None:
        """Poll now on request, unless this month's poll allowance is used up."""
        now = dt_util.utcnow()
        runtime = self.config_entry.runtime_data
        usage = runtime.ledger.usage(self.vehicle_id, now)
        if (
            usage.billing_blocked
            or polls_left(runtime.policy, usage.used, self.poll_cost()) == 0
        ):
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="budget_exhausted",
                translation_placeholders={"reset": _reset_date(now)},
            )
        await self.async_refresh()
        # A failed read may have kept the last values: the owner asked for new ones.
        if self._last_read_error is not None:
            raise self._command_error(self._last_read_error, now, "update_failed")
        if not self.last_update_success:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="cannot_connect"
            )

    # --- persistence and repair issues -------------------------------------------------------

    def _async_store_vehicle_row(self, updates: dict[str, Any]) -> None:
        """Keep facts about the car in the entry, so a restart does not pay for them again."""
        entry = self.config_entry
        vehicles = dict(entry.data.get(CONF_VEHICLES, {}))
        vehicles[self.vehicle_id] = {**vehicles.get(self.vehicle_id, {}), **updates}
        self.hass.config_entries.async_update_entry(
            entry, data={**entry.data, CONF_VEHICLES: vehicles}
        )

    def _async_mark_unsupported(self, endpoints: set[str]) -> None:
        LOGGER.info(
            "%s does not support %s; not asking again",
            self.vehicle_id,
            sorted(endpoints),
        )
        self._async_store_vehicle_row(
            {VEHICLE_UNSUPPORTED: sorted(self.unsupported | endpoints)}
        )

    def _async_billing_refused(self, now: datetime) -> None:
        """Stop polling until the next period and tell the owner why."""
        self.config_entry.runtime_data.ledger.block(self.vehicle_id, now)
        self.update_interval = time_until_next_period(now)
        self._async_sync_period_issues(billing=True, budget=False)

    def _async_sync_period_issues(self, *, billing: bool, budget: bool) -> None:
        """Raise or clear the issues that last until the next billing period."""
        now = dt_util.utcnow()
        for issue, active in ((ISSUE_BILLING, billing), (ISSUE_BUDGET, budget)):
            issue_id = f"{issue}_{self.vehicle_id}"
            if not active:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)
                continue
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                issue_id,
                data=self._issue_data,
                is_fixable=False,
                severity=ir.IssueSeverity.ERROR
                if issue == ISSUE_BILLING
                else ir.IssueSeverity.WARNING,
                translation_key=issue,
                translation_placeholders={
                    "vehicle": self.vehicle_name,
                    "reset": _reset_date(now),
                    "dashboard_url": SMARTCAR_DASHBOARD_URL,
                },
                learn_more_url=SMARTCAR_DASHBOARD_URL,
            )

    @property
    def _issue_data(self) -> dict[str, str | int | float | None]:
        """Marks the car's issues as the entry's, so removing the entry removes them."""
        return {ISSUE_ENTRY_ID: self.config_entry.entry_id}

    @callback
    def async_delete_issues(self) -> None:
        """Remove the car's repair issues (it left the account)."""
        for issue in (ISSUE_BILLING, ISSUE_BUDGET, ISSUE_ACCOUNT):
            ir.async_delete_issue(self.hass, DOMAIN, f"{issue}_{self.vehicle_id}")

    def _async_account_issue(self, err: ConnectedServicesAccountError) -> None:
        url = err.resolution.url if err.resolution is not None else None
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            f"{ISSUE_ACCOUNT}_{self.vehicle_id}",
            data=self._issue_data,
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_ACCOUNT,
            translation_placeholders={
                "vehicle": self.vehicle_name,
                "code": err.code or "ACCOUNT_ISSUE",
                "url": url or "-",
            },
            learn_more_url=url,
        )


@callback
def async_delete_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Remove every repair issue the cars of a config entry raised."""
    for (domain, issue_id), issue in list(ir.async_get(hass).issues.items()):
        if domain == DOMAIN and (issue.data or {}).get(ISSUE_ENTRY_ID) == entry_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)


def position(state: VehicleState) -> tuple[float, float] | None:
    """Return the car's (latitude, longitude), when both are known."""
    if state.latitude is None or state.longitude is None:
        return None
    return state.latitude, state.longitude


def has_moved(previous: VehicleState, current: VehicleState) -> bool:
    """Return whether the car moved (its position changed at the third decimal, about 100 m)."""
    before, after = position(previous), position(current)
    if before is None or after is None:
        return False
    return any(
        round(old, _MOVING_PRECISION) != round(new, _MOVING_PRECISION)
        for old, new in zip(before, after, strict=True)
    )


def _reset_date(now: datetime) -> str:
    return (now + time_until_next_period(now) - timedelta(minutes=1)).date().isoformat()
