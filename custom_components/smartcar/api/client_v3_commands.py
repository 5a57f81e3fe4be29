"""The v3 commands of `SmartcarClient` (`sc-user-id`): sent, then followed while they run."""

from collections.abc import Mapping
from typing import Final

from yarl import URL

from .client_core import _ClientCore
from .commands import (
    CommandExecution,
    CommandOutcome,
    V3Command,
    follow_link,
    parse_command_execution,
)
from .errors import SmartcarInvalidInputError
from .transport import _Answer, _in_range, _retry_after, _segment, _shape_checked

# v3 `charge/set-limit` takes a whole percent, 50-100 (3P spec reading, SMARTCAR_V3.md §3.4).
CHARGE_LIMIT_PERCENT_RANGE: Final = (50, 100)
# How long a 202 command is followed: about the 175 s after which 3P says Smartcar answers 202.
COMMAND_WAIT_SECONDS: Final = 180.0
# Between two reads of a running command, unless Smartcar sends Retry-After.
COMMAND_POLL_SECONDS: Final = 5.0


class V3Commands(_ClientCore):
    """The v3 commands of `SmartcarClient`, each followed to its outcome."""

    async def run_command_v3(
        self,
        vehicle_id: str,
        command: V3Command,
        *,
        attributes: Mapping[str, object] | None = None,
        user_id: str | None = None,
    ) -> CommandExecution:
        """POST v3 /vehicles/{id}/commands/<group>/<action> and follow it to its outcome.

        200 is done; a 202 is read for its outcome and, while it says the command still runs,
        read again where its `Location` header or `links.self` points (on the v3 origin only),
        every `Retry-After` seconds (else 5 s), until `command_wait` has passed: then PENDING.
        A 202 that gives nowhere to look is PENDING at once. HTTP errors raise as always
        (a car's refusal is a `VehicleStateError` with its code and description).
        """
        command = V3Command(command)
        user = self._user(user_id)
        url = self._v3_vehicle_url(vehicle_id, "commands", *command.value.split("/"))
        body = {"data": {"attributes": dict(attributes)}} if attributes else None
        started = self._clock()
        answer = await self._v3(
            url, method="POST", user_id=user, json_body=body, allow_empty=True
        )
        result = self._command_result(answer, command)
        while result.outcome is CommandOutcome.PENDING:
            target = self._command_follow_url(answer)
            if target is None:
                return result
            pause = _retry_after(answer.headers) or COMMAND_POLL_SECONDS
            if self._clock() + pause - started > self._command_wait:
                return result
            await self._sleep(pause)
            answer = await self._v3(target, user_id=user, allow_empty=True)
            result = self._command_result(answer, command)
        return result

    def _command_result(self, answer: _Answer, command: V3Command) -> CommandExecution:
        with _shape_checked(answer, "command"):
            return parse_command_execution(
                answer.body,
                http_status=answer.status,
                meta=answer.meta,
                command=command,
            )

    def _command_follow_url(self, answer: _Answer) -> URL | None:
        location = answer.headers.get("Location") if answer.headers else None
        with _shape_checked(answer, "command"):
            link = location or follow_link(answer.body)
        return self._v3_link(link) if link else None

    async def lock_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/security/lock."""
        return await self.run_command_v3(vehicle_id, V3Command.LOCK, user_id=user_id)

    async def unlock_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/security/unlock."""
        return await self.run_command_v3(vehicle_id, V3Command.UNLOCK, user_id=user_id)

    async def start_charge_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge/start."""
        return await self.run_command_v3(
            vehicle_id, V3Command.START_CHARGE, user_id=user_id
        )

    async def stop_charge_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge/stop."""
        return await self.run_command_v3(
            vehicle_id, V3Command.STOP_CHARGE, user_id=user_id
        )

    async def set_charge_limit_v3(
        self, vehicle_id: str, percent: float, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge/set-limit `{percent}`: a whole 50-100, checked first."""
        _segment("vehicle_id", vehicle_id)
        low, high = CHARGE_LIMIT_PERCENT_RANGE
        value = _in_range("percent", percent, low, high)
        if not value.is_integer():
            raise SmartcarInvalidInputError("percent must be a whole number")
        return await self.run_command_v3(
            vehicle_id,
            V3Command.SET_CHARGE_LIMIT,
            attributes={"percent": int(value)},
            user_id=user_id,
        )

    async def send_destination_v3(
        self,
        vehicle_id: str,
        latitude: float,
        longitude: float,
        *,
        user_id: str | None = None,
    ) -> CommandExecution:
        """POST v3 …/commands/navigation/set-destination (degrees, checked first)."""
        _segment("vehicle_id", vehicle_id)
        attributes = {
            "latitude": _in_range("latitude", latitude, -90, 90),
            "longitude": _in_range("longitude", longitude, -180, 180),
        }
        return await self.run_command_v3(
            vehicle_id,
            V3Command.SET_DESTINATION,
            attributes=attributes,
            user_id=user_id,
        )

    async def open_charge_port_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge-port/open."""
        return await self.run_command_v3(
            vehicle_id, V3Command.OPEN_CHARGE_PORT, user_id=user_id
        )

    async def close_charge_port_v3(
        self, vehicle_id: str, *, user_id: str | None = None
    ) -> CommandExecution:
        """POST v3 …/commands/charge-port/close."""
        return await self.run_command_v3(
            vehicle_id, V3Command.CLOSE_CHARGE_PORT, user_id=user_id
        )
