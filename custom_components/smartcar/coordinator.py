"""One coordinator per car: polls on its own absolute schedule and keeps what the car showed.

It drives parts that each have one job: `reader` reads (recording what is billed before the
answer is used), `vehicle_data` applies facts, `planner` says when to poll next, `ledger`
counts, `issues` raises repairs, `commands` acts for the owner, `vehicle_store` keeps it all.
A failure never blanks the car: values stay until their data is really gone.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any, override

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers.event import async_track_point_in_utc_time
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api.errors import (
    BillingError,
    ConnectedServicesAccountError,
    RateLimitError,
    SmartcarError,
    VehicleStateError,
)
from .api.models import Fact, ServiceHistory, VehicleAttributes, VehicleState
from .commands import Command, VehicleCommands
from .const import CONF_PERMISSIONS, DOMAIN, LOGGER, ReadPath, scopes_for
from .failures import Failure, failure_name, needs_login
from .issues import ISSUE_ACCOUNT, ISSUE_SIGNALS, VehicleIssues
from .models import SmartcarConfigEntry
from .planner import PollReason, PollState, after_poll, polls_left
from .reader import BatchReader, Reader, SignalsReader, async_learn, fact_ages_or
from .vehicle_data import has_moved
from .vehicle_store import StoredVehicle

# Plans that a new listener (an entity enabled, a path to read) may change.
_PACED = frozenset({PollReason.SPREAD, PollReason.ACTIVE, PollReason.FLOOR})


class SmartcarCoordinator(DataUpdateCoordinator[VehicleState]):
    """Reads one car when its plan says and keeps its values."""

    config_entry: SmartcarConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: SmartcarConfigEntry,
        vehicle_id: str,
        stored: StoredVehicle | None = None,
    ) -> None:
        """Start from what was stored; polls come from `async_start`, not HA's interval."""
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
        if stored is not None:
            # Entities come back with the stored values at once; a new car waits for data.
            self.data = self.car.shown.values
        self.issues = VehicleIssues(hass, entry.entry_id, vehicle_id)
        self.commands = VehicleCommands(self)
        self.last_read_error: Failure | None = None
        self._timer: CALLBACK_TYPE | None = None
        self._readable = True
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
        """Billed requests one poll costs now (v2 batch: the paths entities listen for)."""
        paths = {context for context in self.async_contexts() if context}
        return self.car.profile.poll_cost(self.read_path(now), paths)

    # --- the schedule: an absolute time that only a poll moves ----------------------------

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
    def _arm(self, at: datetime | None) -> None:
        if self._timer is not None:
            self._timer()
            self._timer = None
        if at is not None:
            self._timer = async_track_point_in_utc_time(self.hass, self._async_due, at)

    async def _async_due(self, _now: datetime) -> None:
        self._timer = None
        await self.async_refresh()

    @callback
    def async_keep_planned(self, at: datetime, reason: PollReason | None) -> None:
        """Put back the poll planned before a refresh the owner asked for."""
        self.car = replace(
            self.car, poll=replace(self.car.poll, next_at=at, reason=reason)
        )
        self._arm(at)
        self.config_entry.runtime_data.store.update(self.vehicle_id, self.car)

    @override
    @callback
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Plan again when an entity starts listening: a v2 poll may cost more now."""
        remove = super().async_add_listener(update_callback, context)
        if context is not None and self.car.poll.reason in _PACED:
            self.hass.loop.call_soon(self._async_replan)
        return remove

    @callback
    def _async_replan(self) -> None:
        last_poll = self.car.poll.last_poll
        if last_poll is None or self.car.poll.reason not in _PACED:
            return
        active = self.car.shown.values.is_charging is True
        self.car = replace(self.car, poll=self._after_poll(last_poll, active=active))
        self._arm(self.car.poll.next_at)

    def _after_poll(self, now: datetime, *, active: bool, **back_off: Any) -> PollState:
        runtime = self.config_entry.runtime_data
        usage = runtime.ledger.usage(self.vehicle_id, now)
        return after_poll(
            runtime.policy,
            self.car.poll,
            now=now,
            used=usage.used,
            cost=max(self.poll_cost(now), 1),
            active=active,
            billing_blocked=usage.billing_blocked,
            **back_off,
        )

    @override
    async def async_shutdown(self) -> None:
        """Stop the timer with the coordinator."""
        if self._timer is not None:
            self._timer()
            self._timer = None
        await super().async_shutdown()

    # --- polling --------------------------------------------------------------------------

    async def async_record(self, requests: int) -> None:
        """Count billed requests (on disk before their answer is used)."""
        ledger = self.config_entry.runtime_data.ledger
        await ledger.async_record(self.vehicle_id, requests, dt_util.utcnow())

    @override
    async def _async_update_data(self) -> VehicleState:
        """Poll once; every failure keeps the values and only changes the plan."""
        now = dt_util.utcnow()
        runtime = self.config_entry.runtime_data
        before = self.car.shown.values
        self.last_read_error = rate_limit = None
        try:
            rate_limit = await runtime.tokens.async_authorized(
                lambda: self._async_poll(now)
            )
            if not self._readable:
                LOGGER.info("%s can be read again", self.vehicle_id)
            self._readable = True
        except (SmartcarError, OAuth2TokenRequestBaseError) as err:
            self.last_read_error = err
            rate_limit = err if isinstance(err, RateLimitError) else None
            await self.async_failed(now, err, reading=True)
        after = self.car.shown.values
        poll = self._after_poll(
            now,
            active=after.is_charging is True or has_moved(before, after),
            rate_limited=rate_limit is not None,
            retry_after=None if rate_limit is None else rate_limit.retry_after,
        )
        self.car = replace(self.car, poll=poll)
        if poll.reason is PollReason.BUDGET_EXHAUSTED:
            self.issues.sync_period(self.vehicle_name, now, billing=False, budget=True)
        LOGGER.debug(
            "%s: next poll %s (%s)", self.vehicle_id, poll.next_at, poll.reason
        )
        self._arm(poll.next_at)
        await runtime.store.async_save(self.vehicle_id, self.car)
        return after

    async def _async_poll(self, now: datetime) -> RateLimitError | None:
        """Read the car unless the budget or billing says no; apply what came back."""
        runtime = self.config_entry.runtime_data
        usage = runtime.ledger.usage(self.vehicle_id, now)
        cost = self.poll_cost(now)
        exhausted = cost > 0 and polls_left(runtime.policy, usage.used, cost) == 0
        billing = usage.billing_blocked
        self.issues.sync_period(
            self.vehicle_name, now, billing=billing, budget=exhausted
        )
        if billing or exhausted or cost == 0:
            return None
        granted = scopes_for(self.config_entry.data.get(CONF_PERMISSIONS, []))
        profile = await async_learn(
            runtime.client,
            self.vehicle_id,
            self.car.profile,
            granted,
            self.async_record,
        )
        self.car = replace(self.car, profile=profile)
        # Learning the car may have used the last request.
        used = runtime.ledger.usage(self.vehicle_id, now).used
        if polls_left(runtime.policy, used, max(self.poll_cost(now), 1)) == 0:
            return None
        read_path = profile.read_path(runtime.read_path, now)
        needed = {context for context in self.async_contexts() if context}
        outcome = await self._readers[read_path].async_read(
            profile, needed, self.async_record
        )
        profile = outcome.change.applied_to(profile, now)
        if outcome.fall_back:
            LOGGER.info("%s cannot be read with v3 signals; using v2", self.vehicle_id)
            self.issues.signals_unavailable(
                self.vehicle_name, profile.signals_failure or ""
            )
            outcome = await self._readers[ReadPath.BATCH].async_read(
                profile, needed, self.async_record
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

    async def async_failed(
        self, now: datetime, err: Failure, *, reading: bool = False
    ) -> None:
        """Act on a failure; a failed read is logged once until the car is back."""
        if isinstance(err, BillingError):
            await self._async_billing_refused(now)
        elif isinstance(err, ConnectedServicesAccountError):
            self.issues.account(self.vehicle_name, err)
        elif needs_login(err):
            self.config_entry.async_start_reauth(self.hass)
        name = failure_name(err)
        if isinstance(err, VehicleStateError | RateLimitError) or not reading:
            # A sleeping or busy car, a slower pace, or a command refused: no outage.
            LOGGER.debug("%s: %s; keeping its values", self.vehicle_id, name)
        elif self._readable:
            self._readable = False
            LOGGER.warning(
                "%s cannot be read (%s); keeping its values", self.vehicle_id, name
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

    # --- pushes and commands: shown at once, the planned poll stays where it is -----------

    @callback
    def async_show(self, facts: tuple[Fact, ...], *, confirmed: bool = False) -> None:
        """Show facts a push or a command brought (nothing billed, no poll)."""
        self._apply(facts, confirmed=confirmed)
        self.config_entry.runtime_data.store.update(self.vehicle_id, self.car)
        self.async_set_updated_data(self.car.shown.values)

    @callback
    def async_push(
        self, facts: tuple[Fact, ...], delivered_at: datetime | None
    ) -> None:
        """Show what Smartcar pushed; facts without an age are as old as the delivery."""
        # Smartcar read the car, so its carmaker account works again.
        self.issues.delete(ISSUE_ACCOUNT)
        self.async_show(fact_ages_or(facts, delivered_at or dt_util.utcnow()))

    @callback
    def async_push_error(self, err: SmartcarError, *, resolved: bool) -> None:
        """Handle a condition Smartcar pushed (VEHICLE_ERROR), or its end."""
        if not isinstance(err, ConnectedServicesAccountError):
            # What the next poll would meet: the car keeps its values.
            state = " (resolved)" if resolved else ""
            LOGGER.debug(
                "Smartcar reports %s for %s%s",
                failure_name(err),
                self.vehicle_id,
                state,
            )
        elif resolved:
            self.issues.delete(ISSUE_ACCOUNT)
        else:
            self.issues.account(self.vehicle_name, err)

    async def async_command(
        self, command: Command, applied: VehicleState | None = None
    ) -> None:
        """Send a command, e.g. `SmartcarClient.lock` (see `commands`)."""
        await self.commands.async_send(command, applied)

    async def async_get_service_history(
        self, start_date: date | None, end_date: date | None
    ) -> ServiceHistory:
        """Read the car's service history (billed as one request)."""
        return await self.commands.async_service_history(start_date, end_date)

    async def async_refresh_now(self) -> None:
        """Poll now, when the plan allows it (the Refresh button)."""
        await self.commands.async_refresh_now()
