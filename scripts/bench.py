"""Benchmark: freshest data per billed request, measured with the integration's own parts.

Every strategy reads the simulator (served in-process on 127.0.0.1) through the integration's
real `SmartcarClient`; ours is driven the way `SmartcarCoordinator._async_update_data` drives it,
with the real pieces: `reader.CarReader` (records every billed request before the answer is
used), `ledger.RequestLedger` (its write-through logic, on an in-memory store),
`planner.after_poll`, `vehicle_data.ShownState` (data ages from `oemUpdatedAt` / `SC-Data-Age`)
and the stored `PollState`, `ShownState` and `VehicleProfile` across a restart mid-month.

One run covers 1 April to 4 May 2026 (a whole month and across the month boundary) for three
scenarios (`nightly-charge`, `commute`, `parked-weekend`) with the cars asleep at night (the
car's data time stops: `oemUpdatedAt` frozen), a 429 and an hour of 5xx. Baselines come from
their documented behaviour in the same run. What Home Assistant would show is scored by its
age: how long it has been out of date (see docs/benchmarks.md). Time is the simulator's clock,
never a sleep.

    scripts/bench                    # everything (a few minutes)
    scripts/bench --days 3           # a short horizon
    scripts/bench --scenario commute --strategy ours

Writes bench-results/latest.json and bench-results/age.png (docs/benchmarks.md).
"""

# ruff: noqa: E402 - the project root goes on sys.path before the project's imports

import argparse
import asyncio
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import heapq
import json
import math
from pathlib import Path
import platform
import statistics
import sys
import time
from typing import Any, cast
from urllib.parse import parse_qs, urlparse

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import aiohttp
from aiohttp.test_utils import TestServer

from custom_components.smartcar.api.client import Origins, SmartcarAuth, SmartcarClient
from custom_components.smartcar.api.errors import (
    NotCapableError,
    RateLimitError,
    SmartcarError,
)
from custom_components.smartcar.api.models import Token
from custom_components.smartcar.api.parsers import PATH_READERS
from custom_components.smartcar.const import (
    READ_TRIGGER_DELAY,
    WEBHOOK_SAFETY_POLL_INTERVAL,
    PermissionGroup,
    ReadPath,
    scopes_for,
)
from custom_components.smartcar.failures import passes
from custom_components.smartcar.ledger import RequestLedger
from custom_components.smartcar.planner import (
    BudgetPolicy,
    Pacing,
    after_poll,
    polls_left,
    triggered_read,
)
from custom_components.smartcar.poll_state import PollState, kept_plan
from custom_components.smartcar.profile import VehicleProfile
from custom_components.smartcar.reader import CarReader, fact_ages_or
from custom_components.smartcar.vehicle_data import ShownState, has_moved
from simulator import (
    TESLA_ID,
    TOYOTA_ID,
    VOLVO_ID,
    ManualClock,
    Simulator,
    SimulatorConfig,
    create_app,
)

START = datetime(2026, 4, 1, tzinfo=UTC)
DEFAULT_DAYS = 33.0  # to 4 May: April whole, then across the boundary
BOUNDARY = datetime(2026, 5, 1, tzinfo=UTC)
MONTHLY_LIMIT = 500
REDIRECT_URI = "https://my.home-assistant.io/redirect/oauth"
RESULTS = PROJECT / "bench-results" / "latest.json"
TOKEN_REFRESH_MARGIN = 60.0
SAMPLE = 60.0  # seconds between samples of what Home Assistant shows
PUSH_LATENCY = 30.0  # seconds from a change to its webhook delivery
PUSH_EVERY = 300.0  # while charging or driving, a push every this often
HOUR = 3600.0
DAY = 86400.0

FLEET: dict[str, str] = {TESLA_ID: "BEV", TOYOTA_ID: "petrol", VOLVO_ID: "PHEV"}
READ_GROUPS = (
    PermissionGroup.LOCATION,
    PermissionGroup.ODOMETER,
    PermissionGroup.BATTERY,
    PermissionGroup.FUEL,
    PermissionGroup.SECURITY,
    PermissionGroup.TIRES,
    PermissionGroup.ENGINE_OIL,
)
GRANTED = scopes_for([str(group) for group in READ_GROUPS])
# The v2 paths Home Assistant's entities enabled by default listen for.
NEEDED = frozenset(
    {"/battery", "/charge", "/fuel", "/odometer", "/location", "/security"}
)
# The most-installed community integration: a v2 batch of its default-scope paths every 6 h.
COMMUNITY_PATHS = ("/battery", "/charge", "/odometer")
EVERY_ENDPOINT = (
    "/battery",
    "/charge",
    "/charge/limit",
    "/fuel",
    "/odometer",
    "/location",
    "/security",
    "/tires/pressure",
    "/engine/oil",
)
SCENARIOS = ("nightly-charge", "commute", "parked-weekend", "v3-daily-store")
# V3's REST store without a webhook: refreshed once a day (SMARTCAR_V3.md), here about 04:00:
# "about daily", so each day's refresh is off by these minutes (cycled), never on the dot.
STORE_REFRESH_HOUR = 4.0
STORE_JITTER_MIN = (0, 12, -8, 20, -15, 5, -3, 17, -20, 9)


def store_refresh(first: float, day: int) -> float:
    """When the store is refreshed on `day` (0: the day of `first`)."""
    return first + day * DAY + STORE_JITTER_MIN[day % len(STORE_JITTER_MIN)] * 60


STRATEGIES = {
    "community_6h": "baseline: v2 batch of the default-scope paths every 6 h",
    "every_30min": "baseline: every endpoint every 30 min",
    "ours": "ours: v3 signals, default settings",
    "ours_month_pacing": "ours: v3 signals, the pacing before #10 (month-remaining, no idle)",
    "ours_at_6h_bill": "ours: v3 signals, limit = the 6 h baseline's bill",
    "ours_triggers": "ours: default settings and a read trigger (the owner coming home)",
    "ours_at_6h_bill_triggers": "ours_at_6h_bill and a read trigger (the owner coming home)",
    "ours_batch": "ours: v2 batch path, default settings",
    "ours_webhooks": "ours: webhooks on, default settings (a safety poll a day)",
    "ours_webhooks_6h": "ours: webhooks on, the safety poll before #10 (6 h)",
}
# The every-endpoint baseline bills ~30 000 requests a scenario: run it in one only.
HEAVY = {"every_30min": ("nightly-charge",)}
# The daily store is a v3 matter: only v3 strategies read it.
ONLY = {"v3-daily-store": ("ours", "ours_month_pacing")}


