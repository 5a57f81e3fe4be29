"""Benchmark the integration's Smartcar request economy and read cost against the simulator.

Quota: the same fleet (BEV, petrol, PHEV) is polled for a simulated month by three strategies, each
on a fresh simulator served in-process on 127.0.0.1 and read through the integration's real
`SmartcarClient`:

- ``per_endpoint``: one GET per endpoint the entities read, every 30 minutes (what typical community
  integrations do);
- ``batch``: one v2 ``POST /batch`` of the same paths every 30 minutes (billed per path);
- ``signals`` (ours): one v3 ``/signals`` read per poll on the schedule of
  ``custom_components.smartcar.budget.poll_interval``, counting requests as the coordinator does.

Time moves with the simulator's clock (control API), never by sleeping; what each strategy costs is
read from the simulator's billing ledger. The BEV and the PHEV charge for a few hours every night,
which the schedule sees as activity.

CPU: the time to read one car's full state through the client (HTTP to the in-process simulator and
parsing) for each strategy, and the time to parse the same answers alone, as ratios to per-endpoint.

Run ``scripts/bench`` (30 simulated days) or ``scripts/bench --days 1``; results go to stdout and
``bench-results/latest.json``. See docs/benchmarks.md.
"""

# ruff: noqa: E402 - the project root goes on sys.path before the project's imports

import argparse
import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
import heapq
import json
from pathlib import Path
import platform
import statistics
import sys
import time
from typing import Any, Protocol, cast
from urllib.parse import parse_qs, urlparse

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))

import aiohttp
from aiohttp.test_utils import TestServer

from custom_components.smartcar.api.client import Origins, SmartcarAuth, SmartcarClient
from custom_components.smartcar.api.errors import NotCapableError, SmartcarError
from custom_components.smartcar.api.models import EMPTY_META, Token, VehicleState
from custom_components.smartcar.api.parsers import (
    PATH_READERS,
    meta_from_headers,
    read_path_responses,
)
from custom_components.smartcar.api.signals import parse_signals
from custom_components.smartcar.const import PermissionGroup, scopes_for
from custom_components.smartcar.planner import (
    BudgetPolicy,
    billing_period,
    plan_next_poll,
)
from custom_components.smartcar.reader import is_billed
from custom_components.smartcar.vehicle_data import has_moved
from simulator import (
    TESLA_ID,
    TOYOTA_ID,
    VOLVO_ID,
    ManualClock,
    Simulator,
    SimulatorConfig,
    create_app,
)

# --- The scenario ---------------------------------------------------------------------------------

# April has 30 days: the horizon and the schedule's billing period are the same month.
START = datetime(2026, 4, 1, tzinfo=UTC)
MONTH_DAYS = 30
DEFAULT_DAYS = 30.0
MONTHLY_LIMIT = 500
BASELINE_INTERVAL = timedelta(minutes=30)
REDIRECT_URI = "https://my.home-assistant.io/redirect/oauth"
RESULTS = PROJECT / "bench-results" / "latest.json"
# Refresh the access token this long before it expires (simulated time).
TOKEN_REFRESH_MARGIN = 60.0
DEFAULT_CPU_ITERATIONS = 300
CPU_ROUNDS = 5

FLEET: dict[str, str] = {TESLA_ID: "BEV", TOYOTA_ID: "petrol", VOLVO_ID: "PHEV"}

