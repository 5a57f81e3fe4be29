"""Runtime data of a Smartcar config entry."""

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry

from .api.client import SmartcarClient
from .auth import SmartcarTokens
from .const import ReadPath
from .ledger import RequestLedger
from .planner import BudgetPolicy
from .vehicle_store import VehicleStore

if TYPE_CHECKING:
    from .coordinator import SmartcarCoordinator

type SmartcarConfigEntry = ConfigEntry[SmartcarData]


@dataclass(kw_only=True)
class SmartcarData:
    """What every car of one Smartcar account shares, and a coordinator per car."""

    client: SmartcarClient
    tokens: SmartcarTokens
    ledger: RequestLedger
    store: VehicleStore
    policy: BudgetPolicy
    read_path: ReadPath
    vehicles: dict[str, SmartcarCoordinator] = field(default_factory=dict)
    # Held while cars are subscribed to Smartcar's webhook, so no car is subscribed twice.
    subscription_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