@dataclass(frozen=True, kw_only=True)
class Window:
    """The simulated span and when its restart and faults come."""

    start: datetime
    days: float
    restart_at: datetime
    rate_limit_at: datetime
    server_errors: tuple[datetime, datetime]

    @classmethod
    def of(cls, start: datetime = START, days: float = DEFAULT_DAYS) -> Window:
        """The full run's documented times; a shorter one puts them at the same shares."""
        span = timedelta(days=days)
        server = start + span * (19 + 14 / 24) / DEFAULT_DAYS
        return cls(
            start=start,
            days=days,
            restart_at=start + span * 14.5 / DEFAULT_DAYS,
            rate_limit_at=start + span * 9.5 / DEFAULT_DAYS,
            server_errors=(server, server + timedelta(hours=1)),
        )


def epoch(moment: datetime) -> float:
    return moment.timestamp()


def moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


# --- A simulator with an authorised client -------------------------------------------------


class SimulatedTokens:
    """The client's token callable: refreshes on the simulator's clock, as Home Assistant would."""

    def __init__(
        self, auth: SmartcarAuth, token: Token, now: Callable[[], float]
    ) -> None:
        self._auth = auth
        self._token = token
        self._now = now
        self._expires_at = now() + token.expires_in
        self.refreshes = 0

    async def __call__(self) -> str:
        if self._now() >= self._expires_at - TOKEN_REFRESH_MARGIN:
            self._token = await self._auth.refresh(self._token.refresh_token)
            self._expires_at = self._now() + self._token.expires_in
            self.refreshes += 1
        return self._token.access_token


class Harness:
    """A fresh simulator on 127.0.0.1 and a `SmartcarClient` logged in through its Connect page."""

    def __init__(self, start: datetime = START) -> None:
        self.config = SimulatorConfig()
        self.simulator = Simulator(self.config, clock=ManualClock(epoch(start)))
        self.server = TestServer(create_app(self.simulator), host="127.0.0.1")
        self.now = epoch(start)
        self._session: aiohttp.ClientSession | None = None
        self._client: SmartcarClient | None = None
        self._tokens: SimulatedTokens | None = None
        self.base = ""

    @property
    def session(self) -> aiohttp.ClientSession:
        assert self._session is not None
        return self._session

    @property
    def client(self) -> SmartcarClient:
        assert self._client is not None
        return self._client

    @property
    def tokens(self) -> SimulatedTokens:
        assert self._tokens is not None
        return self._tokens

    async def __aenter__(self) -> Harness:
        await self.server.start_server()
        self.base = str(self.server.make_url("")).rstrip("/")
        self._session = aiohttp.ClientSession()
        origins = Origins(
            api=self.base,
            api_v3=self.base,
            auth=self.base,
            connect=self.base,
            management=self.base,
        )
        auth = SmartcarAuth(
            self.session,
            self.config.client_id,
            self.config.client_secret,
            origins=origins,
        )
        token = await auth.exchange_code(await self._approve(), REDIRECT_URI)
        self._tokens = SimulatedTokens(auth, token, lambda: self.now)
        self._client = SmartcarClient(self.session, self._tokens, origins=origins)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._session is not None:
            await self._session.close()
        await self.server.close()

    async def _approve(self) -> str:
        """Approve every car on the simulator's Connect page; return the authorization code."""
        params = {
            "response_type": "code",
            "client_id": self.config.client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": " ".join(scopes_for([str(group) for group in READ_GROUPS])),
            "state": "bench",
            "mode": "simulated",
        }
        async with self.session.get(
            f"{self.base}/oauth/authorize/approve", params=params, allow_redirects=False
        ) as response:
            location = response.headers.get("Location", "")
        codes = parse_qs(urlparse(location).query).get("code")
        if not codes:
            raise RuntimeError(
                f"Connect did not approve: {location or response.status}"
            )
        return codes[0]

    async def control(
        self, method: str, path: str, body: object = None
    ) -> dict[str, Any]:
        """Call the simulator's control API."""
        async with self.session.request(
            method, f"{self.base}/sim{path}", json=body
        ) as response:
            answer = await response.json()
            if response.status >= 400:
                raise RuntimeError(f"{method} /sim{path}: {response.status} {answer}")
            return cast("dict[str, Any]", answer)

    async def set_clock(self, at: float) -> None:
        if at != self.now:
            await self.control("POST", "/clock", {"set": at})
            self.now = at

    async def ledger(self) -> dict[str, Any]:
        summary = await self.control("GET", "/ledger")
        return cast("dict[str, Any]", summary["vehicles"])


# --- The scenarios: what each car does, when it sleeps, when its data changes -----------------


