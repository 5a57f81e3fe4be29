"""The simulator's state: one object tests can build in-process and drive directly."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from .clock import Clock, iso, system_clock
from .config import SimulatorConfig
from .errors import SmartcarApiError, authentication_error, make_error, permission_error
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
class WebhookState:
    """Webhooks known to the application and the cars subscribed to them."""

    names: dict[str, str] = field(default_factory=dict)
    subscriptions: dict[str, set[str]] = field(default_factory=dict)
    deliveries: list[dict[str, Any]] = field(default_factory=list)


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
