"""Diagnostics: what the integration knows, without secrets, webhook ids, VINs or coordinates."""

from datetime import datetime
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .coordinator import SmartcarCoordinator
from .failures import failure_name
from .models import SmartcarConfigEntry
from .planner import polls_left

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
    "auth_implementation",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> dict[str, Any]:
    """Return the entry, its budget and what each car reported, in any entry state."""
    diagnostics: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "state": entry.state.value,
            "unique_id": entry.unique_id,
            "data": dict(entry.data),
            "options": dict(entry.options),
        },
    }
    if entry.state is ConfigEntryState.LOADED:
        runtime = entry.runtime_data
        now = dt_util.utcnow()
        diagnostics["policy"] = {
            "monthly_limit": runtime.policy.monthly_limit,
            "command_reserve": runtime.policy.command_reserve,
            "min_interval": str(runtime.policy.min_interval),
            "safety_interval": None
            if runtime.policy.safety_interval is None
            else str(runtime.policy.safety_interval),
        }
        diagnostics["vehicles"] = {
            vehicle_id: _vehicle(coordinator, now)
            for vehicle_id, coordinator in runtime.vehicles.items()
        }
    return async_redact_data(diagnostics, TO_REDACT)


def _vehicle(coordinator: SmartcarCoordinator, now: datetime) -> dict[str, Any]:
    runtime = coordinator.config_entry.runtime_data
    usage = runtime.ledger.usage(coordinator.vehicle_id, now)
    car = coordinator.car
    return {
        "profile": car.profile.to_json(),
        "read_path": coordinator.read_path(now),
        "poll": car.poll.to_json(),
        "last_read_error": None
        if coordinator.last_read_error is None
        else failure_name(coordinator.last_read_error),
        "budget": {
            "period": usage.period,
            "used": usage.used,
            "billing_blocked": usage.billing_blocked,
            "polls_left": polls_left(
                runtime.policy, usage.used, max(coordinator.poll_cost(now), 1)
            ),
        },
        "state": car.shown.to_json(),
    }
