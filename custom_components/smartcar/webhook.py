"""Smartcar webhooks: check each delivery, answer the verify challenge, feed the cars' coordinators.

Smartcar signs a delivery with `SC-Signature`, the hex HMAC-SHA256 of the raw body keyed by the
Application Management Token. The signature is checked on the raw bytes, in constant time, before
anything is parsed; a delivery without a valid one changes nothing and is answered 401.

One exception, because Smartcar documents the signature for vehicle deliveries but not for its
one-time VERIFY request: a small request without any `SC-Signature` whose only content is a VERIFY
challenge is answered. An answer is `HMAC(token, challenge)`, which is exactly a valid signature of
a body equal to the challenge, so only challenges that cannot be a delivery are answered: a
delivery is a JSON object, and an accepted challenge contains no `{` (nor quotes, brackets or
spaces). Such an answer signs nothing this receiver would accept and changes nothing.

Smartcar retries any answer other than 2xx and delivers at least once, in any order: deliveries for
cars this entry does not have are acknowledged and ignored, and event ids already handled are
skipped. Nothing here waits for Smartcar, so the answer comes well within its 15 seconds.

A signed VERIFY carries Smartcar's own id of the webhook: after the answer, the entry remembers it
and subscribes its cars to it (`subscriptions.py`), since Smartcar only delivers data for
subscribed cars. An unsigned VERIFY is answered but stores and subscribes nothing.
"""

from http import HTTPStatus
import re

from aiohttp import hdrs, web
from homeassistant.components import webhook
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .api.errors import describe_error
from .api.webhooks import (
    MAX_WEBHOOK_BODY,
    VehicleErrorEvent,
    VehicleStateEvent,
    VerifyEvent,
    WebhookPayloadError,
    challenge_response,
    parse_webhook,
    vehicle_events,
    verify_signature,
)
from .const import CONF_MANAGEMENT_TOKEN, DOMAIN, LOGGER
from .models import SmartcarConfigEntry
from .subscriptions import async_use_webhook_id

SIGNATURE_HEADER = "SC-Signature"
_READ_CHUNK = 64 * 1024
# An unsigned request is read only when it is small enough to be a verify challenge.
MAX_UNSIGNED_BODY = 1024
# Challenges answered without a signature: never a JSON object, so never a delivery body.
_UNSIGNED_CHALLENGE = re.compile(r"[A-Za-z0-9._~+/=:-]{1,256}")


@callback
def async_register_webhook(hass: HomeAssistant, entry: SmartcarConfigEntry) -> None:
    """Receive the entry's webhooks until it unloads."""
    webhook_id: str = entry.options[CONF_WEBHOOK_ID]
    receiver = SmartcarWebhookReceiver(entry, entry.options[CONF_MANAGEMENT_TOKEN])
    webhook.async_register(
        hass,
        DOMAIN,
        f"Smartcar ({entry.title})",
        webhook_id,
        receiver.async_handle,
        # Smartcar calls from the internet.
        local_only=False,
        allowed_methods=[hdrs.METH_POST],
    )
    entry.async_on_unload(lambda: webhook.async_unregister(hass, webhook_id))


class SmartcarWebhookReceiver:
    """Checks and routes the deliveries of one Smartcar application to one entry's cars."""

    def __init__(self, entry: SmartcarConfigEntry, management_token: str) -> None:
        """Receive for `entry`, checking signatures with the Application Management Token."""
        self._entry = entry
        self._management_token = management_token

    async def async_handle(
        self, hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        """Answer one delivery."""
        raw_body = await _async_read_bounded(request)
        if raw_body is None:
            LOGGER.debug(
                "Smartcar webhook refused: larger than %s bytes", MAX_WEBHOOK_BODY
            )
            return web.Response(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        signature = request.headers.get(SIGNATURE_HEADER)
        if not verify_signature(self._management_token, raw_body, signature):
            if (
                signature is None
                and (challenge := _unsigned_challenge(raw_body)) is not None
            ):
                return self._challenge_answer(challenge)
            LOGGER.debug(
                "Smartcar webhook refused: missing or wrong %s", SIGNATURE_HEADER
            )
            return web.Response(status=HTTPStatus.UNAUTHORIZED)
        try:
            event = parse_webhook(raw_body)
        except WebhookPayloadError as err:
            LOGGER.debug("Smartcar webhook refused: %s", err)
            return web.Response(status=HTTPStatus.BAD_REQUEST, text=str(err))
        if isinstance(event, VerifyEvent):
            if event.webhook_id:
                # Only a signed VERIFY gets here: an unsigned one could come from anyone. The
                # subscriptions start once this request is answered, so Smartcar never waits.
                async_use_webhook_id(hass, self._entry, event.webhook_id)
            return self._challenge_answer(event.challenge)
        for vehicle_event in vehicle_events(event):
            self._async_route(vehicle_event)
        return web.Response(status=HTTPStatus.OK)

    def _challenge_answer(self, challenge: str) -> web.Response:
        return web.json_response(
            {"challenge": challenge_response(self._management_token, challenge)}
        )

    @callback
    def _async_route(self, event: VehicleStateEvent | VehicleErrorEvent) -> None:
        """Hand one car's news to its coordinator, once per event id (kept across restarts)."""
        store = self._entry.runtime_data.store
        if event.event_id is not None and store.seen_event(
            event.event_id, dt_util.utcnow()
        ):
            LOGGER.debug("Smartcar webhook: event %s already handled", event.event_id)
            return
        account = self._entry.runtime_data.account
        if event.is_test:
            # A test delivery from Smartcar's dashboard: answered, nothing changes.
            LOGGER.debug("Smartcar webhook: a test delivery, ignored")
            return
        if account.is_v3 and event.user_id not in (None, account.user_id):
            # Another owner of the same application: not this entry's car.
            LOGGER.debug("Smartcar webhook for another user, ignored")
            return
        coordinator = self._entry.runtime_data.vehicles.get(event.vehicle_id)
        if coordinator is None:
            # Acknowledged all the same: a refusal would only make Smartcar retry.
            LOGGER.debug(
                "Smartcar webhook for %s, not a car of this entry", event.vehicle_id
            )
            return
        if isinstance(event, VehicleErrorEvent):
            for error in event.errors:
                coordinator.issues.pushed(
                    coordinator.vehicle_name, error.error, resolved=error.resolved
                )
            return
        for code, err in event.errors.items():
            LOGGER.debug(
                "Smartcar webhook for %s: %s failed (%s)",
                event.vehicle_id,
                code,
                describe_error(err),
            )
        coordinator.async_push(event.facts, event.delivered_at)


async def _async_read_bounded(request: web.Request) -> bytes | None:
    """Read the body, or None as soon as it is larger than `MAX_WEBHOOK_BODY`."""
    if (request.content_length or 0) > MAX_WEBHOOK_BODY:
        return None
    body = bytearray()
    while chunk := await request.content.read(_READ_CHUNK):
        body += chunk
        if len(body) > MAX_WEBHOOK_BODY:
            return None
    return bytes(body)


def _unsigned_challenge(raw_body: bytes) -> str | None:
    """Return the challenge of an unsigned VERIFY request that is safe to answer, else None."""
    if len(raw_body) > MAX_UNSIGNED_BODY:
        return None
    try:
        event = parse_webhook(raw_body)
    except WebhookPayloadError:
        return None
    if isinstance(event, VerifyEvent) and _UNSIGNED_CHALLENGE.fullmatch(
        event.challenge
    ):
        return event.challenge
    return None
