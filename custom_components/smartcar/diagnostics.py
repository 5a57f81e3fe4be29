"""Diagnostics: what the integration knows, without secrets, webhook ids, VINs or coordinates."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .budget import polls_left
from .models import SmartcarConfigEntry

TO_REDACT = {
    "access_token",
    "refresh_token",
    "token",
    "client_id",
    "client_secret",
    "management_token",
    "webhook_id",
    "smartcar_webhook_id",
    "vin",
    "latitude",
    "longitude",
    "user_id",
    "unique_id",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> dict[str, Any]:
    """Return the entry, its budget and what each car reported."""
    runtime = entry.runtime_data
    now = dt_util.utcnow()
    vehicles: dict[str, Any] = {}
    for vehicle_id, coordinator in runtime.vehicles.items():
        usage = runtime.ledger.usage(vehicle_id, now)
        vehicles[vehicle_id] = {
            "attributes": asdict(coordinator.attributes)
            if coordinator.attributes
            else None,
            "permissions": sorted(coordinator.permissions or ()),
            "read_path": coordinator.read_path,
            "unsupported": sorted(coordinator.unsupported),
            "last_update_success": coordinator.last_update_success,
            "update_interval": str(coordinator.update_interval),
            "budget": {
                "period": usage.period,
                "used": usage.used,
                "billing_blocked": usage.billing_blocked,
                "polls_left": polls_left(
                    runtime.policy, usage.used, coordinator.poll_cost()
                ),
            },
            "state": asdict(coordinator.data) if coordinator.data is not None else None,
        }
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "policy": {
                "monthly_limit": runtime.policy.monthly_limit,
                "command_reserve": runtime.policy.command_reserve,
                "min_interval": str(runtime.policy.min_interval),
            },
            "vehicles": vehicles,
        },
        TO_REDACT,
    )
