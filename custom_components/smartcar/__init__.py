"""The Smartcar integration: every car of a Smartcar account as a device."""

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
)
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from .access import Account, async_account
from .api.errors import (
    AuthenticationError,
    OAuthError,
    SmartcarError,
    describe_error,
)
from .api.models import VehicleAttributes
from .auth import token_store
from .const import (
    CONF_API_GENERATION,
    CONF_GRANTED_AT,
    CONF_MANAGEMENT_TOKEN,
    CONF_MIN_POLL_INTERVAL,
    CONF_MODE,
    CONF_MONTHLY_LIMIT,
    CONF_READ_PATH,
    CONF_VEHICLES,
    DEFAULT_MIN_POLL_INTERVAL,
    DEFAULT_MONTHLY_LIMIT,
    DOMAIN,
    LOGGER,
    PLATFORMS,
    VEHICLE_DISCOVERY_INTERVAL,
    VEHICLE_MAKE,
    VEHICLE_MODEL,
    VEHICLE_UNSUPPORTED,
    VEHICLE_YEAR,
    WEBHOOK_SAFETY_POLL_INTERVAL,
    ApiGeneration,
    ConnectMode,
    ReadPath,
)
from .coordinator import SmartcarCoordinator
from .entity import signal_new_vehicle
from .issues import async_delete_entry_issues
from .ledger import RequestLedger
from .models import SmartcarConfigEntry, SmartcarData
from .naming import entry_title
from .planner import BudgetPolicy
from .read_triggers import async_track_read_triggers
from .services import async_setup_services
from .subscriptions import (
    async_retain_subscriptions,
    async_schedule_subscriptions,
    async_schedule_unsubscribe,
    smartcar_webhook_id,
    subscribed_vehicles,
    webhooks_enabled,
)
from .vehicle_store import StoredVehicle, VehicleStore
from .webhook import async_register_webhook

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)
# Longest wait on Smartcar during setup (a new entry must learn its cars first).
SETUP_TIMEOUT = 30


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions (they find their car among the loaded entries)."""
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Set up every car of the account; cars known from the store show their values at once."""
    account = await async_account(hass, entry)
    ledger = RequestLedger(hass, entry.entry_id)
    store = VehicleStore(hass, entry.entry_id)
    await asyncio.gather(ledger.async_load(), store.async_load())
    entry.async_on_unload(store.async_flush)
    _async_adopt_entry_rows(hass, entry, store)
    known = tuple(store.vehicles)
    vehicle_ids = await _async_first_vehicles(account, known)
    entry.runtime_data = SmartcarData(
        account=account,
        client=account.client,
        tokens=account.tokens,
        ledger=ledger,
        store=store,
        policy=_policy(entry.options),
        read_path=ReadPath(entry.options.get(CONF_READ_PATH, ReadPath.SIGNALS)),
    )
    for vehicle_id in vehicle_ids:
        _async_add_coordinator(hass, entry, vehicle_id)
    if not known:
        # Listed just now: devices of cars that left while Home Assistant was off go too.
        await _async_remove_departed_vehicles(hass, entry, set(vehicle_ids))

    _async_retitle(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    # Polls run on each car's own schedule, in the background: the setup never waits for them.
    for coordinator in entry.runtime_data.vehicles.values():
        coordinator.async_start()
    async_track_read_triggers(hass, entry)
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
    if known:
        # The stored cars were set up without asking Smartcar; see who joined or left now.
        entry.async_create_background_task(
            hass, _async_update_vehicles(hass, entry), f"{DOMAIN} vehicle discovery"
        )
    return True


async def _async_first_vehicles(
    account: Account, known: tuple[str, ...]
) -> tuple[str, ...]:
    """Return the cars to set up: the stored ones at once, else Smartcar's list (bounded wait)."""
    try:
        async with asyncio.timeout(SETUP_TIMEOUT):
            await account.tokens.async_get_access_token()
            if known:
                return known
            return await account.async_vehicle_ids()
    except (OAuth2TokenRequestReauthError, AuthenticationError) as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="authentication_failed"
        ) from err
    except (OAuth2TokenRequestBaseError, SmartcarError, TimeoutError) as err:
        if isinstance(err, OAuthError) and err.code == "invalid_client":
            # The V3 token endpoint refused the API credentials: only new ones help.
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="api_credentials_refused"
            ) from err
        if known:
            # The cars show their stored values and try again on their own schedule.
            LOGGER.info(
                "Smartcar cannot be reached (%s); starting from stored values",
                type(err).__name__,
            )
            return known
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="cannot_connect"
        ) from err


