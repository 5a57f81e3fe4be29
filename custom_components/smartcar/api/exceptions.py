"""The exception hierarchy: one `SmartcarError` subclass per way Smartcar can fail.

The class names keep the seed Python SDK's status-code vocabulary recognisable (validation,
authentication, permission, resource not found, state, rate limit, billing/monthly limit, server,
not capable, gateway timeout). `errors` builds them from what Smartcar answered and re-exports them.
"""

from collections.abc import Mapping
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
        details: tuple[Mapping[str, str | None], ...] = (),
    ) -> None:
        """Keep every field Smartcar sent; `description` is the message.

        `details` is v2's `detail[]` (e.g. which parameter was invalid), each item as text.
        """
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
        self.details = details

    @property
    def kind(self) -> str:
        """Smartcar's `TYPE:CODE` (either part may be missing; empty when neither is known)."""
        return ":".join(part for part in (self.type, self.code) if part)

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


class VersionRetiredError(ResourceNotFoundError):
    """The API version is gone: `RESOURCE_NOT_FOUND:VERSION`, or HTTP 410.

    v2.0 is deprecated on a date the sources disagree on (SMARTCAR_V3.md §1.1); no source says
    what a v2 call answers afterwards, so both plausible answers are this one error: move the
    entry to V3 (a repair issue), never retry.
    """


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


class WebhookPayloadError(SmartcarError, ValueError):
    """A webhook delivery is not JSON or not a Smartcar envelope (answer 400, do not process it).

    It is a `SmartcarError` so one `except SmartcarError` covers the whole library, and a
    `ValueError` because the input, not Smartcar's service, is at fault.
    """
