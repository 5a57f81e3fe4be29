"""The simulator's state: one object tests can build in-process and drive directly."""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
import math
from typing import Any

from .clock import Clock, iso, system_clock
from .config import SimulatorConfig
from .errors import (
    SmartcarApiError,
    access_denied_error,
    authentication_error,
    make_error,
    missing_user_id_error,
    not_found_error,
    permission_error,
)
from .faults import Fault, FaultBook
from .fleet import Vehicle, default_fleet
from .ledger import Ledger
from .tokens import Grant, TokenLifetimes, TokenStore

type Sleep = Callable[[float], Awaitable[None]]

CONNECT_ERRORS = frozenset(
    {
        "access_denied",
        "invalid_subscription",
        "configuration_error",
        "no_vehicles",
        "vehicle_incompatible",
        "server_error",
        "user_manually_returned_to_application",
    }
)


@dataclass(kw_only=True)
class ConnectFault:
    """A forced Connect outcome: the next approvals redirect with this error."""

    error: str
    description: str
    remaining: int | None


@dataclass(kw_only=True)
class TokenEndpointFault:
    """A forced token endpoint failure (e.g. 500 or 429) for the next requests."""

    status: int
    remaining: int | None
    retry_after: int | None


@dataclass(kw_only=True)
class CommandRecord:
    vehicle_id: str
    at: float
    path: str
    body: Any
    status: int
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "vehicle_id": self.vehicle_id,
            "at": iso(self.at),
            "path": self.path,
            "body": self.body,
            "status": self.status,
            "error": self.error,
        }


@dataclass(kw_only=True)
class Subscription:
    """A v3 Management API subscription: (webhook, user, vehicle)."""

    subscription_id: str
    webhook_id: str
    user_id: str
    vehicle_id: str
    created_at: float