@callback
def _async_add_coordinator(
    hass: HomeAssistant, entry: SmartcarConfigEntry, vehicle_id: str
) -> SmartcarCoordinator:
    runtime = entry.runtime_data
    stored = runtime.store.vehicles.get(vehicle_id)
    if stored is not None:
        # After a new login the car's permissions and refusals are learned again.
        grant = entry.data.get(CONF_GRANTED_AT)
        stored = replace(stored, profile=stored.profile.regranted(grant))
    coordinator = SmartcarCoordinator(hass, entry, vehicle_id, stored)
    runtime.vehicles[vehicle_id] = coordinator
    entry.async_on_unload(coordinator.async_shutdown)
    entry.async_on_unload(
        coordinator.async_add_listener(lambda: _async_retitle(hass, entry))
    )
    return coordinator


@callback
def _async_retitle(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Name the entry after its cars once their models are known (unless renamed)."""
    simulated = entry.data.get(CONF_MODE) == ConnectMode.SIMULATED
    if not entry.title.startswith(entry_title((), simulated=simulated)):
        return
    title = entry_title(
        (
            coordinator.attributes.model if coordinator.attributes else None
            for coordinator in entry.runtime_data.vehicles.values()
        ),
        simulated=simulated,
    )
    if title != entry.title:
        hass.config_entries.async_update_entry(entry, title=title)


async def async_migrate_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Bring an entry of an earlier version up to date (a newer one cannot be read)."""
    if entry.version > 2:
        return False
    if entry.version == 1:
        # Every entry before V3 applications existed is a legacy application.
        hass.config_entries.async_update_entry(
            entry,
            data={CONF_API_GENERATION: ApiGeneration.LEGACY.value, **entry.data},
            version=2,
        )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> bool:
    """Unload the platforms; the coordinators stop with the entry."""
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Unsubscribe the cars from the webhook; delete the request ledger and the repair issues."""
    async_schedule_unsubscribe(
        hass,
        entry,
        smartcar_webhook_id(entry),
        subscribed_vehicles(entry),
        entry.options.get(CONF_MANAGEMENT_TOKEN),
    )
    async_delete_entry_issues(hass, entry.entry_id)
    await RequestLedger(hass, entry.entry_id).async_remove()
    await VehicleStore(hass, entry.entry_id).async_remove()
    await token_store(hass, entry.entry_id).async_remove()


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
    return BudgetPolicy(
        monthly_limit=int(options.get(CONF_MONTHLY_LIMIT, DEFAULT_MONTHLY_LIMIT)),
        min_interval=timedelta(
            minutes=options.get(CONF_MIN_POLL_INTERVAL, DEFAULT_MIN_POLL_INTERVAL)
        ),
        # Pushes bring the data: polls are only a safety net (and still within the budget).
        safety_interval=WEBHOOK_SAFETY_POLL_INTERVAL
        if webhooks_enabled(options)
        else None,
    )


async def _async_update_vehicles(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> None:
    """Add cars that joined the account and remove those that left."""
    runtime = entry.runtime_data
    try:
        vehicle_ids = await runtime.account.async_vehicle_ids()
    except AuthenticationError:
        entry.async_start_reauth(hass)
        return
    except (SmartcarError, OAuth2TokenRequestBaseError) as err:
        LOGGER.debug("Could not list the Smartcar cars: %s", describe_error(err))
        return
    for vehicle_id in vehicle_ids:
        if vehicle_id in runtime.vehicles:
            continue
        # Its entities come with its first read, which runs on its own schedule.
        coordinator = _async_add_coordinator(hass, entry, vehicle_id)
        async_dispatcher_send(hass, signal_new_vehicle(entry.entry_id), vehicle_id)
        coordinator.async_start()
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
        coordinator.issues.delete_all()
    device_registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id):
        if not any(
            domain == DOMAIN and identifier in vehicle_ids
            for domain, identifier in device.identifiers
        ):
            device_registry.async_remove_device(device.id)
    await runtime.ledger.async_retain(vehicle_ids)
    runtime.store.retain(vehicle_ids)
    async_retain_subscriptions(hass, entry, vehicle_ids)


@callback
def _async_adopt_entry_rows(
    hass: HomeAssistant, entry: SmartcarConfigEntry, store: VehicleStore
) -> None:
    """Move what earlier versions kept per car in the entry into the store (once)."""
    rows: dict[str, dict[str, Any]] = entry.data.get(CONF_VEHICLES, {})
    for vehicle_id, row in rows.items():
        stored = store.vehicles.get(vehicle_id, StoredVehicle())
        if stored.profile.attributes is not None or VEHICLE_MAKE not in row:
            continue
        profile = replace(
            stored.profile,
            attributes=VehicleAttributes(
                id=vehicle_id,
                make=row[VEHICLE_MAKE],
                model=row.get(VEHICLE_MODEL),
                year=row.get(VEHICLE_YEAR),
            ),
            unsupported=frozenset(row.get(VEHICLE_UNSUPPORTED, ())),
        )
        store.update(vehicle_id, replace(stored, profile=profile))
    if CONF_VEHICLES in entry.data:
        data = {key: value for key, value in entry.data.items() if key != CONF_VEHICLES}
        hass.config_entries.async_update_entry(entry, data=data)
