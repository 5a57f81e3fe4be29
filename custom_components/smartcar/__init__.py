"""The Smartcar integration: every car of a Smartcar account as a device."""

import asyncio
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    ImplementationUnavailableError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.config_entry_oauth2_flow import (
    OAuth2Session,
    async_get_config_entry_implementation,
)
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from .api.client import Origins, SmartcarClient
from .api.errors import AuthenticationError, SmartcarError, describe_error
from .auth import SmartcarTokens
from .budget import BudgetPolicy, RequestLedger
from .const import (
    CONF_MANAGEMENT_TOKEN,
    CONF_MIN_POLL_INTERVAL,
    CONF_MONTHLY_LIMIT,
    CONF_READ_PATH,
    CONF_VEHICLES,
    DEFAULT_MIN_POLL_INTERVAL,
    DEFAULT_MONTHLY_LIMIT,
    DOMAIN,
    LOGGER,
    PLATFORMS,
    VEHICLE_DISCOVERY_INTERVAL,
    WEBHOOK_SAFETY_POLL_INTERVAL,
    ReadPath,
)
from .coordinator import SmartcarCoordinator, async_delete_entry_issues
from .entity import signal_new_vehicle
from .models import SmartcarConfigEntry, SmartcarData
from .services import async_setup_services
from .subscriptions import (
    async_retain_subscriptions,
    async_schedule_subscriptions,
    async_schedule_unsubscribe,
    smartcar_webhook_id,
    subscribed_vehicles,
    webhooks_enabled,
)
from .webhook import async_register_webhook

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they find their car among the loaded entries)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Set up every car of the account."""
    try:
        implementation = await async_get_config_entry_implementation(hass, entry)
    except ImplementationUnavailableError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="implementation_unavailable"
        ) from err
    # One session per account: it serialises refreshes, so a rotating refresh token is never
    # used twice.
    session = OAuth2Session(hass, entry, implementation)
    try:
        await session.async_ensure_token_valid()
    except OAuth2TokenRequestReauthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    except OAuth2TokenRequestBaseError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="cannot_connect"
        ) from err

    tokens = SmartcarTokens(hass, entry, session)
    client = SmartcarClient(
        async_get_clientsession(hass),
        tokens.async_get_access_token,
        origins=Origins.from_environment(),
    )
    vehicle_ids = await _async_list_vehicles(client, tokens)
    ledger = RequestLedger(hass, entry.entry_id)
    await ledger.async_load()
    # Saves are delayed; a reload (options, reauth) reads the file again at once.
    entry.async_on_unload(ledger.async_flush)
    entry.runtime_data = SmartcarData(
        client=client,
        tokens=tokens,
        ledger=ledger,
        policy=_policy(entry.options),
        read_path=ReadPath(entry.options.get(CONF_READ_PATH, ReadPath.SIGNALS)),
    )

    coordinators = [
        SmartcarCoordinator(hass, entry, vehicle_id) for vehicle_id in vehicle_ids
    ]
    # A car that cannot be read now stays set up and tries again on its own schedule (its
    # entities appear with its data); only a failure of the whole account stops the setup.
    await asyncio.gather(*(coordinator.async_refresh() for coordinator in coordinators))
    for coordinator in coordinators:
        _raise_if_account_failed(coordinator.last_exception)
    entry.runtime_data.vehicles = {
        coordinator.vehicle_id: coordinator for coordinator in coordinators
    }
    await _async_remove_departed_vehicles(hass, entry, set(vehicle_ids))

    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    if webhooks_enabled(entry.options):
        async_register_webhook(hass, entry)
        # In the background: Smartcar's answers never hold up the setup, nor fail it.
        async_schedule_subscriptions(hass, entry)

    async def async_update_vehicles(_now: datetime) -> None:
        await _async_update_vehicles(hass, entry)

    entry.async_on_unload(
        async_track_time_interval(
            hass,
            async_update_vehicles,
            VEHICLE_DISCOVERY_INTERVAL,
            name=f"{DOMAIN} vehicle discovery",
            cancel_on_shutdown=True,
        )
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Unload the platforms; the coordinators stop with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Unsubscribe the cars from the webhook; delete the request ledger and the repair issues."""
    async_schedule_unsubscribe(
        hass,
        smartcar_webhook_id(entry),
        subscribed_vehicles(entry),
        entry.options.get(CONF_MANAGEMENT_TOKEN),
    )
    async_delete_entry_issues(hass, entry.entry_id)
    await RequestLedger(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: SmartcarConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the owner remove a car that is no longer on the Smartcar account."""
    return not any(
        identifier[0] == DOMAIN and identifier[1] in entry.runtime_data.vehicles
        for identifier in device.identifiers
    )


def _policy(options: Mapping[str, Any]) -> BudgetPolicy:
    """Return the request budget the owner chose in the options."""
    min_interval = timedelta(
        minutes=options.get(CONF_MIN_POLL_INTERVAL, DEFAULT_MIN_POLL_INTERVAL)
    )
    if webhooks_enabled(options):
        # Pushes bring the data: polls are only a safety net (and still within the budget).
        min_interval = max(min_interval, WEBHOOK_SAFETY_POLL_INTERVAL)
    return BudgetPolicy(
        monthly_limit=int(options.get(CONF_MONTHLY_LIMIT, DEFAULT_MONTHLY_LIMIT)),
        min_interval=min_interval,
    )


async def _async_list_vehicles(
    client: SmartcarClient, tokens: SmartcarTokens
) -> tuple[str, ...]:
    """List the account's cars (not billed)."""
    try:
        return await tokens.async_authorized(client.get_vehicle_ids)
    except AuthenticationError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    except SmartcarError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="cannot_connect"
        ) from err


