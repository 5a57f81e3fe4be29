"""Diagnostics per entry and per car, without secrets, webhook ids, VINs or coordinates.

Each car also says which of the chosen permissions Smartcar supports for its model in the
owner's region (the compatibility matrix); a plan without it gives no error, just no hint.
"""

from datetime import datetime
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    LocalOAuth2Implementation,
    async_get_config_entry_implementation,
)
from homeassistant.util import dt as dt_util

from .api.compatibility import CompatibleModel, SmartcarCompatibility
from .api.errors import SmartcarError
from .api.origins import Origins
from .const import CONF_PERMISSIONS, DOMAIN, scopes_for
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
    "api_client_id",
    "api_client_secret",
    "management_token",
    "webhook_id",
    "smartcar_webhook_id",
    "vin",
    "latitude",
    "longitude",
    "heading_degrees",
    # Entity ids of the owner's, such as person.jane_doe.
    "read_triggers",
    "is_at_home",
    "location_type",
    "nickname",
    "user_id",
    "unique_id",
    "auth_implementation",
}
# Smartcar's compatibility regions by the country Home Assistant is set to.
_EUROPE = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GB",
        "GR",
        "HR",
        "HU",
        "IE",
        "IS",
        "IT",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "NO",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


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
        models = await _async_compatibility(hass, entry)
        diagnostics["vehicles"] = {
            vehicle_id: _vehicle(coordinator, now, models)
            for vehicle_id, coordinator in runtime.vehicles.items()
        }
    return async_redact_data(diagnostics, TO_REDACT)


async def async_get_device_diagnostics(
    hass: HomeAssistant, entry: SmartcarConfigEntry, device: dr.DeviceEntry
) -> dict[str, Any]:
    """Return one car: its own part of the entry's diagnostics."""
    everything = await async_get_config_entry_diagnostics(hass, entry)
    cars = everything.pop("vehicles", {})
    vehicle_id = next(
        (key for domain, key in device.identifiers if domain == DOMAIN), None
    )
    return {**everything, "vehicle": cars.get(vehicle_id)}


def _region(country: str | None) -> str | None:
    if country in {"US", "CA"}:
        return country
    return "EUROPE" if country in _EUROPE else None


async def _async_compatibility(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> tuple[CompatibleModel, ...] | None:
    """Return the matrix of the owner's region; None without region, plan or answer."""
    region = _region(hass.config.country)
    if region is None:
        return None
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
        if not isinstance(implementation, LocalOAuth2Implementation):
            return None
        compatibility = SmartcarCompatibility(
            async_get_clientsession(hass),
            implementation.client_id,
            implementation.client_secret,
            origins=Origins.from_environment(),
        )
        return await compatibility.get_matrix(region)
    except SmartcarError, HomeAssistantError:
        return None


def _hint(
    coordinator: SmartcarCoordinator, models: tuple[CompatibleModel, ...] | None
) -> dict[str, Any] | None:
    attributes = coordinator.attributes
    if models is None or attributes is None or attributes.make is None:
        return None
    line = next(
        (
            model
            for model in models
            if model.make.lower() == attributes.make.lower()
            and model.covers(attributes.model, attributes.year)
        ),
        None,
    )
    if line is None:
        return {"model_listed": False}
    chosen = set(scopes_for(coordinator.config_entry.data.get(CONF_PERMISSIONS, [])))
    return {
        "model_listed": True,
        "supported": sorted(chosen & line.permissions),
        "not_supported": sorted(chosen - line.permissions - {"read_vehicle_info"}),
    }


def _vehicle(
    coordinator: SmartcarCoordinator,
    now: datetime,
    models: tuple[CompatibleModel, ...] | None,
) -> dict[str, Any]:
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
        "compatibility": _hint(coordinator, models),
    }
