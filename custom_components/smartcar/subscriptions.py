"""Subscribing the cars to Smartcar's webhook: Smartcar only delivers data for subscribed cars.

Smartcar's webhook id is the one its dashboard shows (not Home Assistant's webhook id in the
callback URI). It is learned from a signed VERIFY request, or entered by the owner in the options,
and kept in the entry's data with the cars subscribed to it, so a restart or another VERIFY does not
subscribe a car twice. A car whose subscription fails stays unsubscribed and is tried again at the
next setup or the next periodic check of the account's cars; the failure never fails the setup.

Subscribing (`POST /vehicles/{id}/webhooks/{webhookId}`, with the owner's access token) reads
nothing from the car: it is not a billed request (only vehicle data reads and commands are), so it
is never recorded in the request ledger. Unsubscribing is done best effort when webhooks are turned
off or the entry is removed: `DELETE` with the management token for a legacy application, the v3
Management API with the application token for a V3 one (its cars were subscribed there).

Nothing is subscribed while webhooks are off (`webhooks_enabled`): `async_schedule_subscriptions`
checks it, so callers need not.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial
from typing import Any, cast

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import OAuth2TokenRequestBaseError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .access import generation
from .api.client import Origins, SmartcarManagement
from .api.errors import SmartcarError, describe_error
from .api.subscriptions import SmartcarManagementV3
from .auth import ApplicationTokens, async_application_tokens
from .const import (
    CONF_API_CLIENT_ID,
    CONF_API_CLIENT_SECRET,
    CONF_MANAGEMENT_TOKEN,
    CONF_SMARTCAR_WEBHOOK_ID,
    CONF_SUBSCRIBED_VEHICLES,
    CONF_USER_ID,
    DOMAIN,
    LOGGER,
    ApiGeneration,
)
from .models import SmartcarConfigEntry

# Unsubscribing is best effort, after the owner has moved on: don't wait for long.
UNSUBSCRIBE_TIMEOUT = 60


def webhooks_enabled(options: Mapping[str, Any]) -> bool:
    """Return whether the owner turned webhooks on (a management token and a webhook id)."""
    return bool(options.get(CONF_MANAGEMENT_TOKEN)) and bool(
        options.get(CONF_WEBHOOK_ID)
    )


def smartcar_webhook_id(entry: SmartcarConfigEntry) -> str | None:
    """Return Smartcar's id of the webhook, once known."""
    webhook_id: str | None = entry.data.get(CONF_SMARTCAR_WEBHOOK_ID)
    return webhook_id or None


def subscribed_vehicles(entry: SmartcarConfigEntry) -> frozenset[str]:
    """Return the cars subscribed to Smartcar's webhook."""
    return frozenset(entry.data.get(CONF_SUBSCRIBED_VEHICLES, ()))


@callback
def async_set_webhook_id(
    hass: HomeAssistant, entry: SmartcarConfigEntry, webhook_id: str
) -> None:
    """Remember Smartcar's webhook id; cars subscribed to another id are subscribed anew."""
    if smartcar_webhook_id(entry) == webhook_id:
        return
    hass.config_entries.async_update_entry(
        entry,
        data={
            **entry.data,
            CONF_SMARTCAR_WEBHOOK_ID: webhook_id,
            CONF_SUBSCRIBED_VEHICLES: [],
        },
    )


@callback
def async_use_webhook_id(
    hass: HomeAssistant, entry: SmartcarConfigEntry, webhook_id: str
) -> None:
    """Remember Smartcar's webhook id and subscribe the cars to it in the background.

    An entry not loaded only remembers it: the setup that follows subscribes.
    """
    async_set_webhook_id(hass, entry, webhook_id)
    if entry.state is ConfigEntryState.LOADED:
        async_schedule_subscriptions(hass, entry)


@callback
def async_retain_subscriptions(
    hass: HomeAssistant, entry: SmartcarConfigEntry, vehicle_ids: Iterable[str]
) -> None:
    """Forget the subscriptions of cars that left the account."""
    subscribed = subscribed_vehicles(entry)
    kept = subscribed.intersection(vehicle_ids)
    if kept != subscribed:
        _async_store_subscribed(hass, entry, kept)