def _raise_if_account_failed(err: BaseException | None) -> None:
    """Fail the setup when a car's first read failed for the whole account (its login)."""
    if isinstance(err, ConfigEntryAuthFailed):
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    # The token endpoint failed (OAuth2TokenRequestBaseError is a ConfigEntryNotReady).
    if isinstance(err, ConfigEntryNotReady):
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="cannot_connect"
        ) from err


async def _async_update_vehicles(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> None:
    """Add cars that joined the account and remove those that left."""
    runtime = entry.runtime_data
    try:
        vehicle_ids = await runtime.tokens.async_authorized(
            runtime.client.get_vehicle_ids
        )
    except AuthenticationError:
        entry.async_start_reauth(hass)
        return
    except (SmartcarError, OAuth2TokenRequestBaseError) as err:
        LOGGER.debug("Could not list the Smartcar cars: %s", describe_error(err))
        return
    for vehicle_id in vehicle_ids:
        if vehicle_id in runtime.vehicles:
            continue
        # Kept even when its first read fails: it tries again on its own schedule.
        coordinator = SmartcarCoordinator(hass, entry, vehicle_id)
        await coordinator.async_refresh()
        runtime.vehicles[vehicle_id] = coordinator
        async_dispatcher_send(hass, signal_new_vehicle(entry.entry_id), vehicle_id)
    await _async_remove_departed_vehicles(hass, entry, set(vehicle_ids))
    # New cars, and any whose subscription failed, are subscribed (nothing to do otherwise).
    async_schedule_subscriptions(hass, entry)


async def _async_remove_departed_vehicles(
    hass: HomeAssistant, entry: SmartcarConfigEntry, vehicle_ids: set[str]
) -> None:
    """Remove the coordinators, issues, devices, ledger rows and cached facts of cars that left."""
    if not vehicle_ids:
        # An account listing no car at all is more likely a glitch than every car gone: keep
        # everything; cars that left are removed once the account lists any car again.
        LOGGER.warning(
            "Smartcar lists no car for %s; keeping the cars known", entry.title
        )
        return
    runtime = entry.runtime_data
    for vehicle_id in set(runtime.vehicles) - vehicle_ids:
        coordinator = runtime.vehicles.pop(vehicle_id)
        await coordinator.async_shutdown()
        coordinator.async_delete_issues()
    device_registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        if not any(
            domain == DOMAIN and identifier in vehicle_ids
            for domain, identifier in device.identifiers
        ):
            device_registry.async_remove_device(device.id)
    entry.runtime_data.ledger.retain(vehicle_ids)
    async_retain_subscriptions(hass, entry, vehicle_ids)
    cached = entry.data.get(CONF_VEHICLES, {})
    if set(cached) - vehicle_ids:
        hass.config_entries.async_update_entry(
            entry,
            data={
                **entry.data,
                CONF_VEHICLES: {
                    vehicle_id: row
                    for vehicle_id, row in cached.items()
                    if vehicle_id in vehicle_ids
                },
            },
        )
