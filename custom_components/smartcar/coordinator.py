"""One coordinator per car: polls on its own absolute schedule, applies facts, sends commands.

The parts it drives each have one job: `reader` reads (and records what is billed before the
answer is used), `vehicle_data` applies facts, `planner` says when to poll next, `ledger`
counts, `issues` raises repairs, `failures` words errors, `vehicle_store` keeps it all. A failure
never blanks the car: its values stay until their data is really gone.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import date, datetime
from typing import override

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, OAuth2TokenRequestBaseError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api.client import SmartcarClient
from .api.errors import (
    BillingError,
    ConnectedServicesAccountError,
    RateLimitError,
    SmartcarError,
    VehicleStateError,
)
from .api.models import (
    CommandResult,
    Fact,
    ServiceHistory,
    VehicleAttributes,
    VehicleState,
)
from .const import CONF_PERMISSIONS, DOMAIN, LOGGER, ReadPath, scopes_for
from .failures import Failure, failure_name, needs_login, translate
from .issues import ISSUE_ACCOUNT, ISSUE_SIGNALS, VehicleIssues
from .models import SmartcarConfigEntry
from .planner import (
    PollReason,
    PollState,
    back_off,
    plan_next_poll,
    polls_left,
    refresh_refusal,
)
from .reader import (
    BatchReader,
    Reader,
    SignalsReader,
    async_billed,
    async_learn,
    fact_ages_or,
)
from .vehicle_data import has_moved
from .vehicle_store import StoredVehicle

# Plans a manual refresh may push later; any other keeps the poll that was planned.
_BLOCKING = frozenset(
    {PollReason.BILLING, PollReason.BUDGET_EXHAUSTED, PollReason.RATE_LIMITED}
)


class SmartcarCoordinator(DataUpdateCoordinator[VehicleState]):
    """Reads one car when its plan says, keeps its values, and sends it commands."""

    config_entry: SmartcarConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartcarConfigEntry,
        vehicle_id: str,
        stored: StoredVehicle | None = None,
    ) -> None:
        """Start from what was stored; polls come from `async_start`, never a timer of HA's."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {vehicle_id}",
            update_interval=None,
            always_update=False,
        )
        self.vehicle_id = vehicle_id
        self.car = stored or StoredVehicle()
        self.data = self.car.shown.values
        self.issues = VehicleIssues(hass, entry.entry_id, vehicle_id)
        self._timer: CALLBACK_TYPE | None = None
        self._readable = True
        self._command_lock = asyncio.Lock()
        self.last_read_error: Failure | None = None
        client = entry.runtime_data.client
        self._readers: dict[ReadPath, Reader] = {
            ReadPath.SIGNALS: SignalsReader(client, vehicle_id),
            ReadPath.BATCH: BatchReader(client, vehicle_id),
        }

    @property
    def attributes(self) -> VehicleAttributes | None:
        """Make, model and year, once learned."""
        return self.car.profile.attributes

    @property
    def vehicle_name(self) -> str:
        """Make and model, for messages; the id when they are not known."""
        attributes = self.car.profile.attributes
        parts = (attributes.make, attributes.model) if attributes else ()
        return " ".join(part for part in parts if part) or self.vehicle_id

    def has_permissions(self, scopes: frozenset[str]) -> bool:
        """Return whether every scope was granted for this car."""
        return self.car.profile.has_permissions(scopes)

    def read_path(self, now: datetime) -> ReadPath:
        """How the car is read now."""
        return self.car.profile.read_path(self.config_entry.runtime_data.read_path, now)

    def poll_cost(self, now: datetime) -> int:
        """Billed requests one poll costs now."""
        return self.car.profile.poll_cost(
            self.read_path(now), set(self.async_contexts())
        )

    # --- the schedule -------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Arm the stored next poll; one that is due runs now, in the background."""
        due = self.car.poll.next_at
        if due is not None and due > dt_util.utcnow():
            self._arm(due)
            return
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} poll {self.vehicle_id}"
        )

    @callback
    def _arm(self, at: datetime) -> None:
        if self._timer is not None:
            self._timer()
        self._timer = async_track_point_in_utc_time(self.hass, self._async_due, at)

    async def _async_due(self, _now: datetime) -> None:
        self._timer = None
        await self.async_refresh()

    @override
    async def async_shutdown(self) -> None:
        """Stop the timer with the coordinator."""
        if self._timer is not None:
            self._timer()
            self._timer = None
        await super().async_shutdown()

    # --- polling ------------------------------------------------------------------------

    async def _async_record(self, requests: int) -> None:
        ledger = self.config_entry.runtime_data.ledger
        await ledger.async_record(self.vehicle_id, requests, dt_util.utcnow())

    @override
    async def _async_update_data(self) -> VehicleState:
        """Poll once; every failure keeps the values and only changes the plan."""
        now = dt_util.utcnow()
        runtime = self.config_entry.runtime_data
        before = self.car.shown.values
        self.last_read_error = None
        rate_limit: RateLimitError | None = None
        try:
            rate_limit = await runtime.tokens.async_authorized(
                lambda: self._async_poll(now)
            )
        except (SmartcarError, OAuth2TokenRequestBaseError) as err:
            self.last_read_error = err
            rate_limit = err if isinstance(err, RateLimitError) else None
            await self._async_read_failed(now, err)
        else:
            if not self._readable:
                LOGGER.info("%s can be read again", self.vehicle_id)
            self._readable = True
        usage = runtime.ledger.usage(self.vehicle_id, now)
        plan = plan_next_poll(
            runtime.policy,
            now=now,
            used=usage.used,
            cost=max(self.poll_cost(now), 1),
            active=self.car.shown.values.is_charging is True
            or has_moved(before, self.car.shown.values),
            billing_blocked=usage.billing_blocked,
        )
        times = self.car.poll.rate_limited_times
        if rate_limit is not None:
            retry_after = rate_limit.retry_after
            plan = back_off(plan, now=now, retry_after=retry_after, times=times)
        poll = PollState(
            next_at=plan.at,
            reason=plan.reason,
            last_poll=now,
            rate_limited_times=0 if rate_limit is None else times + 1,
            backed_off_until=None if rate_limit is None else plan.at,
        )
        self.car = replace(self.car, poll=poll)
        LOGGER.debug("%s: next poll at %s (%s)", self.vehicle_id, plan.at, plan.reason)
        self._arm(plan.at)
        await runtime.store.async_save(self.vehicle_id, self.car)
        return self.car.shown.values

    async def _async_poll(self, now: datetime) -> RateLimitError | None:
        """Read the car unless the budget or billing says no; apply what came back."""
        runtime = self.config_entry.runtime_data
        usage = runtime.ledger.usage(self.vehicle_id, now)
        cost = self.poll_cost(now)
        exhausted = cost > 0 and polls_left(runtime.policy, usage.used, cost) == 0
        self.issues.sync_period(
            self.vehicle_name, now, billing=usage.billing_blocked, budget=exhausted
        )
        if usage.billing_blocked or exhausted or cost == 0:
            return None
        granted = scopes_for(self.config_entry.data.get(CONF_PERMISSIONS, []))
        profile = await async_learn(
            runtime.client,
            self.vehicle_id,
            self.car.profile,
            granted,
            self._async_record,
        )
        read_path = profile.read_path(runtime.read_path, now)
        needed = set(self.async_contexts())
        outcome = await self._readers[read_path].async_read(
            profile, needed, self._async_record
        )
        profile = outcome.change.applied_to(profile, now)
        if outcome.fall_back:
            LOGGER.info(
                "%s cannot be read with v3 signals; using v2 batch", self.vehicle_id
            )
            self.issues.signals_unavailable(
                self.vehicle_name, profile.signals_failure or ""
            )
            outcome = await self._readers[ReadPath.BATCH].async_read(
                profile, needed, self._async_record
            )
            profile = outcome.change.applied_to(profile, now)
        elif read_path is ReadPath.SIGNALS:
            self.issues.delete(ISSUE_SIGNALS)
        self.car = replace(self.car, profile=profile)
        self._apply(fact_ages_or(outcome.facts, now), gone=outcome.gone)
        self.issues.delete(ISSUE_ACCOUNT)
        if outcome.billing_refused:
            await self._async_billing_refused(now)
        return outcome.rate_limit

    async def _async_read_failed(self, now: datetime, err: Failure) -> None:
        """Act on a failed read; the car keeps its values, logged once until it is back."""
        if isinstance(err, BillingError):
            await self._async_billing_refused(now)
        elif isinstance(err, ConnectedServicesAccountError):
            self.issues.account(self.vehicle_name, err)
        elif needs_login(err):
            self.config_entry.async_start_reauth(self.hass)
        if isinstance(err, VehicleStateError | RateLimitError):
            # A sleeping or busy car, or a slower pace: no outage.
            LOGGER.debug(
                "%s: %s; keeping its values", self.vehicle_id, failure_name(err)
            )
        elif self._readable:
            self._readable = False
            LOGGER.warning(
                "%s cannot be read (%s); keeping its last values",
                self.vehicle_id,
                failure_name(err),
            )

    async def _async_billing_refused(self, now: datetime) -> None:
        await self.config_entry.runtime_data.ledger.async_block(self.vehicle_id, now)
        self.issues.sync_period(self.vehicle_name, now, billing=True, budget=False)

    @callback
    def _apply(
        self,
        facts: tuple[Fact, ...],
        gone: frozenset[str] = frozenset(),
        *,
        confirmed: bool = False,
    ) -> None:
        shown = self.car.shown.without(gone).apply(facts, confirmed=confirmed)
        self.car = replace(self.car, shown=shown)

    # --- pushes -------------------------------------------------------------------------

    @callback
    def async_push(
        self, facts: tuple[Fact, ...], delivered_at: datetime | None
    ) -> None:
        """Show what Smartcar pushed: nothing billed, the planned poll stays where it is."""
        self._apply(fact_ages_or(facts, delivered_at or dt_util.utcnow()))
        # Smartcar read the car, so its carmaker account works again.
        self.issues.delete(ISSUE_ACCOUNT)
        self.config_entry.runtime_data.store.update(self.vehicle_id, self.car)
        self.async_set_updated_data(self.car.shown.values)

    @callback
    def async_push_error(self, err: SmartcarError, *, resolved: bool) -> None:
        """Handle a condition Smartcar pushed (VEHICLE_ERROR), or its end."""
        if isinstance(err, ConnectedServicesAccountError):
            if resolved:
                self.issues.delete(ISSUE_ACCOUNT)
            else:
                self.issues.account(self.vehicle_name, err)
            return
        # Anything else is what the next poll would meet: the car keeps its values.
        LOGGER.debug(
            "Smartcar reports %s for %s%s",
            failure_name(err),
            self.vehicle_id,
            " (resolved)" if resolved else "",
        )

    # --- the owner's requests -----------------------------------------------------------

    async def async_command(
        self,
        command: Callable[[SmartcarClient, str], Awaitable[CommandResult]],
        applied: VehicleState | None = None,
    ) -> None:
        """Send a command (from the reserve: budget and billing stops never block it)."""
        client = self.config_entry.runtime_data.client
        async with self._command_lock:
            await self._async_call(lambda: command(client, self.vehicle_id))
        if applied is not None:
            now = dt_util.utcnow()
            fact = Fact(
                source="command", fields=applied.known_fields(), values=applied, age=now
            )
            self._apply((fact,), confirmed=True)
            self.config_entry.runtime_data.store.update(self.vehicle_id, self.car)
            self.async_set_updated_data(self.car.shown.values)

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
        tokens = self.config_entry.runtime_data.tokens
        try:
            return await tokens.async_authorized(
                lambda: async_billed(self._async_record, request())
            )
        except (SmartcarError, OAuth2TokenRequestBaseError) as err:
            await self._async_read_failed(dt_util.utcnow(), err)
            raise translate(err) from err

    async def async_refresh_now(self) -> None:
        """Poll now if the plan allows it; say why not otherwise (translated)."""
        now = dt_util.utcnow()
        runtime = self.config_entry.runtime_data
        usage = runtime.ledger.usage(self.vehicle_id, now)
        poll = self.car.poll
        refusal = refresh_refusal(
            runtime.policy,
            now=now,
            last_poll=poll.last_poll,
            backed_off_until=poll.backed_off_until,
            used=usage.used,
            cost=max(self.poll_cost(now), 1),
            billing_blocked=usage.billing_blocked,
        )
        if refusal is not None:
            reason, until = refusal
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key=f"refresh_refused_{reason}",
                translation_placeholders={
                    "time": dt_util.as_local(until).strftime("%Y-%m-%d %H:%M")
                },
            )
        await self.async_refresh()
        after = self.car.poll
        if poll.next_at is not None and after.reason not in _BLOCKING:
            # A refresh never moves the planned poll.
            self.car = replace(
                self.car, poll=replace(after, next_at=poll.next_at, reason=poll.reason)
            )
            self._arm(poll.next_at)
            runtime.store.update(self.vehicle_id, self.car)
        if self.last_read_error is not None:
            raise translate(self.last_read_error, "update_failed")
