"""V3 commands: one path per command, and the typed outcome of a command execution.

`POST /v3/vehicles/{id}/commands/<group>/<action>` (SMARTCAR_V3.md §3.4). A 200 answers
`{data: {id, type: "command-execution", attributes: {commandType, status: {value: "SUCCESS"},
executionMode, parameters?}, meta: {executedAt, completedAt, durationInSeconds}}}`; a 202 means
"in process but long-running. Always read the response body to determine success or failure"
[S12]. Only `SUCCESS` was ever seen, so the status words below are read loosely: any word that
says done, failed or still running, in any case.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from . import _json as j
from .errors import SmartcarError, error_from_body
from .models import EMPTY_META, ResponseMeta


class V3Command(StrEnum):
    """Each v3 command, as its path under `/v3/vehicles/{id}/commands/`."""

    LOCK = "security/lock"
    UNLOCK = "security/unlock"
    START_CHARGE = "charge/start"
    STOP_CHARGE = "charge/stop"
    SET_CHARGE_LIMIT = "charge/set-limit"
    SET_DESTINATION = "navigation/set-destination"
    OPEN_CHARGE_PORT = "charge-port/open"
    CLOSE_CHARGE_PORT = "charge-port/close"


class CommandOutcome(StrEnum):
    """Where a command stands once the client stops waiting for it."""

    DONE = "done"
    FAILED = "failed"
    # Still running when the client's bound ran out (or Smartcar gave no way to follow it).
    PENDING = "pending"


# `status.value` words by outcome (upper case). Only SUCCESS is documented [S13], [S14].
_DONE_WORDS = frozenset({"SUCCESS", "SUCCEEDED", "SUCCESSFUL", "COMPLETED", "DONE"})
_FAILED_WORDS = frozenset(
    {
        "ERROR",
        "FAILED",
        "FAILURE",
        "REJECTED",
        "CANCELLED",
        "CANCELED",
        "TIMEOUT",
        "TIMED_OUT",
        "EXPIRED",
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandExecution:
    """The outcome of one v3 command, with what Smartcar said about its execution."""

    outcome: CommandOutcome
    command: V3Command | None = None
    execution_id: str | None = None
    command_type: str | None = None  # e.g. `security-unlock`, `charge-set-limit`
    status: str | None = None  # Smartcar's own `status.value`
    execution_mode: str | None = None  # `sync` is the only value seen
    parameters: Mapping[str, object] | None = None
    executed_at: datetime | None = None
    completed_at: datetime | None = None
    # Why the car refused, as the error class of its type (FAILED only).
    error: SmartcarError | None = None
    http_status: int | None = None
    meta: ResponseMeta = EMPTY_META

    def raise_for_outcome(self) -> None:
        """Raise the car's reason when the command failed (nothing when done or pending)."""
        if self.outcome is CommandOutcome.FAILED:
            raise self.error or SmartcarError(
                f"the command failed with status {self.status or 'unknown'}"
            )


def parse_command_execution(
    body: object,
    *,
    http_status: int,
    meta: ResponseMeta = EMPTY_META,
    command: V3Command | None = None,
) -> CommandExecution:
    """Read a command answer; a missing status means done on 200 and pending on 202."""
    envelope = j.as_object(body, "command") if body is not None else {}
    resource = j.opt_object(envelope, "data") or envelope
    attributes = j.opt_object(resource, "attributes") or resource
    status_obj = attributes.get("status")
    status_word: str | None
    error_body: Mapping[str, object] | None = None
    if isinstance(status_obj, Mapping):
        status_word = j.opt_str(status_obj, "value")
        error_body = j.opt_object(status_obj, "error")
    else:
        status_word = j.opt_str(attributes, "status")
    error_body = error_body or j.opt_object(attributes, "error")
    errors = j.opt_list(envelope, "errors")
    if error_body is None and errors:
        error_body = j.as_object(errors[0], "errors[]")
    word = (status_word or "").strip().upper()
    if word in _FAILED_WORDS or (error_body is not None and word not in _DONE_WORDS):
        outcome = CommandOutcome.FAILED
    elif word in _DONE_WORDS or (not word and http_status == 200):
        outcome = CommandOutcome.DONE
    else:
        outcome = CommandOutcome.PENDING
    resource_meta = j.opt_object(resource, "meta") or {}
    parameters = j.opt_object(attributes, "parameters")
    return CommandExecution(
        outcome=outcome,
        command=command,
        execution_id=j.opt_id(resource, "id"),
        command_type=j.opt_str(attributes, "commandType"),
        status=status_word,
        execution_mode=j.opt_str(attributes, "executionMode"),
        parameters=dict(parameters) if parameters is not None else None,
        executed_at=j.opt_datetime(resource_meta, "executedAt"),
        completed_at=j.opt_datetime(resource_meta, "completedAt"),
        error=(
            error_from_body(error_body, request_id=meta.request_id)
            if outcome is CommandOutcome.FAILED and error_body is not None
            else None
        ),
        http_status=http_status,
        meta=meta,
    )


def follow_link(body: object) -> str | None:
    """Where a 202 says its execution can be read again (`links.self`), if anywhere."""
    if not isinstance(body, Mapping):
        return None
    for holder in (j.opt_object(body, "data"), body):
        links = j.opt_object(holder, "links") if holder is not None else None
        if links is not None and (link := j.opt_str(links, "self")):
            return link
    return None


__all__ = [
    "CommandExecution",
    "CommandOutcome",
    "V3Command",
    "follow_link",
    "parse_command_execution",
]
