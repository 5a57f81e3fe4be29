"""The v2.0 commands of `SmartcarClient` (lock, charge, limit, destination, disconnect, webhooks)."""

from collections.abc import Mapping
from typing import Final

from .client_core import _ClientCore
from .models import CommandResult, WebhookSubscription
from .parsers import parse_command, parse_webhook_subscription
from .transport import _in_range, _parse, _segment

# Limits Smartcar documents for POST /charge/limit (fractions).
CHARGE_LIMIT_RANGE: Final = (0.5, 1.0)


class V2Commands(_ClientCore):
    """The v2.0 commands of `SmartcarClient`, disconnecting and subscribing to a webhook."""

    async def _command(
        self, vehicle_id: str, path: str, body: Mapping[str, object]
    ) -> CommandResult:
        segments = [segment for segment in path.split("/") if segment]
        answer = await self._v2(
            "POST", self._vehicle_url(vehicle_id, *segments), json_body=body
        )
        return _parse(answer, path, parse_command)

    async def lock(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/security `{"action": "LOCK"}`."""
        return await self._command(vehicle_id, "/security", {"action": "LOCK"})

    async def unlock(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/security `{"action": "UNLOCK"}`."""
        return await self._command(vehicle_id, "/security", {"action": "UNLOCK"})

    async def start_charge(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/charge `{"action": "START"}`."""
        return await self._command(vehicle_id, "/charge", {"action": "START"})

    async def stop_charge(self, vehicle_id: str) -> CommandResult:
        """POST /vehicles/{id}/charge `{"action": "STOP"}`."""
        return await self._command(vehicle_id, "/charge", {"action": "STOP"})

    async def set_charge_limit(self, vehicle_id: str, limit: float) -> CommandResult:
        """POST /charge/limit; `limit` is a fraction 0.5-1.0, refused before any request if not."""
        _segment("vehicle_id", vehicle_id)
        low, high = CHARGE_LIMIT_RANGE
        value = _in_range("limit", limit, low, high)
        return await self._command(vehicle_id, "/charge/limit", {"limit": value})

    async def send_destination(
        self, vehicle_id: str, latitude: float, longitude: float
    ) -> CommandResult:
        """POST /vehicles/{id}/navigation/destination (degrees, checked before sending)."""
        _segment("vehicle_id", vehicle_id)
        body = {
            "latitude": _in_range("latitude", latitude, -90, 90),
            "longitude": _in_range("longitude", longitude, -180, 180),
        }
        return await self._command(vehicle_id, "/navigation/destination", body)

    async def disconnect(self, vehicle_id: str) -> CommandResult:
        """DELETE /vehicles/{id}/application: revoke this application's access to the car."""
        answer = await self._v2("DELETE", self._vehicle_url(vehicle_id, "application"))
        return _parse(answer, "application", parse_command)

    async def subscribe_webhook(
        self, vehicle_id: str, webhook_id: str
    ) -> WebhookSubscription:
        """POST /vehicles/{id}/webhooks/{webhookId}."""
        url = self._vehicle_url(
            vehicle_id, "webhooks", _segment("webhook_id", webhook_id)
        )
        answer = await self._v2("POST", url)
        return _parse(answer, "webhooks", parse_webhook_subscription)
