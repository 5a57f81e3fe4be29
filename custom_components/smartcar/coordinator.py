"""One coordinator per car: polls at an absolute time and keeps what the car showed.

It drives the parts named in docs/architecture.md, each with one job. A failure never blanks
the car: values stay until their data is really gone.
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, override

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .api.errors import RateLimitError, SmartcarError, VehicleStateError
from .api.models import Fact, VehicleAttributes, VehicleState
from .budget import VehicleBudget
from .commands import VehicleCommands
from .const import CONF_PERMISSIONS, DOMAIN, LOGGER, ReadPath, scopes_for
from .failures import Failure, failure_name, passes
from .issues import ISSUE_ACCOUNT, VehicleIssues
from .models import SmartcarConfigEntry
from .poll_state import PollReason, PollState
from .profile import VehicleProfile
from .reader import CarReader, fact_ages_or
from .timer import PollTimer
from .vehicle_data import has_moved
from .vehicle_store import StoredVehicle

type _Polled = tuple[datetime | None, RateLimitError | None]
# Plans that a new listener (an entity enabled: a v2 path to read) may change.
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
        self.budget = VehicleBudget(entry.runtime_data, vehicle_id)
        self.commands = VehicleCommands(self)
        self.last_read_error: Failure | None = None
        self._timer = PollTimer(hass, self.async_refresh)
        runtime = entry.runtime_data
        self._reader = CarReader(runtime.client, vehicle_id, v3=runtime.account.is_v3)
        self._readable = True

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

    def poll_cost(self, now: datetime, profile: VehicleProfile | None = None) -> int:
        """Billed requests a poll costs now, read as `profile` (by default the car's) says."""
        car = profile or self.car.profile
        path = car.read_path(self.config_entry.runtime_data.read_path, now)
        return car.poll_cost(path, {c for c in self.async_contexts() if c}, now)

    # --- the schedule: an absolute time that only a poll moves --------------------------

    @callback
    def async_start(self) -> None:
        """Arm the stored next poll; one that is due runs now, in the background."""
        due = self.car.poll.next_at
        if due is not None and due > dt_util.utcnow():
            self._timer.arm(due)
            return
        self.config_entry.async_create_background_task(
            self.hass, self.async_refresh(), f"{DOMAIN} poll {self.vehicle_id}"
        )

    @callback
    def async_set_poll(self, poll: PollState) -> None:
        """Plan the next poll (only polls and a refresh's put-back do)."""
        self.car = replace(self.car, poll=poll)
        self._timer.arm(poll.next_at)
        self.config_entry.runtime_data.store.update(self.vehicle_id, self.car)

    @override
    @callback
    def async_add_listener(
        self, update_callback: CALLBACK_TYPE, context: Any = None
    ) -> Callable[[], None]:
        """Plan again when an entity starts listening: a v2 poll may cost more now."""
        remove = super().async_add_listener(update_callback, context)
        last_poll = self.car.poll.last_poll
        if context and last_poll and self.car.poll.reason in _PACED:
            active = self.car.shown.values.is_charging is True
            cost = self.poll_cost(last_poll)
            poll = self.budget.after_poll(
                self.car.poll, last_poll, cost=cost, active=active
            )
            self.async_set_poll(poll)
        return remove

    @override
    async def async_shutdown(self) -> None:
        """Stop the timer with the coordinator."""
        self._timer.cancel()
        await super().async_shutdown()

    @override
    async def _async_update_data(self) -> VehicleState:
        """Poll once; every failure keeps the values and only changes the plan."""
        now = dt_util.utcnow()
        runtime = self.config_entry.runtime_data
        before = self.car.shown.values
        self.last_read_error, data_time, rate_limit = None, None, None
        try:
            data_time, rate_limit = await runtime.tokens.async_authorized(
                lambda: self._async_poll(now)
            )
            if not self._readable:
                LOGGER.info("%s can be read again", self.vehicle_id)
            self._readable = True
        except (SmartcarError, OAuth2TokenRequestBaseError) as err:
            self.last_read_error = err
            rate_limit = err if isinstance(err, RateLimitError) else None
            await self._async_read_failed(now, err)
        after, read = self.car.shown.values, bool(data_time and not rate_limit)
        poll = self.budget.after_poll(
            self.car.poll,
            now,
            cost=self.poll_cost(now),
            active=after.is_charging is True or has_moved(before, after),
            rate_limit=rate_limit,
            # Answered, nothing newer: the car sleeps, or its data is refreshed only daily.
            unchanged=read and after.data_age == before.data_age,
            failed=passes(self.last_read_error),
            data_time=data_time,
        )
        if poll.reason is PollReason.BUDGET_EXHAUSTED:
            self.issues.sync_period(self.vehicle_name, now, billing=False, budget=True)
        LOGGER.debug("%s: next %s (%s)", self.vehicle_id, poll.next_at, poll.reason)
        self.async_set_poll(poll)
        await runtime.store.async_save(self.vehicle_id, self.car)
        return after

    async def _async_poll(self, now: datetime) -> _Polled:
        """Read unless the budget or billing says no; apply it; its newest data time, a 429."""
        runtime = self.config_entry.runtime_data

        def affordable(profile: VehicleProfile) -> bool:
            return self.budget.affordable(self.poll_cost(now, profile), now)

        billing, cost = self.budget.usage(now).billing_blocked, self.poll_cost(now)
        exhausted = cost > 0 and not affordable(self.car.profile)
        self.issues.sync_period(
            self.vehicle_name, now, billing=billing, budget=exhausted
        )
        if billing or exhausted or cost == 0:
            return None, None
        profile, outcome = await self._reader.async_read(
            self.car.profile,
            preferred=runtime.read_path,
            granted=scopes_for(self.config_entry.data.get(CONF_PERMISSIONS, [])),
            needed={context for context in self.async_contexts() if context},
            record=self.budget.async_record,
            affordable=affordable,
            now=now,
        )
        self.car = replace(self.car, profile=profile)
        if outcome is None:
            return None, None
        self.issues.sync_signals(self.vehicle_name, profile.signals_failure)
        facts = fact_ages_or(outcome.facts, now)
        self._apply(facts, gone=outcome.gone)
        self.issues.delete(ISSUE_ACCOUNT)
        if outcome.billing_refused:
            await self.issues.async_billing_refused(self.vehicle_name, self.budget, now)
        return max((f.age for f in facts if f.age), default=None), outcome.rate_limit

    async def _async_read_failed(self, now: datetime, err: Failure) -> None:
        """Act on a failed read; it is logged once until the car can be read again."""
        await self.issues.async_failed(self.vehicle_name, err, self.budget, now)
        name = failure_name(err)
        if isinstance(err, VehicleStateError | RateLimitError):
            # A sleeping or busy car, or a slower pace: no outage.
            LOGGER.debug("%s: %s; keeping its values", self.vehicle_id, name)
        elif self._readable:
            self._readable = False
            LOGGER.warning(
                "%s cannot be read (%s); keeping its values", self.vehicle_id, name
            )

    @callback
    def _apply(
        self, facts: tuple[Fact, ...], gone: frozenset[str] = frozenset(), **kw: bool
    ) -> None:
        self.car = replace(
            self.car, shown=self.car.shown.without(gone).apply(facts, **kw)
        )

    # --- pushes and commands: shown at once, the planned poll stays where it is ---------

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
