"""The async Smartcar client (v2.0, batch, v3 signals, OAuth token, Management API).

Knows nothing of Home Assistant: it gets an `aiohttp.ClientSession` and an async callable returning a
valid access token, and always asks for metric units.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date

import aiohttp

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

type TokenProvider = Callable[[], Awaitable[str]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Origins:
    """Where Smartcar lives; each can be moved with the SDKs' environment variables."""

    api: str = "https://api.smartcar.com"
    api_v3: str = "https://vehicle.api.smartcar.com"
    auth: str = "https://auth.smartcar.com"
    connect: str = "https://connect.smartcar.com"
    management: str = "https://management.smartcar.com"

    @classmethod
    def from_environment(cls, environ: os._Environ[str] | dict[str, str] | None = None) -> Origins:
        """Read SMARTCAR_API_ORIGIN, SMARTCAR_API_V3_ORIGIN, SMARTCAR_AUTH_ORIGIN,
        SMARTCAR_CONNECT_ORIGIN and SMARTCAR_MANAGEMENT_API_ORIGIN (trailing slashes dropped)."""
        raise NotImplementedError

    @property
    def authorize_url(self) -> str:
        """Connect's authorize page."""
        return f"{self.connect}/oauth/authorize"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.auth}/oauth/token"


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


class SmartcarClient:
    """Smartcar Vehicle API client for one user (one access token)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        get_access_token: TokenProvider,
        *,
        origins: Origins | None = None,
        timeout: float = 310,
    ) -> None:
        """Use `session` for every request and `get_access_token()` before each one."""
        raise NotImplementedError

    # --- account level (not billed) ---
    async def get_user_id(self) -> User:
        """GET /v2.0/user."""
        raise NotImplementedError

    async def get_vehicle_ids(self) -> tuple[str, ...]:
        """GET /v2.0/vehicles, every page (50 per page)."""
        raise NotImplementedError

    async def get_permissions(self, vehicle_id: str) -> Permissions:
        """GET /vehicles/{id}/permissions, every page."""
        raise NotImplementedError

    # --- v2 reads ---
    async def get_attributes(self, vehicle_id: str) -> VehicleAttributes: ...
    async def get_vin(self, vehicle_id: str) -> Vin: ...
    async def get_location(self, vehicle_id: str) -> Location: ...
    async def get_odometer(self, vehicle_id: str) -> Odometer: ...
    async def get_fuel(self, vehicle_id: str) -> Fuel: ...
    async def get_battery(self, vehicle_id: str) -> Battery: ...
    async def get_battery_capacity(self, vehicle_id: str) -> BatteryCapacity: ...
    async def get_nominal_capacity(self, vehicle_id: str) -> NominalCapacity: ...
    async def get_charge(self, vehicle_id: str) -> Charge: ...
    async def get_charge_limit(self, vehicle_id: str) -> ChargeLimit: ...
    async def get_engine_oil(self, vehicle_id: str) -> EngineOil: ...
    async def get_tire_pressure(self, vehicle_id: str) -> TirePressure: ...
    async def get_security(self, vehicle_id: str) -> Security: ...
    async def get_diagnostic_trouble_codes(self, vehicle_id: str) -> DiagnosticTroubleCodes: ...
    async def get_system_status(self, vehicle_id: str) -> SystemStatuses: ...
    async def get_service_history(
        self, vehicle_id: str, *, start_date: date | None = None, end_date: date | None = None
    ) -> ServiceHistory: ...

    async def batch(self, vehicle_id: str, paths: Sequence[str]) -> StateResult:
        """POST /vehicles/{id}/batch: one request, each path its own result (billed per path)."""
        raise NotImplementedError

    # --- v3 ---
    async def get_vehicle_v3(self, vehicle_id: str) -> VehicleAttributes: ...
    async def get_signals(self, vehicle_id: str) -> StateResult:
        """GET v3 /vehicles/{id}/signals, every page, mapped through signals.SIGNALS."""
        raise NotImplementedError

    async def get_signal(self, vehicle_id: str, code: str) -> StateResult: ...

    # --- commands (v2) ---
    async def lock(self, vehicle_id: str) -> CommandResult: ...
    async def unlock(self, vehicle_id: str) -> CommandResult: ...
    async def start_charge(self, vehicle_id: str) -> CommandResult: ...
    async def stop_charge(self, vehicle_id: str) -> CommandResult: ...
    async def set_charge_limit(self, vehicle_id: str, limit: float) -> CommandResult:
        """POST /charge/limit; `limit` is a fraction 0.5-1.0, refused before any request otherwise."""
        raise NotImplementedError

    async def send_destination(
        self, vehicle_id: str, latitude: float, longitude: float
    ) -> CommandResult: ...
    async def disconnect(self, vehicle_id: str) -> CommandResult: ...
    async def subscribe_webhook(self, vehicle_id: str, webhook_id: str) -> WebhookSubscription: ...
    async def unsubscribe_webhook(
        self, vehicle_id: str, webhook_id: str, management_token: str
    ) -> None: ...


class SmartcarAuth:
    """The OAuth token endpoint, with client credentials in an HTTP Basic header."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        client_id: str,
        client_secret: str,
        *,
        origins: Origins | None = None,
    ) -> None: ...

    async def exchange_code(self, code: str, redirect_uri: str) -> Token: ...
    async def refresh(self, refresh_token: str) -> Token: ...


class SmartcarManagement:
    """The Management API (Basic `default:<management token>`)."""

    def __init__(
        self, session: aiohttp.ClientSession, management_token: str, *, origins: Origins | None = None
    ) -> None: ...

    async def list_connections(
        self, *, vehicle_id: str | None = None, user_id: str | None = None
    ) -> tuple[Connection, ...]: ...
    async def delete_connections(
        self, *, vehicle_id: str | None = None, user_id: str | None = None
    ) -> tuple[Connection, ...]: ...