@dataclass(kw_only=True)
class WebhookState:
    """Webhooks known to the application and the cars subscribed to them."""

    names: dict[str, str] = field(default_factory=dict)
    subscriptions: dict[str, set[str]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    # Dashboard settings of a webhook: callback URL, verified, configured data signals.
    urls: dict[str, str] = field(default_factory=dict)
    verified: set[str] = field(default_factory=set)
    signals: dict[str, list[str]] = field(default_factory=dict)
    v3_subscriptions: dict[str, Subscription] = field(default_factory=dict)

    def is_subscribed(self, vehicle_id: str) -> bool:
        return any(vehicle_id in cars for cars in self.subscriptions.values())


@dataclass(kw_only=True)
class RateBucket:
    """The application's token bucket (120 requests, refilling 2 per minute)."""

    capacity: int
    refill_per_minute: float
    level: float
    updated_at: float

    def take(self, now: float) -> int | None:
        """Take one request; None when allowed, else the seconds until one is back."""
        elapsed = max(0.0, now - self.updated_at)
        self.level = min(
            float(self.capacity), self.level + elapsed * self.refill_per_minute / 60
        )
        self.updated_at = now
        if self.level >= 1.0:
            self.level -= 1.0
            return None
        if self.refill_per_minute <= 0:
            return 3600
        return max(1, math.ceil((1.0 - self.level) * 60 / self.refill_per_minute))


@dataclass(frozen=True, kw_only=True)
class Caller:
    """Who makes a v3 request: an application token (+ ``sc-user-id``) or a per-user token."""

    application: bool
    grant: Grant | None
    user_id: str | None
    user_header: bool


class Simulator:
    """Smartcar, simulated: fleet, tokens, ledger, faults and recorded commands."""

    def __init__(
        self,
        config: SimulatorConfig | None = None,
        *,
        clock: Clock = system_clock,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config or SimulatorConfig()
        self._clock = clock
        self.clock_offset = 0.0
        self.sleep = sleep
        self.reset()

    def reset(self) -> None:
        """Back to the default fleet with no tokens, faults or history."""
        config = self.config
        self.fleet: dict[str, Vehicle] = default_fleet(
            self.now(), config.charge_rate_per_minute
        )
        self.tokens = TokenStore(
            lifetimes=TokenLifetimes(
                access=config.access_token_lifetime,
                refresh=config.refresh_token_lifetime,
                grace=config.refresh_token_grace,
                code=config.authorization_code_lifetime,
            ),
            seed=config.seed,
        )
        self.ledger = Ledger()
        self.faults = FaultBook()
        self.commands: list[CommandRecord] = []
        self.connect_fault: ConnectFault | None = None
        self.token_endpoint_fault: TokenEndpointFault | None = None
        self.webhooks = WebhookState(names={wid: wid for wid in config.webhook_ids})
        self._request_counter = 0
        self.rate_bucket: RateBucket | None = (
            None
            if config.app_rate_limit is None
            else RateBucket(
                capacity=config.app_rate_limit,
                refill_per_minute=config.app_rate_refill_per_minute,
                level=float(config.app_rate_limit),
                updated_at=self.now(),
            )
        )
        # v3 signal store: vehicle id -> (moment of the snapshot, snapshot of the car).
        self.signal_store: dict[str, tuple[float, Vehicle]] = {}
        self.background: set[asyncio.Task[Any]] = set()

    def reconfigure(self, config: SimulatorConfig) -> None:
        """Switch settings at run time (control API); state is kept."""
        old = self.config
        self.config = config
        if (old.app_rate_limit, old.app_rate_refill_per_minute) != (
            config.app_rate_limit,
            config.app_rate_refill_per_minute,
        ):
            self.rate_bucket = (
                None
                if config.app_rate_limit is None
                else RateBucket(
                    capacity=config.app_rate_limit,
                    refill_per_minute=config.app_rate_refill_per_minute,
                    level=float(config.app_rate_limit),
                    updated_at=self.now(),
                )
            )
        self.tokens.lifetimes.access = config.access_token_lifetime
        self.tokens.lifetimes.grace = config.refresh_token_grace

    def spawn(self, coroutine: Awaitable[Any]) -> None:
        """Run something after the answer (e.g. a webhook delivery); see ``drain``."""
        task: asyncio.Task[Any] = asyncio.ensure_future(coroutine)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def drain(self) -> None:
        """Wait for every background task (tests, shutdown)."""
        while self.background:
            await asyncio.gather(*list(self.background))

    def now(self) -> float:
        return self._clock() + self.clock_offset

    def next_request_id(self) -> str:
        """A deterministic UUID-shaped request id (``SC-Request-Id``)."""
        self._request_counter += 1
        return f"00000000-0000-4000-8000-{self._request_counter:012x}"

    def new_id(self, kind: str) -> str:
        return self.tokens.new_id(kind)

    # Authentication and access.

    def grant_from_header(self, header: str | None) -> Grant:
        """The grant of a ``Bearer`` access token; AUTHENTICATION error otherwise."""
        if not header or not header.startswith("Bearer "):
            raise authentication_error()
        grant = self.tokens.grant_for(
            header.removeprefix("Bearer ").strip(), self.now()
        )
        if grant is None:
            raise authentication_error()
        return grant

    def vehicle_for(self, grant: Grant, vehicle_id: str) -> Vehicle:
        """The car if this grant reaches it; PERMISSION error otherwise."""
        if (
            vehicle_id not in self.tokens.connected_vehicles(grant)
            or vehicle_id not in self.fleet
        ):
            raise permission_error(
                "This access token does not give access to this vehicle."
            )
        vehicle = self.fleet[vehicle_id]
        vehicle.settle(self.now())
        return vehicle

    # V3 access.

    def application_token(self, header: str | None) -> bool:
        """Whether the header carries a valid application token (no exception)."""
        if not header or not header.startswith("Bearer "):
            return False
        token = header.removeprefix("Bearer ").strip()
        return self.tokens.application_token_valid(token, self.now())

    def check_application_token(self, header: str | None) -> None:
        if not self.application_token(header):
            raise authentication_error()

    def v3_caller(self, headers: Mapping[str, str], *, need_user: bool) -> Caller:
        """Authenticate a v3 vehicle request.

        Application token: ``sc-user-id`` required where Smartcar requires it (signals,
        commands): ``400 VALIDATION:MISSING_PARAMETER`` "missing userId" without it.
        Per-user Connect token: accepted or 401, as ``v3_user_tokens`` says.
        """
        header = headers.get("Authorization")
        user_id = (headers.get("sc-user-id") or "").strip() or None
        if self.application_token(header):
            if need_user and user_id is None:
                raise missing_user_id_error()
            return Caller(
                application=True,
                grant=None,
                user_id=user_id,
                user_header=user_id is not None,
            )
        grant = self.grant_from_header(header)
        if self.config.v3_user_tokens == "reject":
            raise authentication_error()
        if user_id is not None and user_id != grant.user_id:
            raise access_denied_error("sc-user-id does not match the access token.")
        return Caller(
            application=False,
            grant=grant,
            user_id=grant.user_id,
            user_header=user_id is not None,
        )

    def v3_vehicle(
        self, caller: Caller, vehicle_id: str
    ) -> tuple[Vehicle, tuple[str, ...]]:
        """The car and the permissions the caller has for it; refuses cars it does not reach."""
        if caller.grant is not None:
            vehicle = self.vehicle_for(caller.grant, vehicle_id)
            return vehicle, caller.grant.scope
        owners = [
            c.user_id
            for c in self.tokens.connections.values()
            if c.vehicle_id == vehicle_id
        ]
        if vehicle_id not in self.fleet or not owners:
            raise not_found_error()
        if caller.user_id is not None:
            if caller.user_id not in owners:
                raise access_denied_error(
                    "This user has not connected this vehicle to the application."
                )
            owners = [caller.user_id]
        scope: dict[str, None] = {}
        for owner in owners:
            scope.update(dict.fromkeys(self.tokens.scope_of(owner, vehicle_id)))
        vehicle = self.fleet[vehicle_id]
        vehicle.settle(self.now())
        return vehicle, tuple(scope)

    def connection_mode(self, vehicle_id: str) -> str:
        for connection in self.tokens.connections.values():
            if connection.vehicle_id == vehicle_id:
                return connection.mode
        return "live"

    def take_rate(self) -> int | None:
        """Consume one request from the application bucket; Retry-After seconds if empty."""
        if self.rate_bucket is None:
            return None
        return self.rate_bucket.take(self.now())

    def check_management_token(self, token: str | None) -> None:
        if token != self.config.management_token:
            raise authentication_error()

    # Faults and limits.

    async def take_fault(self, vehicle_id: str, path: str) -> Fault | None:
        """Consume the fault for this request (waiting its delay)."""
        fault = self.faults.take(vehicle_id, path)
        if fault is not None and fault.delay > 0:
            await self.sleep(fault.delay)
        return fault

    def check_request_limit(self, vehicle_id: str) -> None:
        limit = self.config.vehicle_request_limit
        if (
            limit is not None
            and self.ledger.billed_in_month(vehicle_id, self.now()) >= limit
        ):
            raise make_error("BILLING", "VEHICLE_REQUEST_LIMIT")

    @staticmethod
    def check_vehicle_state(vehicle: Vehicle) -> None:
        """A sleeping or offline car answers like Smartcar does."""
        if vehicle.is_asleep:
            raise make_error("VEHICLE_STATE", "ASLEEP")
        if not vehicle.is_online:
            raise make_error("VEHICLE_STATE", "UNREACHABLE")

    # Records.

    def record_command(
        self,
        vehicle_id: str,
        path: str,
        body: Any,
        status: int,
        error: SmartcarApiError | None,
    ) -> None:
        self.commands.append(
            CommandRecord(
                vehicle_id=vehicle_id,
                at=self.now(),
                path=path,
                body=body,
                status=status,
                error=None if error is None else f"{error.error_type}:{error.code}",
            )
        )

    def take_connect_fault(self) -> ConnectFault | None:
        fault = self.connect_fault
        if fault is not None and fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.connect_fault = None
        return fault

    def take_token_endpoint_fault(self) -> TokenEndpointFault | None:
        fault = self.token_endpoint_fault
        if fault is not None and fault.remaining is not None:
            fault.remaining -= 1
            if fault.remaining <= 0:
                self.token_endpoint_fault = None
        return fault