# What the entities read (commands are not part of the benchmark).
READ_GROUPS = (
    PermissionGroup.LOCATION,
    PermissionGroup.ODOMETER,
    PermissionGroup.BATTERY,
    PermissionGroup.FUEL,
    PermissionGroup.SECURITY,
    PermissionGroup.TIRES,
    PermissionGroup.ENGINE_OIL,
)
READ_PATHS = (
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


@dataclass(frozen=True, kw_only=True)
class NightlyCharge:
    """A car plugged in every night at a low charge; the simulator stops it at the charge limit."""

    vehicle_id: str
    start_hour: int
    state_of_charge: float
    rate_per_minute: float

    def hours(self, charge_limit: float) -> float:
        """How long each session lasts."""
        return (charge_limit - self.state_of_charge) / self.rate_per_minute / 60


# BEV: 50 % -> 80 % (its limit) from 01:00, five hours; PHEV: 40 % -> 100 % from 21:00, 2.5 hours.
CHARGING = (
    NightlyCharge(
        vehicle_id=TESLA_ID, start_hour=1, state_of_charge=0.5, rate_per_minute=0.001
    ),
    NightlyCharge(
        vehicle_id=VOLVO_ID, start_hour=21, state_of_charge=0.4, rate_per_minute=0.004
    ),
)
CHARGE_LIMITS = {TESLA_ID: 0.8, VOLVO_ID: 1.0}

STRATEGY_LABELS = {
    "per_endpoint": "per-endpoint GETs every 30 min",
    "batch": "v2 batch every 30 min",
    "signals": "ours: v3 signals on the budget",
}
STRATEGIES = tuple(STRATEGY_LABELS)
BASELINE = "per_endpoint"


def epoch(moment: datetime) -> float:
    """Seconds since the epoch."""
    return moment.timestamp()


def moment(seconds: float) -> datetime:
    """An aware UTC datetime."""
    return datetime.fromtimestamp(seconds, UTC)


# --- A simulator with an authorised client --------------------------------------------------------


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

    def __init__(self) -> None:
        self.config = SimulatorConfig()
        self.simulator = Simulator(self.config, clock=ManualClock(epoch(START)))
        self.server = TestServer(create_app(self.simulator), host="127.0.0.1")
        self.now = epoch(START)
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


# --- Strategies -----------------------------------------------------------------------------------


class Strategy(Protocol):
    """One way to keep the fleet's state fresh."""

    key: str

    async def poll(self, client: SmartcarClient, vehicle_id: str, now: float) -> None:
        """Read the car once."""

    def wait(self, vehicle_id: str, now: float) -> timedelta:
        """Time until the car's next poll."""

    def active(self, vehicle_id: str) -> bool:
        """Whether the last poll saw the car charging or moving."""

    def counted(self, vehicle_id: str) -> int | None:
        """Requests the strategy believes it used (None when it does not keep count)."""


async def read_per_endpoint(client: SmartcarClient, vehicle_id: str) -> int:
    """One GET per endpoint in turn (a 501 is the car's answer, not a failure); return the count."""
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
    for read in reads:
        with contextlib.suppress(NotCapableError):
            await read(vehicle_id)
    return len(reads)


class PerEndpointPolling:
    """Baseline: every endpoint the entities read, one GET each, every 30 minutes."""

    key = "per_endpoint"

    async def poll(self, client: SmartcarClient, vehicle_id: str, now: float) -> None:
        await read_per_endpoint(client, vehicle_id)

    def wait(self, vehicle_id: str, now: float) -> timedelta:
        return BASELINE_INTERVAL

    def active(self, vehicle_id: str) -> bool:
        return False

    def counted(self, vehicle_id: str) -> int | None:
        return None


class BatchPolling(PerEndpointPolling):
    """Baseline: the same paths in one v2 batch every 30 minutes (Smartcar bills each path)."""

    key = "batch"

    async def poll(self, client: SmartcarClient, vehicle_id: str, now: float) -> None:
        await client.batch(vehicle_id, READ_PATHS)


class BudgetedSignals:
    """Ours: one v3 signals read per poll, spaced by `budget.poll_interval`.

    Mirrors `SmartcarCoordinator` with its own helpers: it counts what each `get_signals` call
    bills (`billed_requests`, and a refusal only when `is_billed`), is active while the car
    charges or moves (`has_moved`), and asks the budget for the next wait.
    """

    key = "signals"

    def __init__(self, policy: BudgetPolicy) -> None:
        self.policy = policy
        self._used: defaultdict[tuple[str, str], int] = defaultdict(int)
        self._state: dict[str, VehicleState] = {}
        self._active: dict[str, bool] = {}

    async def poll(self, client: SmartcarClient, vehicle_id: str, now: float) -> None:
        period = billing_period(moment(now))
        try:
            result = await client.get_signals(vehicle_id)
        except SmartcarError as err:
            if is_billed(err):
                self._used[vehicle_id, period] += 1
            raise
        self._used[vehicle_id, period] += result.billed_requests
        previous = self._state.get(vehicle_id, VehicleState())
        state = previous.merge(result.state)
        self._state[vehicle_id] = state
        self._active[vehicle_id] = state.is_charging is True or has_moved(
            previous, state
        )

    def wait(self, vehicle_id: str, now: float) -> timedelta:
        at = moment(now)
        plan = plan_next_poll(
            self.policy,
            now=at,
            used=self._used[vehicle_id, billing_period(at)],
            cost=1,
            active=self._active.get(vehicle_id, False),
        )
        return plan.at - at

    def active(self, vehicle_id: str) -> bool:
        return self._active.get(vehicle_id, False)

    def counted(self, vehicle_id: str) -> int | None:
        return sum(
            used for (car, _period), used in self._used.items() if car == vehicle_id
        )


def make_strategy(key: str) -> Strategy:
    if key == "per_endpoint":
        return PerEndpointPolling()
    if key == "batch":
        return BatchPolling()
    if key == "signals":
        return BudgetedSignals(BudgetPolicy(monthly_limit=MONTHLY_LIMIT))
    raise ValueError(f"unknown strategy {key!r}")


# --- Running a strategy over the simulated horizon ------------------------------------------------

# At the same instant the car changes (charging starts) before it is polled.
_CAR_EVENT, _POLL = 0, 1


@dataclass(order=True)
class _Event:
    at: float
    kind: int
    seq: int
    vehicle_id: str = field(compare=False)
    charge: NightlyCharge | None = field(default=None, compare=False)


@dataclass(kw_only=True)
class CarRun:
    """What one car saw during a run."""

    polls: list[float] = field(default_factory=list)
    active_polls: int = 0
    failed_polls: int = 0


async def run_strategy(key: str, days: float) -> dict[str, Any]:
    """Poll the fleet for `days` simulated days with one strategy; return what the ledger says."""
    strategy = make_strategy(key)
    end = epoch(START) + days * 86400
    runs = {vehicle_id: CarRun() for vehicle_id in FLEET}
    started = time.perf_counter()
    async with Harness() as harness:
        for charge in CHARGING:
            await harness.control(
                "PATCH",
                f"/vehicles/{charge.vehicle_id}",
                {"charge_rate_per_minute": charge.rate_per_minute},
            )
        queue: list[_Event] = []
        seq = 0
        for day in range(int(days) + 1):
            for charge in CHARGING:
                at = epoch(START + timedelta(days=day, hours=charge.start_hour))
                if at < end:
                    seq += 1
                    heapq.heappush(
                        queue, _Event(at, _CAR_EVENT, seq, charge.vehicle_id, charge)
                    )
        for vehicle_id in FLEET:
            seq += 1
            heapq.heappush(queue, _Event(epoch(START), _POLL, seq, vehicle_id))
        while queue and queue[0].at < end:
            event = heapq.heappop(queue)
            await harness.set_clock(event.at)
            if event.charge is not None:
                await harness.control(
                    "PATCH",
                    f"/vehicles/{event.vehicle_id}",
                    {
                        "is_plugged_in": True,
                        "state_of_charge": event.charge.state_of_charge,
                        "is_charging": True,
                    },
                )
                continue
            run = runs[event.vehicle_id]
            run.polls.append(event.at)
            try:
                await strategy.poll(harness.client, event.vehicle_id, event.at)
            except SmartcarError:
                run.failed_polls += 1
            if strategy.active(event.vehicle_id):
                run.active_polls += 1
            seq += 1
            wait = strategy.wait(event.vehicle_id, event.at).total_seconds()
            heapq.heappush(queue, _Event(event.at + wait, _POLL, seq, event.vehicle_id))
        ledger = await harness.ledger()
        refreshes = harness.tokens.refreshes
    return _strategy_result(
        key=key,
        days=days,
        strategy=strategy,
        runs=runs,
        ledger=ledger,
        refreshes=refreshes,
        elapsed=time.perf_counter() - started,
    )


def _strategy_result(
    *,
    key: str,
    days: float,
    strategy: Strategy,
    runs: dict[str, CarRun],
    ledger: dict[str, Any],
    refreshes: int,
    elapsed: float,
) -> dict[str, Any]:
    scale = MONTH_DAYS / days
    cars: dict[str, Any] = {}
    for vehicle_id, label in FLEET.items():
        run = runs[vehicle_id]
        row = ledger.get(vehicle_id, {"billed": 0, "requests": 0, "billed_by_path": {}})
        billed = int(row["billed"])
        gaps = [
            later - earlier
            for earlier, later in zip(run.polls, run.polls[1:], strict=False)
        ]
        counted = strategy.counted(vehicle_id)
        cars[vehicle_id] = {
            "label": label,
            "polls": len(run.polls),
            "active_polls": run.active_polls,
            "failed_polls": run.failed_polls,
            "billed": billed,
            "requests": int(row["requests"]),
            "billed_by_path": dict(row["billed_by_path"]),
            "billed_per_poll": round(billed / len(run.polls), 3) if run.polls else 0.0,
            "mean_interval_minutes": round(statistics.fmean(gaps) / 60, 1)
            if gaps
            else None,
            "min_interval_minutes": round(min(gaps) / 60, 1) if gaps else None,
            "counted_by_integration": counted,
            "billed_per_month": round(billed * scale, 1),
            "polls_per_month": round(len(run.polls) * scale, 1),
            "fits_limit": billed * scale <= MONTHLY_LIMIT,
        }
    per_month = [car["billed_per_month"] for car in cars.values()]
    return {
        "label": STRATEGY_LABELS[key],
        "cars": cars,
        "billed_per_car_month_mean": round(statistics.fmean(per_month), 1),
        "billed_per_car_month_max": max(per_month),
        "fleet_billed_per_month": round(sum(per_month), 1),
        "fits_limit": all(car["fits_limit"] for car in cars.values()),
        "token_refreshes": refreshes,
        "wall_seconds": round(elapsed, 2),
    }


# --- CPU: one car's full state --------------------------------------------------------------------

type Reader = Callable[[SmartcarClient, str], Awaitable[object]]

READERS: dict[str, Reader] = {
    "per_endpoint": read_per_endpoint,
    "batch": lambda client, vehicle_id: client.batch(vehicle_id, READ_PATHS),
    "signals": lambda client, vehicle_id: client.get_signals(vehicle_id),
}


async def _time_reads(client: SmartcarClient, read: Reader, count: int) -> float:
    """Seconds per full-state read, over `count` reads spread across the fleet."""
    cars = list(FLEET)
    started = time.perf_counter()
    for index in range(count):
        await read(client, cars[index % len(cars)])
    return (time.perf_counter() - started) / count


def _time_parse(parse: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        parse()
    return (time.perf_counter() - started) / count


async def _raw_answers(
    harness: Harness, vehicle_id: str
) -> dict[str, Callable[[], object]]:
    """Fetch each strategy's raw answers for one car once; return closures that parse them."""
    session = harness.session
    headers = {"Authorization": "Bearer " + await harness.tokens()}
    url = f"{harness.base}/v3/vehicles/{vehicle_id}/signals"
    async with session.get(
        url, params={"pageSize": "100"}, headers=headers
    ) as response:
        signals = (await response.json())["data"]
    url = f"{harness.base}/v2.0/vehicles/{vehicle_id}/batch"
    body = {"requests": [{"path": path} for path in READ_PATHS]}
    async with session.post(url, json=body, headers=headers) as response:
        batch = (await response.json())["responses"]
    answers: list[tuple[str, dict[str, Any], dict[str, str]]] = []
    for path in READ_PATHS:
        async with session.get(
            f"{harness.base}/v2.0/vehicles/{vehicle_id}{path}", headers=headers
        ) as response:
            if response.status == 200:
                answers.append((path, await response.json(), dict(response.headers)))

    def per_endpoint() -> VehicleState:
        state = VehicleState()
        for path, answer, answer_headers in answers:
            state = state.merge(
                PATH_READERS[path].read(answer, meta_from_headers(answer_headers))
            )
        return state

    return {
        "per_endpoint": per_endpoint,
        "batch": lambda: read_path_responses(batch, EMPTY_META),
        "signals": lambda: parse_signals(signals, EMPTY_META),
    }


async def measure_cpu(iterations: int) -> dict[str, Any]:
    """Time full-state reads (HTTP + parse) and parsing alone; ratios to per-endpoint."""
    per_round = max(1, iterations // CPU_ROUNDS)
    async with Harness() as harness:
        client = harness.client
        for read in READERS.values():
            await _time_reads(client, read, len(FLEET))  # warm up
        reads: dict[str, list[float]] = {key: [] for key in READERS}
        for _ in range(CPU_ROUNDS):
            for key, read in READERS.items():
                reads[key].append(await _time_reads(client, read, per_round))
        before = await harness.ledger()
        await READERS["signals"](client, TESLA_ID)
        after = await harness.ledger()
        signals_requests = after[TESLA_ID]["requests"] - before[TESLA_ID]["requests"]
        parsers = {
            vehicle_id: await _raw_answers(harness, vehicle_id) for vehicle_id in FLEET
        }
    parses: dict[str, list[float]] = {key: [] for key in READERS}
    for _ in range(CPU_ROUNDS):
        for key in READERS:
            parses[key].append(
                statistics.fmean(
                    _time_parse(parsers[vehicle_id][key], per_round)
                    for vehicle_id in FLEET
                )
            )
    read_ms = {key: statistics.median(values) * 1000 for key, values in reads.items()}
    parse_ms = {key: statistics.median(values) * 1000 for key, values in parses.items()}
    http_requests = {
        "per_endpoint": len(READ_PATHS),
        "batch": 1,
        "signals": signals_requests,
    }
    return {
        "iterations": per_round * CPU_ROUNDS,
        "rounds": CPU_ROUNDS,
        "read": {
            key: {
                "ms_per_state": round(read_ms[key], 3),
                "http_requests_per_state": http_requests[key],
                "ratio_to_per_endpoint": round(read_ms[key] / read_ms[BASELINE], 3),
            }
            for key in READERS
        },
        "parse_only": {
            key: {
                "ms_per_state": round(parse_ms[key], 4),
                "ratio_to_per_endpoint": round(parse_ms[key] / parse_ms[BASELINE], 3),
            }
            for key in READERS
        },
    }


# --- The whole run --------------------------------------------------------------------------------


async def run_benchmark(
    days: float = DEFAULT_DAYS,
    *,
    strategies: Sequence[str] = STRATEGIES,
    cpu_iterations: int = DEFAULT_CPU_ITERATIONS,
) -> dict[str, Any]:
    """Run the quota benchmark, and the CPU one unless `cpu_iterations` is 0; return the results."""
    if not 0 < days <= MONTH_DAYS:
        raise ValueError(f"days must be in (0, {MONTH_DAYS}]")
    started = time.perf_counter()
    policy = BudgetPolicy(monthly_limit=MONTHLY_LIMIT)
    results = {key: await run_strategy(key, days) for key in strategies}
    for result in results.values():
        result["ratio_to"] = {
            baseline: round(
                result["fleet_billed_per_month"]
                / results[baseline]["fleet_billed_per_month"],
                4,
            )
            for baseline in ("per_endpoint", "batch")
            if baseline in results and results[baseline]["fleet_billed_per_month"]
        }
    cpu = await measure_cpu(cpu_iterations) if cpu_iterations > 0 else None
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "settings": {
            "days": days,
            "start": START.isoformat(),
            "month_days": MONTH_DAYS,
            "monthly_limit": MONTHLY_LIMIT,
            "baseline_interval_minutes": BASELINE_INTERVAL.total_seconds() / 60,
            "policy": {
                "poll_allowance": policy.poll_allowance,
                "command_reserve": policy.command_reserve,
                "min_interval_minutes": policy.min_interval.total_seconds() / 60,
                "active_speedup": policy.active_speedup,
            },
            "fleet": FLEET,
            "read_paths": list(READ_PATHS),
            "scopes": list(scopes_for([str(group) for group in READ_GROUPS])),
            "charging": [
                {
                    "vehicle": FLEET[charge.vehicle_id],
                    "from_hour_utc": charge.start_hour,
                    "state_of_charge": charge.state_of_charge,
                    "hours": round(charge.hours(CHARGE_LIMITS[charge.vehicle_id]), 2),
                }
                for charge in CHARGING
            ],
        },
        "strategies": results,
        "cpu": cpu,
        "wall_seconds": round(time.perf_counter() - started, 2),
    }


def format_report(results: dict[str, Any]) -> str:
    """The results as plain-text tables."""
    settings = results["settings"]
    lines = [
        f"Smartcar request economy: {settings['days']:g} simulated day(s) from {settings['start']},"
        f" projected to a {settings['month_days']}-day month; limit {settings['monthly_limit']}"
        " requests/car/month (billed requests from the simulator's ledger)",
        "",
    ]
    labels = list(FLEET.values())
    header = (
        f"{'strategy':<34}"
        + "".join(f"{'billed ' + label:>14}" for label in labels)
        + f"{'polls/car':>11}{'interval':>10}{'billed/poll':>12}{'fits 500':>10}"
        + f"{'ours/this':>11}"
    )
    lines += [header, "-" * len(header)]
    ours = results["strategies"].get("signals")
    for key, strategy in results["strategies"].items():
        cars = list(strategy["cars"].values())
        intervals = [
            car["mean_interval_minutes"] for car in cars if car["mean_interval_minutes"]
        ]
        per_poll = statistics.fmean(car["billed_per_poll"] for car in cars)
        ratio = (
            f"{ours['fleet_billed_per_month'] / strategy['fleet_billed_per_month']:.3f}"
            if ours is not None and strategy["fleet_billed_per_month"]
            else "-"
        )
        lines.append(
            f"{strategy['label']:<34}"
            + "".join(f"{car['billed_per_month']:>14.0f}" for car in cars)
            + f"{statistics.fmean(car['polls_per_month'] for car in cars):>11.0f}"
            + (
                f"{statistics.fmean(intervals):>7.1f} min"
                if intervals
                else f"{'-':>10}"
            )
            + f"{per_poll:>12.2f}"
            + f"{'yes' if strategy['fits_limit'] else 'NO':>10}"
            + f"{ratio if key != 'signals' else '1.000':>11}"
        )
    if ours is not None:
        lines.append("")
        for car in ours["cars"].values():
            counted = car["counted_by_integration"]
            verdict = "matches" if counted == car["billed"] else "DOES NOT MATCH"
            lines.append(
                f"  ours, {car['label']}: {car['polls']} polls ({car['active_polls']} while"
                f" charging), gaps {car['min_interval_minutes']}-{car['mean_interval_minutes']}"
                f" min (shortest-mean); ledger billed {car['billed']}, the integration counted"
                f" {counted} ({verdict})"
            )
    cpu = results.get("cpu")
    if cpu:
        lines += [
            "",
            f"CPU: one car's full state, median of {cpu['rounds']} rounds, "
            f"{cpu['iterations']} reads each",
            f"{'strategy':<34}{'HTTP reqs':>10}{'read ms':>10}{'ratio':>8}"
            f"{'parse ms':>11}{'ratio':>8}",
        ]
        for key, read in cpu["read"].items():
            parse = cpu["parse_only"][key]
            lines.append(
                f"{STRATEGY_LABELS[key]:<34}{read['http_requests_per_state']:>10}"
                f"{read['ms_per_state']:>10.3f}{read['ratio_to_per_endpoint']:>8.3f}"
                f"{parse['ms_per_state']:>11.4f}{parse['ratio_to_per_endpoint']:>8.3f}"
            )
    lines += ["", f"wall time {results['wall_seconds']:.1f} s"]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument(
        "--days",
        type=float,
        default=DEFAULT_DAYS,
        help=f"simulated days from {START.date()} (at most {MONTH_DAYS}; default %(default)s)",
    )
    parser.add_argument(
        "--strategy",
        action="append",
        choices=STRATEGIES,
        help="run only this strategy (repeatable; default: all)",
    )
    parser.add_argument(
        "--cpu-iterations",
        type=int,
        default=DEFAULT_CPU_ITERATIONS,
        help="full-state reads per strategy in the CPU benchmark (0 skips it)",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="where to write the JSON"
    )
    args = parser.parse_args(argv)
    if not 0 < args.days <= MONTH_DAYS:
        parser.error(f"--days must be more than 0 and at most {MONTH_DAYS}")
    results = asyncio.run(
        run_benchmark(
            args.days,
            strategies=tuple(args.strategy or STRATEGIES),
            cpu_iterations=max(0, args.cpu_iterations),
        ),
        # Never measure with asyncio's debug mode on (it records a traceback per callback).
        debug=False,
    )
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(format_report(results))
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