@callback
def async_schedule_subscriptions(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> None:
    """Subscribe, in the background, the entry's cars not subscribed yet.

    Only while webhooks are on and once Smartcar's id is known. The task starts after the caller
    returns (not eagerly): a webhook's answer, such as VERIFY's, never waits for Smartcar.
    """
    if not webhooks_enabled(entry.options) or smartcar_webhook_id(entry) is None:
        return
    if not set(entry.runtime_data.vehicles) - subscribed_vehicles(entry):
        return
    entry.async_create_background_task(
        hass,
        async_subscribe_vehicles(hass, entry),
        name=f"{DOMAIN} webhook subscriptions",
        eager_start=False,
    )


async def async_subscribe_vehicles(
    hass: HomeAssistant, entry: SmartcarConfigEntry
) -> None:
    """Subscribe each car not subscribed yet, one request per car; a failure is retried later."""
    runtime = entry.runtime_data
    # One run at a time: a VERIFY arriving during the setup's run finds the cars it subscribed.
    async with runtime.subscription_lock:
        for vehicle_id in list(runtime.vehicles):
            webhook_id = smartcar_webhook_id(entry)
            if webhook_id is None or vehicle_id in subscribed_vehicles(entry):
                continue
            # Not billed (no data is read from the car): the request ledger is left alone.
            try:
                await runtime.tokens.async_authorized(
                    partial(_async_subscribe, hass, entry, vehicle_id, webhook_id)
                )
            except (SmartcarError, OAuth2TokenRequestBaseError) as err:
                # By type and status only: an error's text may carry the request's headers.
                LOGGER.warning(
                    "Could not subscribe Smartcar car %s to the webhook (%s); trying again later",
                    vehicle_id,
                    describe_error(err),
                )
                continue
            # The id may have changed, or the car left, while Smartcar answered.
            if (
                smartcar_webhook_id(entry) == webhook_id
                and vehicle_id in runtime.vehicles
            ):
                _async_store_subscribed(
                    hass, entry, subscribed_vehicles(entry) | {vehicle_id}
                )
                LOGGER.debug("Smartcar car %s subscribed to the webhook", vehicle_id)


async def _async_subscribe(
    hass: HomeAssistant, entry: SmartcarConfigEntry, vehicle_id: str, webhook_id: str
) -> None:
    """Subscribe one car: v3 Management for a V3 application, v2 for a legacy one."""
    account = entry.runtime_data.account
    if not account.is_v3 or account.user_id is None:
        await account.client.subscribe_webhook(vehicle_id, webhook_id)
        return
    tokens = cast("ApplicationTokens", account.tokens)
    management = SmartcarManagementV3(
        async_get_clientsession(hass), tokens.source, origins=Origins.from_environment()
    )
    # 202 (in progress) and 409 (already subscribed) both mean subscribed.
    await management.subscribe(webhook_id, vehicle_id, account.user_id)


@callback
def async_forget_webhook(
    hass: HomeAssistant, entry: SmartcarConfigEntry, management_token: str | None
) -> None:
    """Webhooks are off: clear the stored ids and unsubscribe the cars in the background."""
    webhook_id = smartcar_webhook_id(entry)
    vehicle_ids = sorted(subscribed_vehicles(entry))
    if (
        CONF_SMARTCAR_WEBHOOK_ID not in entry.data
        and CONF_SUBSCRIBED_VEHICLES not in entry.data
    ):
        return
    hass.config_entries.async_update_entry(
        entry,
        data={
            key: value
            for key, value in entry.data.items()
            if key not in (CONF_SMARTCAR_WEBHOOK_ID, CONF_SUBSCRIBED_VEHICLES)
        },
    )
    async_schedule_unsubscribe(hass, entry, webhook_id, vehicle_ids, management_token)


@callback
def async_schedule_unsubscribe(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    webhook_id: str | None,
    vehicle_ids: Iterable[str],
    management_token: str | None,
) -> None:
    """Unsubscribe the cars in the background, best effort (it outlives the entry's reload)."""
    vehicle_ids = list(vehicle_ids)
    if not webhook_id or not vehicle_ids:
        return
    remove = _unsubscriber(hass, entry, webhook_id, management_token)
    if remove is None:
        return
    hass.async_create_background_task(
        _async_unsubscribe(vehicle_ids, remove),
        name=f"{DOMAIN} webhook unsubscriptions",
    )


def _unsubscriber(
    hass: HomeAssistant,
    entry: SmartcarConfigEntry,
    webhook_id: str,
    management_token: str | None,
) -> Callable[[str], Awaitable[object]] | None:
    """Return how to unsubscribe one car of the entry (None: nothing to do it with)."""
    session, origins = async_get_clientsession(hass), Origins.from_environment()
    if generation(entry) is ApiGeneration.V3:
        tokens = async_application_tokens(
            hass, entry.data[CONF_API_CLIENT_ID], entry.data[CONF_API_CLIENT_SECRET]
        )
        v3 = SmartcarManagementV3(
            session, tokens.source, origins=origins, timeout=UNSUBSCRIBE_TIMEOUT
        )
        user_id = entry.data.get(CONF_USER_ID)
        return lambda vehicle_id: tokens.async_authorized(
            lambda: v3.unsubscribe(webhook_id, vehicle_id, user_id=user_id)
        )
    if not management_token:
        return None
    v2 = SmartcarManagement(
        session, management_token, origins=origins, timeout=UNSUBSCRIBE_TIMEOUT
    )
    return lambda vehicle_id: v2.unsubscribe_webhook(vehicle_id, webhook_id)


async def _async_unsubscribe(
    vehicle_ids: list[str], remove: Callable[[str], Awaitable[object]]
) -> None:
    """Remove each car's subscription; one that fails is logged, the others still go."""
    for vehicle_id in vehicle_ids:
        try:
            await remove(vehicle_id)
        except SmartcarError as err:
            LOGGER.warning(
                "Could not unsubscribe Smartcar car %s from the webhook (%s); "
                "remove the webhook in the Smartcar dashboard if deliveries continue",
                vehicle_id,
                describe_error(err),
            )
        else:
            LOGGER.debug("Smartcar car %s unsubscribed from the webhook", vehicle_id)


@callback
def _async_store_subscribed(
    hass: HomeAssistant, entry: SmartcarConfigEntry, vehicle_ids: Iterable[str]
) -> None:
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_SUBSCRIBED_VEHICLES: sorted(vehicle_ids)}
    )