@dataclass(kw_only=True)
class CarPlan:
    """One car's month: control-API changes, sleeps (data time frozen) and data changes."""

    patches: list[tuple[float, str, tuple[float, ...]]] = field(default_factory=list)
    sleeps: list[tuple[float, float]] = field(default_factory=list)
    # (start, end): the data changes all along (charging, driving); start == end: once.
    changes: list[tuple[float, float]] = field(default_factory=list)
    # V3's store: reads answer what was fetched at the last refresh (epoch of one of them).
    store_refreshed_at: float | None = None
    # When each drive ends: the owner (a person entity) comes home, a read trigger fires.
    arrivals: list[float] = field(default_factory=list)

    def data_time(self, at: float) -> float:
        """The car's own data time a read at `at` answers with."""
        if self.store_refreshed_at is not None:
            first = self.store_refreshed_at
            day = math.floor((at - first) / DAY) + 1
            while store_refresh(first, day) > at:
                day -= 1
            return store_refresh(first, day)
        since = self.asleep_since(at)
        return at if since is None else since

    def asleep_since(self, at: float) -> float | None:
        for start, end in self.sleeps:
            if start <= at < end:
                return start
        return None

    def first_change_after(self, shown: float) -> float:
        """The first moment after `shown` (the data time shown) at which the car's data moved."""
        later = math.inf
        for start, end in self.changes:
            if start <= shown < end:
                return shown
            if start > shown:
                later = min(later, start)
        return later


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minus(
    spans: list[tuple[float, float]], holes: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    result = spans
    for hole_start, hole_end in holes:
        cut: list[tuple[float, float]] = []
        for start, end in result:
            if hole_end <= start or hole_start >= end:
                cut.append((start, end))
                continue
            if start < hole_start:
                cut.append((start, hole_start))
            if hole_end < end:
                cut.append((hole_end, end))
        result = cut
    return result


# (vehicle, start of charge as hours of the day, state of charge, rate per minute)
NIGHTLY = {TESLA_ID: (1.0, 0.5, 0.001), VOLVO_ID: (21.0, 0.4, 0.004)}
EVENING = {TESLA_ID: (18.25, 0.6, 0.001), VOLVO_ID: (18.25, 0.4, 0.004)}
CHARGE_LIMIT = {TESLA_ID: 0.8, VOLVO_ID: 1.0}


def build_plans(
    scenario: str, days: float, start: datetime = START
) -> dict[str, CarPlan]:
    """Every car's plan for `scenario` from `start` for `days` (and a day more)."""
    plans = {vehicle_id: CarPlan() for vehicle_id in FLEET}
    base = epoch(start)
    weekend: list[tuple[float, float]] = []
    if scenario == "parked-weekend":
        for day in range(-7, int(days) + 8):
            if (
                start + timedelta(days=day)
            ).weekday() == 4:  # Friday 22:00 to Monday 07:00
                friday = base + day * DAY
                weekend.append((friday + 22 * HOUR, friday + 3 * DAY + 7 * HOUR))

    def in_weekend(at: float) -> bool:
        return any(start <= at < end for start, end in weekend)

    for vehicle_id, plan in plans.items():
        nights: list[tuple[float, float]] = []
        charges: list[tuple[float, float]] = []

        def drive(plan: CarPlan, start: float, minutes: float, km: float) -> None:
            if in_weekend(start):
                return
            plan.patches.append((start, "drive_start", ()))
            plan.patches.append((start + minutes * 60, "drive_end", (km,)))
            plan.changes.append((start, start + minutes * 60))
            plan.arrivals.append(start + minutes * 60)

        def charge(start: float, soc: float, rate: float) -> None:
            if in_weekend(start):
                return
            minutes = (CHARGE_LIMIT[vehicle_id] - soc) / rate  # noqa: B023
            plan.patches.append((start, "charge", (soc, rate)))  # noqa: B023
            plan.changes.append((start, start + minutes * 60))  # noqa: B023
            charges.append((start, start + minutes * 60))  # noqa: B023

        def unplug(at: float) -> None:
            if in_weekend(at):
                return
            plan.patches.append((at, "unplug", ()))  # noqa: B023
            plan.changes.append((at, at))  # noqa: B023

        for day in range(math.ceil(days) + 1):
            midnight = base + day * DAY
            weekday = (start + timedelta(days=day)).weekday()
            nights.append((midnight - 0.5 * HOUR, midnight + 7 * HOUR))
            if scenario == "commute":
                if weekday >= 5:
                    continue
                if vehicle_id in EVENING:
                    unplug(midnight + 7.5 * HOUR)
                drive(plan, midnight + 8 * HOUR, 40, 23.0)
                drive(plan, midnight + 17.5 * HOUR, 40, 23.0)
                if vehicle_id in EVENING:
                    hour, soc, rate = EVENING[vehicle_id]
                    charge(midnight + hour * HOUR, soc, rate)
                continue
            drive(plan, midnight + 12 * HOUR, 30, 18.0)
            if vehicle_id in NIGHTLY:
                hour, soc, rate = NIGHTLY[vehicle_id]
                unplug(midnight + 7 * HOUR)
                charge(midnight + hour * HOUR, soc, rate)
        plan.sleeps = _minus(_merge(nights + weekend), charges)
        if scenario == "v3-daily-store":
            # What changed during a day reaches the store at its next refresh.
            first = base + STORE_REFRESH_HOUR * HOUR
            plan.store_refreshed_at = first
            plan.changes = [
                (store_refresh(first, day),) * 2 for day in range(int(days) + 2)
            ]
        plan.patches.sort()
        plan.changes.sort()
    return plans


# --- What reads the cars ----------------------------------------------------------------------


class MemoryStore:
    """Home Assistant's Store for the ledger, kept in memory (a restart reads it back)."""

    def __init__(self) -> None:
        self.data: Any = None

    async def async_load(self) -> Any:
        return json.loads(json.dumps(self.data)) if self.data is not None else None

    async def async_save(self, data: Any) -> None:
        self.data = json.loads(json.dumps(data))


def memory_ledger(store: MemoryStore) -> RequestLedger:
    """The integration's RequestLedger on an in-memory store (its logic unchanged)."""
    ledger = RequestLedger.__new__(RequestLedger)
    ledger._store = cast("Any", store)  # noqa: SLF001 - no Home Assistant in the bench
    ledger._usage = {}  # noqa: SLF001
    return ledger


@dataclass(kw_only=True)
class Car:
    """What one car showed and cost during a run."""

    vehicle_id: str
    plan: CarPlan
    # (time, data time of what Home Assistant shows), whenever it changed
    timeline: list[tuple[float, float]] = field(default_factory=list)
    polls: int = 0
    failed_polls: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    pushes: int = 0
    triggered_reads: int = 0
    # Batch strategies: per v2 path an entity shows, (time, data time shown) when it changed.
    path_timelines: dict[str, list[tuple[float, float]]] = field(default_factory=dict)

    def show(self, at: float, data_time: float | None) -> None:
        if data_time is None:
            return
        if not self.timeline or data_time > self.timeline[-1][1]:
            self.timeline.append((at, data_time))

    def show_paths(self, at: float, shown: ShownState, paths: Sequence[str]) -> None:
        """Record the data time shown for each path (its fields' newest age)."""
        for path in paths:
            times = [
                shown.ages[key]
                for key in PATH_READERS[path].fields
                if key in shown.ages
            ]
            if not times:
                continue
            timeline = self.path_timelines.setdefault(path, [])
            data_time = epoch(max(times))
            if not timeline or data_time != timeline[-1][1]:
                timeline.append((at, data_time))


class Agent:
    """One strategy for one car: poll now, return when next."""

    restores = False

    def __init__(self, car: Car, client: SmartcarClient, clock: Callable[[], float]):
        self.car = car
        self.client = client
        self.clock = clock

    async def poll(self, now: float) -> float:
        raise NotImplementedError

    def restart(self, now: float) -> float | None:
        """Home Assistant restarts: return the poll it plans (None: poll now)."""
        return None

    def push(self, at: float, data_time: float) -> None:
        """A webhook arrived (only strategies with webhooks get them)."""


class BatchBaseline(Agent):
    """A v2 batch of fixed paths every `interval`; polls at start-up (first refresh)."""

    def __init__(self, *args: Any, paths: Sequence[str], interval: float) -> None:
        super().__init__(*args)
        self.paths = tuple(paths)
        self.interval = interval
        self.shown = ShownState()

    async def poll(self, now: float) -> float:
        self.car.polls += 1
        try:
            result = await self.client.batch(self.car.vehicle_id, self.paths)
        except SmartcarError:
            self.car.failed_polls += 1
        else:
            self.shown = self.shown.apply(fact_ages_or(result.facts, moment(now)))
            age = self.shown.values.data_age
            self.car.show(now, None if age is None else epoch(age))
            self.car.show_paths(now, self.shown, self.paths)
        return now + self.interval


class EveryEndpoint(Agent):
    """Every endpoint the entities read, one GET each, every 30 minutes."""

    async def poll(self, now: float) -> float:
        client = self.client
        reads: tuple[Callable[[str], Awaitable[object]], ...] = (
            client.get_battery,
            client.get_charge,
            client.get_charge_limit,
            client.get_fuel,
            client.get_odometer,
            client.get_location,
            client.get_security,
            client.get_tire_pressure,
            client.get_engine_oil,
        )
        self.car.polls += 1
        answered = False
        for read in reads:
            with contextlib.suppress(NotCapableError):
                try:
                    await read(self.car.vehicle_id)
                except SmartcarError:
                    continue
                answered = True
        if answered:
            # Each answer carries SC-Data-Age: the car's data time now.
            self.car.show(now, self.car.plan.data_time(now))
        else:
            self.car.failed_polls += 1
        return now + 30 * 60


class Ours(Agent):
    """The integration's parts, driven as SmartcarCoordinator._async_update_data drives them."""

    restores = True

    def __init__(
        self,
        *args: Any,
        policy: BudgetPolicy,
        read_path: ReadPath,
        ledger: RequestLedger,
        store: MemoryStore,
        webhooks: bool = False,
        informed: bool = True,
        triggers: bool = False,
    ) -> None:
        super().__init__(*args)
        # Whether the planner hears what #10 added: nothing newer came back, a read failed and passes.
        self.informed = informed
        # Whether the owner's coming home triggers a read (the `read_triggers` option).
        self.triggers = triggers
        self.policy = policy
        self.read_path = read_path
        self.ledger = ledger
        self.store = store
        self.webhooks = webhooks
        self.reader = CarReader(self.client, self.car.vehicle_id)
        self.shown = ShownState()
        self.profile = VehicleProfile()
        self.poll_state = PollState()
        self.pushed: float | None = None

    def cost(self, profile: VehicleProfile, now: datetime) -> int:
        return profile.poll_cost(profile.read_path(self.read_path, now), NEEDED, now)

    async def poll(self, now: float) -> float:
        vehicle_id = self.car.vehicle_id
        at = moment(now)
        before = self.shown.values
        rate_limit: RateLimitError | None = None
        answered = failed = False
        data_time: datetime | None = (
            None  # the newest the read brought (as the coordinator)
        )

        async def record(requests: int) -> None:
            await self.ledger.async_record(vehicle_id, requests, moment(self.clock()))

        def affordable(profile: VehicleProfile) -> bool:
            cost = self.cost(profile, at)
            used = self.ledger.usage(vehicle_id, at).used
            return cost > 0 and polls_left(self.policy, used, cost) > 0

        usage = self.ledger.usage(vehicle_id, at)
        if not usage.billing_blocked and affordable(self.profile):
            self.car.polls += 1
            try:
                self.profile, outcome = await self.reader.async_read(
                    self.profile,
                    preferred=self.read_path,
                    granted=GRANTED,
                    needed=NEEDED,
                    record=record,
                    affordable=affordable,
                    now=at,
                )
            except RateLimitError as err:
                rate_limit = err
                self.car.failed_polls += 1
            except SmartcarError as err:
                failed = passes(err)
                self.car.failed_polls += 1
            else:
                if outcome is not None:
                    facts = fact_ages_or(outcome.facts, at)
                    self.shown = self.shown.without(outcome.gone).apply(facts)
                    data_time = max((f.age for f in facts if f.age), default=None)
                    rate_limit = outcome.rate_limit
                    answered = rate_limit is None
                    if outcome.billing_refused:
                        await self.ledger.async_block(vehicle_id, at)
        after = self.shown.values
        usage = self.ledger.usage(vehicle_id, at)
        self.poll_state = after_poll(
            self.policy,
            self.poll_state,
            now=at,
            used=usage.used,
            cost=max(self.cost(self.profile, at), 1),
            active=after.is_charging is True or has_moved(before, after),
            billing_blocked=usage.billing_blocked,
            rate_limited=rate_limit is not None,
            retry_after=None if rate_limit is None else rate_limit.retry_after,
            # The line issue #10 asks of the coordinator: nothing newer came back.
            unchanged=self.informed and answered and after.data_age == before.data_age,
            failed=self.informed and failed,
            data_time=data_time if self.informed else None,
        )
        reason = str(self.poll_state.reason)
        self.car.reasons[reason] = self.car.reasons.get(reason, 0) + 1
        self.car.show(now, self._shown_time())
        if self.read_path is ReadPath.BATCH:
            self.car.show_paths(now, self.shown, sorted(NEEDED))
        assert self.poll_state.next_at is not None
        return epoch(self.poll_state.next_at)

    async def trigger(self, now: float, due: float) -> float | None:
        """A read trigger due at `due` fired: read as `read_triggers._async_read` does.

        Return when to try again (refused by the floor: when it ends). Not made after a poll
        since `due`, when refused otherwise, or a day ahead of the pace. Made: the planned poll
        stays unless the read ended in a stop or a later back-off (as a refresh).
        """
        at = moment(now)
        usage = self.ledger.usage(self.car.vehicle_id, at)
        read, later = triggered_read(
            self.policy,
            self.poll_state,
            now=at,
            due=moment(due),
            used=usage.used,
            cost=max(self.cost(self.profile, at), 1),
            billing_blocked=usage.billing_blocked,
        )
        if read:
            planned = self.poll_state
            self.car.triggered_reads += 1
            await self.poll(now)
            self.poll_state = kept_plan(planned, self.poll_state)
        return None if later is None else epoch(later)

    def _shown_time(self) -> float | None:
        age = self.shown.values.data_age
        times = [t for t in (None if age is None else epoch(age), self.pushed) if t]
        return max(times) if times else None

    def push(self, at: float, data_time: float) -> None:
        self.pushed = max(self.pushed or 0.0, data_time)
        self.car.pushes += 1
        self.car.show(at, self._shown_time())

    def restart(self, now: float) -> float | None:
        """Everything back from JSON, as the stores give it to a new coordinator."""
        self.shown = ShownState.from_json(json.loads(json.dumps(self.shown.to_json())))
        self.profile = VehicleProfile.from_json(
            json.loads(json.dumps(self.profile.to_json()))
        )
        self.poll_state = PollState.from_json(
            json.loads(json.dumps(self.poll_state.to_json()))
        )
        self.reader = CarReader(self.client, self.car.vehicle_id)
        due = self.poll_state.next_at
        return epoch(due) if due is not None and epoch(due) > now else None


# --- One strategy over one scenario ---------------------------------------------------------

_PATCH, _FAULT, _SNAPSHOT, _RESTART, _PUSH, _TRIGGER, _POLL = range(7)


@dataclass(order=True)
class _Event:
    at: float
    kind: int
    seq: int
    vehicle_id: str = field(compare=False, default="")
    payload: Any = field(compare=False, default=None)


def make_agent(
    key: str,
    car: Car,
    harness: Harness,
    *,
    ledger: RequestLedger,
    store: MemoryStore,
    limits: dict[str, int],
) -> Agent:
    args = (car, harness.client, lambda: harness.now)
    if key == "community_6h":
        return BatchBaseline(*args, paths=COMMUNITY_PATHS, interval=6 * HOUR)
    if key == "every_30min":
        return EveryEndpoint(*args)
    policy = BudgetPolicy()  # the integration's defaults
    read_path = ReadPath.SIGNALS
    if key == "ours_month_pacing":
        policy = BudgetPolicy(pacing=Pacing.MONTH)
    elif key in ("ours_at_6h_bill", "ours_at_6h_bill_triggers"):
        policy = BudgetPolicy(monthly_limit=limits[car.vehicle_id])
    elif key == "ours_batch":
        read_path = ReadPath.BATCH
    elif key == "ours_webhooks":
        policy = BudgetPolicy(safety_interval=WEBHOOK_SAFETY_POLL_INTERVAL)
    elif key == "ours_webhooks_6h":
        policy = BudgetPolicy(safety_interval=timedelta(hours=6))
    return Ours(
        *args,
        policy=policy,
        read_path=read_path,
        ledger=ledger,
        store=store,
        webhooks=key.startswith("ours_webhooks"),
        informed=key != "ours_month_pacing",
        triggers=key.endswith("_triggers"),
    )


async def run_strategy(
    key: str,
    scenario: str,
    window: Window,
    limits: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Run `key` over `scenario` in `window` on a fresh simulator; score what it showed."""
    started = time.perf_counter()
    days = window.days
    plans = build_plans(scenario, days, window.start)
    begin = epoch(window.start)
    end = begin + days * DAY
    boundary = epoch(BOUNDARY)
    cars = {
        vehicle_id: Car(vehicle_id=vehicle_id, plan=plans[vehicle_id])
        for vehicle_id in FLEET
    }
    store = MemoryStore()
    ledger = memory_ledger(store)
    await ledger.async_load()
    snapshots: dict[str, Any] = {}
    restart_billed: dict[str, int] = {}
    async with Harness(window.start) as harness:
        agents = {
            vehicle_id: make_agent(
                key, car, harness, ledger=ledger, store=store, limits=limits or {}
            )
            for vehicle_id, car in cars.items()
        }
        places = {
            vehicle_id: await harness.control("GET", f"/vehicles/{vehicle_id}")
            for vehicle_id in FLEET
        }
        queue: list[_Event] = []
        seq = 0

        def push(
            at: float, kind: int, vehicle_id: str = "", payload: Any = None
        ) -> None:
            nonlocal seq
            seq += 1
            heapq.heappush(queue, _Event(at, kind, seq, vehicle_id, payload))

        generation = dict.fromkeys(FLEET, 0)
        for vehicle_id, plan in plans.items():
            for at, what, values in plan.patches:
                push(at, _PATCH, vehicle_id, (what, values))
            if (
                isinstance(agents[vehicle_id], Ours)
                and cast("Ours", agents[vehicle_id]).webhooks
            ):
                for start, stop in plan.changes:
                    at = start
                    while True:
                        push(at + PUSH_LATENCY, _PUSH, vehicle_id, at)
                        at += PUSH_EVERY
                        if at >= stop:
                            break
                    if stop > start:
                        push(stop + PUSH_LATENCY, _PUSH, vehicle_id, stop)
            if (
                isinstance(agents[vehicle_id], Ours)
                and cast("Ours", agents[vehicle_id]).triggers
            ):
                for arrival in plan.arrivals:
                    due = arrival + READ_TRIGGER_DELAY.total_seconds()
                    push(due, _TRIGGER, vehicle_id, due)
            push(begin, _POLL, vehicle_id, 0)
        push(
            epoch(window.rate_limit_at),
            _FAULT,
            "",
            ("add", {"type": "RATE_LIMIT", "count": 1, "retry_after": 900}),
        )
        push(epoch(window.server_errors[0]), _FAULT, "", ("add", {"type": "SERVER"}))
        push(epoch(window.server_errors[1]), _FAULT, "", ("clear", None))
        push(boundary - 1, _SNAPSHOT)
        push(epoch(window.restart_at), _RESTART)
        data_age = dict.fromkeys(FLEET, 0.0)
        while queue and queue[0].at < end:
            event = heapq.heappop(queue)
            await harness.set_clock(event.at)
            vehicle_id = event.vehicle_id
            if event.kind == _PATCH:
                what, values = event.payload
                await harness.control(
                    "PATCH",
                    f"/vehicles/{vehicle_id}",
                    _patch(what, values, places[vehicle_id]),
                )
            elif event.kind == _FAULT:
                action, body = event.payload
                for car_id in FLEET:
                    if action == "add":
                        await harness.control(
                            "POST", f"/vehicles/{car_id}/faults", body
                        )
                    else:
                        await harness.control("DELETE", f"/vehicles/{car_id}/faults")
            elif event.kind == _SNAPSHOT:
                sim = await harness.ledger()
                snapshots = {
                    car_id: {
                        "simulator": int(sim.get(car_id, {}).get("billed", 0)),
                        "simulator_requests": int(
                            sim.get(car_id, {}).get("requests", 0)
                        ),
                        "integration": ledger.usage(car_id, moment(event.at)).used
                        if isinstance(agents[car_id], Ours)
                        else None,
                    }
                    for car_id in FLEET
                }
            elif event.kind == _RESTART:
                before = await harness.ledger()
                if any(isinstance(agent, Ours) for agent in agents.values()):
                    ledger = memory_ledger(store)
                    await ledger.async_load()
                for car_id, agent in agents.items():
                    if isinstance(agent, Ours):
                        agent.ledger = ledger
                    generation[car_id] += 1
                    planned = agent.restart(event.at)
                    if planned is None:
                        await _read(harness, agent, plans[car_id], event.at, data_age)
                        planned = await agent.poll(event.at)
                    push(planned, _POLL, car_id, generation[car_id])
                after = await harness.ledger()
                restart_billed = {
                    car_id: int(after.get(car_id, {}).get("billed", 0))
                    - int(before.get(car_id, {}).get("billed", 0))
                    for car_id in FLEET
                }
            elif event.kind == _PUSH:
                agents[vehicle_id].push(event.at, event.payload)
            elif event.kind == _TRIGGER:
                agent = cast("Ours", agents[vehicle_id])
                planned_at = agent.poll_state.next_at
                await _read(harness, agent, plans[vehicle_id], event.at, data_age)
                later = await agent.trigger(event.at, event.payload)
                if later is not None:
                    push(later, _TRIGGER, vehicle_id, event.payload)
                elif agent.poll_state.next_at != planned_at:
                    # A stop or a back-off replaced the plan: the old poll event is void.
                    generation[vehicle_id] += 1
                    assert agent.poll_state.next_at is not None
                    push(
                        epoch(agent.poll_state.next_at),
                        _POLL,
                        vehicle_id,
                        generation[vehicle_id],
                    )
            elif event.payload == generation[vehicle_id]:
                await _read(
                    harness, agents[vehicle_id], plans[vehicle_id], event.at, data_age
                )
                planned = await agents[vehicle_id].poll(event.at)
                push(
                    max(planned, event.at + 1),
                    _POLL,
                    vehicle_id,
                    generation[vehicle_id],
                )
        sim = await harness.ledger()
        final = {
            car_id: ledger.usage(car_id, moment(end)).used
            if isinstance(agents[car_id], Ours)
            else None
            for car_id in FLEET
        }
    return score(
        key,
        scenario,
        cars,
        begin=begin,
        end=end,
        boundary=boundary,
        sim=sim,
        snapshots=snapshots,
        final=final,
        restart_billed=restart_billed,
        elapsed=time.perf_counter() - started,
    )


async def _read(
    harness: Harness, agent: Agent, plan: CarPlan, at: float, data_age: dict[str, float]
) -> None:
    """Before a read: an asleep car answers with its data from when it fell asleep."""
    age = at - plan.data_time(at)
    vehicle_id = agent.car.vehicle_id
    if age != data_age[vehicle_id]:
        await harness.control(
            "PATCH", f"/vehicles/{vehicle_id}", {"data_age_seconds": age}
        )
        data_age[vehicle_id] = age


def _patch(
    what: str, values: tuple[float, ...], place: dict[str, Any]
) -> dict[str, Any]:
    if what == "drive_start":
        return {"is_moving": True, "is_locked": False}
    if what == "drive_end":
        place["odometer_km"] = float(place.get("odometer_km") or 0) + values[0]
        place["latitude"] = float(place.get("latitude") or 0) + 0.01
        return {
            "is_moving": False,
            "is_locked": True,
            "odometer_km": place["odometer_km"],
            "latitude": place["latitude"],
        }
    if what == "charge":
        soc, rate = values
        return {
            "is_plugged_in": True,
            "state_of_charge": soc,
            "charge_rate_per_minute": rate,
            "is_charging": True,
        }
    return {"is_charging": False, "is_plugged_in": False}


# --- Scoring what Home Assistant showed -----------------------------------------------------


def ages(car: Car, begin: float, end: float) -> tuple[list[float], list[float]]:
    """Per-minute samples: how long what HA shows has been out of date, and its raw age (s)."""
    stale: list[float] = []
    raw: list[float] = []
    timeline = car.timeline
    index = -1
    shown: float | None = None
    first_change = begin
    at = begin
    while at < end:
        while index + 1 < len(timeline) and timeline[index + 1][0] <= at:
            index += 1
            shown = timeline[index][1]
            first_change = car.plan.first_change_after(shown)
        if shown is None:
            # Nothing shown yet: out of date since the start.
            stale.append(at - begin)
            raw.append(at - begin)
        else:
            stale.append(max(0.0, at - first_change))
            raw.append(at - shown)
        at += SAMPLE
    return stale, raw


def path_ages(car: Car, begin: float, end: float) -> dict[str, dict[str, float]]:
    """Per path an entity shows: the time-averaged and the largest `now - data time`, hours.

    Sampled every minute like `ages`; before a path's first answer its age counts from the
    start. The car-wide age above is the newest data time of any path, which a scheme that
    reads one path often and the others seldom keeps low: this shows every path's own.
    """
    found: dict[str, dict[str, float]] = {}
    for path, timeline in sorted(car.path_timelines.items()):
        samples: list[float] = []
        index, shown, at = -1, None, begin
        while at < end:
            while index + 1 < len(timeline) and timeline[index + 1][0] <= at:
                index += 1
                shown = timeline[index][1]
            samples.append(at - (begin if shown is None else shown))
            at += SAMPLE
        found[path] = {
            "mean_h": round(statistics.fmean(samples) / HOUR, 1),
            "max_h": round(max(samples) / HOUR, 1),
        }
    return found


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def score(
    key: str,
    scenario: str,
    cars: dict[str, Car],
    *,
    begin: float,
    end: float,
    boundary: float,
    sim: dict[str, Any],
    snapshots: dict[str, Any],
    final: dict[str, int | None],
    restart_billed: dict[str, int],
    elapsed: float,
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    hourly: dict[str, list[float]] = {}
    week = int(7 * DAY / SAMPLE)
    for vehicle_id, car in cars.items():
        stale, raw = ages(car, begin, end)
        weeks = [
            statistics.fmean(stale[start : start + week])
            for start in range(0, len(stale), week)
            if len(stale[start : start + week]) >= week / 2
        ]
        hour = int(HOUR / SAMPLE)
        hourly[vehicle_id] = [
            statistics.fmean(stale[start : start + hour]) / 60
            for start in range(0, len(stale), hour)
        ]
        row = sim.get(vehicle_id, {})
        billed = int(row.get("billed", 0))
        snap = snapshots.get(vehicle_id)
        crossed = end > boundary and snap is not None
        sim_april = snap["simulator"] if crossed and snap else billed
        ours_april = snap["integration"] if crossed and snap else final[vehicle_id]
        ours_may = final[vehicle_id] if crossed else None
        rows[vehicle_id] = {
            "label": FLEET[vehicle_id],
            "polls": car.polls,
            "failed_polls": car.failed_polls,
            "pushes": car.pushes,
            "triggered_reads": car.triggered_reads,
            "plan_reasons": car.reasons,
            "billed_simulator": billed,
            "requests_simulator": int(row.get("requests", 0)),
            "billed_by_path": dict(row.get("billed_by_path", {})),
            "billed_april_simulator": sim_april,
            "billed_april_integration": ours_april,
            "billed_may_simulator": billed - sim_april if crossed else None,
            "billed_may_integration": ours_may,
            "billed_at_restart": restart_billed.get(vehicle_id),
            "age_mean_min": _minutes(statistics.fmean(stale)),
            "age_p95_min": _minutes(sorted(stale)[int(0.95 * (len(stale) - 1))]),
            "age_weekly_mean_min": [_minutes(value) for value in weeks],
            "age_worst_week_mean_min": _minutes(max(weeks)) if weeks else None,
            "longest_gap_min": _minutes(max(stale)),
            "raw_age_mean_min": _minutes(statistics.fmean(raw)),
        }
        if car.path_timelines:
            rows[vehicle_id]["path_age_h"] = path_ages(car, begin, end)
    return {
        "label": STRATEGIES[key],
        "scenario": scenario,
        "cars": rows,
        "hourly_age_min": hourly,
        "wall_seconds": round(elapsed, 2),
    }


# --- The whole run ----------------------------------------------------------------------------


async def run_benchmark(
    days: float = DEFAULT_DAYS,
    *,
    start: datetime = START,
    scenarios: Sequence[str] = SCENARIOS,
    strategies: Sequence[str] = tuple(STRATEGIES),
) -> dict[str, Any]:
    """Every strategy over every scenario; ours at the baseline's bill runs after it."""
    started = time.perf_counter()
    window = Window.of(start, days)
    results: dict[str, dict[str, Any]] = {}
    for scenario in scenarios:
        runs: dict[str, Any] = {}
        limits: dict[str, int] = {}
        wanted = list(strategies)
        if (
            any(key.startswith("ours_at_6h_bill") for key in wanted)
            and "community_6h" not in wanted
        ):
            wanted.insert(0, "community_6h")
        for key in wanted:
            if key in HEAVY and scenario not in HEAVY[key]:
                continue
            if scenario in ONLY and key not in ONLY[scenario]:
                continue
            runs[key] = await run_strategy(key, scenario, window, limits)
            if key == "community_6h":
                # The baseline's bill per 30 days (the whole of April in the full run).
                limits = {
                    vehicle_id: max(1, round(car["billed_simulator"] * 30 / days))
                    for vehicle_id, car in runs[key]["cars"].items()
                }
        results[scenario] = runs
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "settings": {
            "start": start.isoformat(),
            "days": days,
            "restart_at": window.restart_at.isoformat(),
            "rate_limit_at": window.rate_limit_at.isoformat(),
            "server_errors": [at.isoformat() for at in window.server_errors],
            "monthly_limit": MONTHLY_LIMIT,
            "needed_paths": sorted(NEEDED),
            "community_paths": list(COMMUNITY_PATHS),
            "push_latency_s": PUSH_LATENCY,
            "push_every_s": PUSH_EVERY,
            "fleet": FLEET,
        },
        "scenarios": results,
        "targets": targets(results),
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def targets(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Issue #10's "must show", per scenario and car: the figure and whether it holds."""
    checks: dict[str, Any] = {}
    for scenario, runs in results.items():
        found: dict[str, Any] = {}
        ours = runs.get("ours")
        if ours:
            for car in ours["cars"].values():
                mean = car["age_mean_min"]
                found[f"ours {car['label']}"] = {
                    "billed_april": car["billed_april_simulator"],
                    "mean_age_min": mean,
                    "worst_week_ratio": round(car["age_worst_week_mean_min"] / mean, 2)
                    if mean and car["age_worst_week_mean_min"] is not None
                    else None,
                    "longest_gap_min": car["longest_gap_min"],
                    "met": car["billed_april_simulator"] <= 450
                    and mean <= 45
                    and (car["age_worst_week_mean_min"] or 0) <= 1.3 * mean + 0.05
                    and car["longest_gap_min"] <= 240,
                }
        base = runs.get("community_6h")
        for cheap_key, name in (
            ("ours_at_6h_bill", "at 6 h bill"),
            ("ours_at_6h_bill_triggers", "at 6 h bill, triggers"),
        ):
            cheap = runs.get(cheap_key)
            if not (base and cheap):
                continue
            for vehicle_id, car in cheap["cars"].items():
                weeks = car["age_weekly_mean_min"]
                base_weeks = base["cars"][vehicle_id]["age_weekly_mean_min"]
                found[f"{name} {car['label']}"] = {
                    "weekly_ratio": [
                        round(ours_week / base_week, 2) if base_week else None
                        for ours_week, base_week in zip(weeks, base_weeks, strict=False)
                    ],
                    "met": all(
                        ours_week <= base_week / 3
                        for ours_week, base_week in zip(weeks, base_weeks, strict=False)
                    ),
                }
        batch = runs.get("ours_batch")
        if base and batch:
            for vehicle_id, car in batch["cars"].items():
                found[f"v2 batch {car['label']}"] = {
                    "billed_april": car["billed_april_simulator"],
                    "mean_age_min": car["age_mean_min"],
                    "baseline_mean_age_min": base["cars"][vehicle_id]["age_mean_min"],
                    "met": car["billed_april_simulator"] <= 450
                    and car["age_mean_min"] <= base["cars"][vehicle_id]["age_mean_min"],
                }
        # The 6 h safety poll (before #10) is a comparison, not a setting to meet targets.
        for key in ("ours_webhooks",):
            hooks = runs.get(key)
            if hooks:
                for car in hooks["cars"].values():
                    found[f"{key} {car['label']}"] = {
                        "billed_april": car["billed_april_simulator"],
                        "mean_age_min": car["age_mean_min"],
                        "met": car["billed_april_simulator"] <= 31,
                    }
        for key, run in runs.items():
            if not key.startswith("ours"):
                continue
            for car in run["cars"].values():
                simulator = [car["billed_april_simulator"], car["billed_may_simulator"]]
                integration = [
                    car["billed_april_integration"],
                    car["billed_may_integration"],
                ]
                found[f"ledgers {key} {car['label']}"] = {
                    "simulator": simulator,
                    "integration": integration,
                    "met": integration == simulator,
                }
        checks[scenario] = found
    return checks


def format_report(results: dict[str, Any]) -> str:
    settings = results["settings"]
    lines = [
        f"From {settings['start']} for {settings['days']:g} simulated days; restart at"
        f" {settings['restart_at']}; 429 at {settings['rate_limit_at']}; 5xx from"
        f" {settings['server_errors'][0]} to {settings['server_errors'][1]}.",
        "Billed: April from the simulator's ledger (the integration's in brackets);"
        " age of what HA shows, minutes.",
    ]
    header = (
        f"{'strategy':<22}{'car':<7}{'Apr billed':>16}{'May':>6}{'restart':>8}"
        f"{'mean':>7}{'p95':>7}{'worst wk':>9}{'gap':>7}{'raw':>7}"
    )
    for scenario, runs in results["scenarios"].items():
        lines += ["", f"== {scenario}", header, "-" * len(header)]
        for key, run in runs.items():
            for car in run["cars"].values():
                counted = car["billed_april_integration"]
                april = f"{car['billed_april_simulator']}" + (
                    f" [{counted}]" if counted is not None else ""
                )
                may = car["billed_may_simulator"]
                lines.append(
                    f"{key:<22}{car['label']:<7}{april:>16}"
                    f"{'-' if may is None else may:>6}"
                    f"{car['billed_at_restart'] if car['billed_at_restart'] is not None else '-':>8}"
                    f"{car['age_mean_min']:>7.1f}{car['age_p95_min']:>7.1f}"
                    f"{car['age_worst_week_mean_min'] or 0:>9.1f}"
                    f"{car['longest_gap_min']:>7.0f}{car['raw_age_mean_min']:>7.0f}"
                )
                if car.get("path_age_h"):
                    lines.append(
                        f"{'':<22}{'':<7}per path, h mean/max: "
                        + "  ".join(
                            f"{path} {row['mean_h']:g}/{row['max_h']:g}"
                            for path, row in car["path_age_h"].items()
                        )
                    )
    lines += ["", "Targets (issue #10):"]
    for scenario, found in results["targets"].items():
        for name, check in found.items():
            figures = {k: v for k, v in check.items() if k != "met"}
            lines.append(
                f"  {scenario:<15}{name:<34}{'met' if check['met'] else 'MISSED':<7}{figures}"
            )
    lines += ["", f"wall time {results['wall_seconds']:.1f} s"]
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> Path | None:
    """Data age over the month per strategy (hourly mean over the fleet), one panel a scenario."""
    try:
        import matplotlib  # noqa: PLC0415 - optional: the numbers never need it

        matplotlib.use("Agg")
        from matplotlib import pyplot  # noqa: PLC0415
    except ImportError:
        return None
    scenarios = results["scenarios"]
    figure, axes = pyplot.subplots(
        len(scenarios), 1, figsize=(11, 3.2 * len(scenarios)), squeeze=False
    )
    for axis, (scenario, runs) in zip(axes[:, 0], scenarios.items(), strict=True):
        for key, run in runs.items():
            series = list(run["hourly_age_min"].values())
            fleet = [statistics.fmean(values) for values in zip(*series, strict=True)]
            days = [hour / 24 for hour in range(len(fleet))]
            # A day's rolling mean keeps the lines readable.
            smooth = [
                statistics.fmean(fleet[max(0, i - 23) : i + 1])
                for i in range(len(fleet))
            ]
            colour = f"C{list(STRATEGIES).index(key)}"  # the same in every panel
            axis.plot(days, smooth, label=key, linewidth=1.2, color=colour)
        axis.set_title(
            f"{scenario}: age of what Home Assistant shows (24 h rolling mean, fleet)"
        )
        axis.set_ylabel("minutes")
        axis.set_yscale("symlog", linthresh=10)
        axis.axvline(30, color="grey", linestyle=":", linewidth=1)
        axis.grid(alpha=0.3)
    axes[-1, 0].set_xlabel("days from 1 April 2026 (dotted: 1 May)")
    for axis in axes[:, 0]:
        axis.legend(fontsize=7, ncol=4, loc="upper right")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    pyplot.close(figure)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--days", type=float, default=DEFAULT_DAYS)
    parser.add_argument(
        "--start",
        type=datetime.fromisoformat,
        default=START,
        help="UTC start (default %(default)s); 1 May 2026 is the month boundary",
    )
    parser.add_argument("--scenario", action="append", choices=SCENARIOS)
    parser.add_argument("--strategy", action="append", choices=tuple(STRATEGIES))
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--plot", type=Path, default=None, help="PNG (default: next to the JSON)"
    )
    args = parser.parse_args(argv)
    if not 0 < args.days <= 40:
        parser.error("--days must be more than 0 and at most 40")
    results = asyncio.run(
        run_benchmark(
            args.days,
            start=args.start.replace(tzinfo=UTC),
            scenarios=tuple(args.scenario or SCENARIOS),
            strategies=tuple(args.strategy or STRATEGIES),
        ),
        debug=False,
    )
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    picture = plot(results, args.plot or output.with_name("age.png"))
    for run in (run for runs in results["scenarios"].values() for run in runs.values()):
        run.pop("hourly_age_min")
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(format_report(results))
    print(
        f"results: {output}"
        + (f", plot: {picture}" if picture else " (no matplotlib: no plot)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
