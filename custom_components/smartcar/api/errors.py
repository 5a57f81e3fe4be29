"""One exception hierarchy for every way Smartcar can fail.

Smartcar answers errors in three shapes: v2 bodies (`type`, `code`, `description`, `resolution`, ...),
v3 JSON:API bodies (`errors: [{status, type, code, title, detail, resolution, ...}]`) and OAuth bodies
(`error`, `error_description`). They all become a `SmartcarError` subclass chosen by the Smartcar error
type first and the HTTP status second, so callers can catch by meaning. The class names keep the seed
Python SDK's status-code vocabulary recognisable (validation, authentication, permission, resource not
found, state, rate limit, billing/monthly limit, server, not capable, gateway timeout).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Resolution:
    """What Smartcar says fixes the error (`resolution` may be an object or a bare string)."""

    type: str | None
    url: str | None = None


class SmartcarError(Exception):
    """Base class: anything the Smartcar client raises."""

    def __init__(
        self,
        description: str,
        *,
        status: int | None = None,
        type: str | None = None,  # noqa: A002 - Smartcar's own field name
        code: str | None = None,
        request_id: str | None = None,
        resolution: Resolution | None = None,
        retry_after: float | None = None,
        suggested_user_message: str | None = None,
        doc_url: str | None = None,
    ) -> None:
        """Keep every field Smartcar sent; `description` is the message."""
        super().__init__(description)
        self.description = description
        self.status = status
        self.type = type
        self.code = code
        self.request_id = request_id
        self.resolution = resolution
        self.retry_after = retry_after
        self.suggested_user_message = suggested_user_message
        self.doc_url = doc_url

    def __repr__(self) -> str:
        """Show what identifies the error, never a token."""
        return (
            f"{type(self).__name__}(status={self.status!r}, type={self.type!r}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )


class SmartcarConnectionError(SmartcarError):
    """Smartcar could not be reached (DNS, refused connection, broken transfer)."""


class SmartcarTimeoutError(SmartcarConnectionError):
    """Smartcar did not answer in time (the SDK waits up to 310 s)."""


class SmartcarInvalidInputError(SmartcarError, ValueError):
    """Refused before any request: the input is out of range or empty."""


class SmartcarResponseError(SmartcarError):
    """Smartcar answered 2xx with a body that is not what the API documents."""


class ValidationError(SmartcarError):
    """400 VALIDATION: our bug or bad user input; never retry."""


class ConnectedServicesAccountError(SmartcarError):
    """400 CONNECTED_SERVICES_ACCOUNT: the owner must act in the carmaker's app."""


class AuthenticationError(SmartcarError):
    """401 AUTHENTICATION: the access token is invalid or expired."""


class SmartcarPermissionError(SmartcarError):
    """403 PERMISSION: the permission for this endpoint was not granted."""


class ResourceNotFoundError(SmartcarError):
    """404 RESOURCE_NOT_FOUND: the path or version does not exist."""


class VehicleStateError(SmartcarError):
    """409 VEHICLE_STATE: the car is asleep, unreachable or refuses the command."""

    @property
    def is_transient(self) -> bool:
        """True when the car is only sleeping or out of reach: keep the last data."""
        return self.code in {"ASLEEP", "UNREACHABLE"}


class RateLimitError(SmartcarError):
    """429 RATE_LIMIT: back off (honour `retry_after` when given)."""


class BillingError(SmartcarError):
    """430 BILLING: the plan's limit is reached; stop until the period resets."""


# The seed SDK's name for the 430 error.
MonthlyLimitExceededError = BillingError


class ServerError(SmartcarError):
    """500 SERVER: Smartcar failed; retry later."""


class NotCapableError(SmartcarError):
    """501 COMPATIBILITY: the car (or Smartcar) cannot do this; never ask again."""


class UpstreamError(SmartcarError):
    """502 UPSTREAM: the carmaker failed; retry later."""


class GatewayTimeoutError(SmartcarError):
    """504: Smartcar gave up waiting for the carmaker."""


class OAuthError(SmartcarError):
    """The token endpoint refused: `error` is the code (`invalid_grant`, `invalid_client`, ...)."""


# Smartcar error type -> class. The type decides; the HTTP status is the fallback.
ERROR_TYPES: dict[str, type[SmartcarError]] = {
    "VALIDATION": ValidationError,
    "CONNECTED_SERVICES_ACCOUNT": ConnectedServicesAccountError,
    "AUTHENTICATION": AuthenticationError,
    "PERMISSION": SmartcarPermissionError,
    "RESOURCE_NOT_FOUND": ResourceNotFoundError,
    "VEHICLE_STATE": VehicleStateError,
    "RATE_LIMIT": RateLimitError,
    "BILLING": BillingError,
    "SERVER": ServerError,
    "COMPATIBILITY": NotCapableError,
    "UPSTREAM": UpstreamError,
}

ERROR_STATUSES: dict[int, type[SmartcarError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: SmartcarPermissionError,
    404: ResourceNotFoundError,
    409: VehicleStateError,
    429: RateLimitError,
    430: BillingError,
    500: ServerError,
    501: NotCapableError,
    502: UpstreamError,
    504: GatewayTimeoutError,
}


def error_class(error_type: str | None, status: int | None) -> type[SmartcarError]:
    """Pick the class for a Smartcar error: by type, else by status, else the base class."""
    if error_type is not None and error_type in ERROR_TYPES:
        return ERROR_TYPES[error_type]
    if status is not None and status in ERROR_STATUSES:
        return ERROR_STATUSES[status]
    return SmartcarError
