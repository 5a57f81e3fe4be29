"""One exception hierarchy for every way Smartcar can fail.

Smartcar answers errors in three shapes: v2 bodies (`type`, `code`, `description`, `resolution`,
...), v3 JSON:API bodies (`errors: [{status, type, code, title, detail, resolution, ...}]`) and
OAuth bodies (`error`, `error_description`). They all become a `SmartcarError` subclass chosen by
the Smartcar error type first and the HTTP status second, so callers can catch by meaning. The class
names keep the seed Python SDK's status-code vocabulary recognisable (validation, authentication,
permission, resource not found, state, rate limit, billing/monthly limit, server, not capable,
gateway timeout).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import math


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


# v1-era bodies `{error: "vehicle_state_error", message, code}` (the seed SDK still reads them):
# the `error` name -> the v2 type it became.
LEGACY_ERROR_NAMES: dict[str, str] = {
    "authentication_error": "AUTHENTICATION",
    "validation_error": "VALIDATION",
    "permission_error": "PERMISSION",
    "resource_not_found_error": "RESOURCE_NOT_FOUND",
    "version_not_found_error": "RESOURCE_NOT_FOUND",
    "vehicle_state_error": "VEHICLE_STATE",
    "rate_limit_error": "RATE_LIMIT",
    "monthly_limit_exceeded_error": "BILLING",
    "billing_error": "BILLING",
    "server_error": "SERVER",
    "not_capable_error": "COMPATIBILITY",
    "vehicle_not_capable_error": "COMPATIBILITY",
    "smartcar_not_capable_error": "COMPATIBILITY",
    "compatibility_error": "COMPATIBILITY",
    "upstream_error": "UPSTREAM",
    "connected_services_account_error": "CONNECTED_SERVICES_ACCOUNT",
}


def error_class(
    error_type: str | None, status: int | None, code: str | None = None
) -> type[SmartcarError]:
    """Pick the class for a Smartcar error: by type, else by status, else the base class."""
    if (error_type == "RESOURCE_NOT_FOUND" and code == "VERSION") or status == 410:
        return VersionRetiredError
    if error_type is not None and error_type in ERROR_TYPES:
        return ERROR_TYPES[error_type]
    if status is not None and status in ERROR_STATUSES:
        return ERROR_STATUSES[status]
    return SmartcarError


def describe_error(err: BaseException) -> str:
    """Name an error for a log line: its class, Smartcar type and code, HTTP status; no text.

    The text of an aiohttp or OAuth error carries the request it failed on, headers included (a
    token request's `Authorization: Basic` holds the client secret), so it is never logged.
    """
    parts = [type(err).__name__]
    if isinstance(err, SmartcarError) and err.kind:
        parts.append(err.kind)
    status = getattr(err, "status", None)
    if isinstance(status, int) and not isinstance(status, bool) and status:
        parts.append(f"HTTP {status}")
    return " ".join(parts)


# --- Building errors from what Smartcar answered --------------------------------------------------

# Longest piece of a non-JSON error body kept as the description (proxies answer whole HTML pages).
_MAX_TEXT_DESCRIPTION = 200


def error_from_response(
    status: int,
    body: object,
    headers: Mapping[str, str] | None = None,
    *,
    text: str | None = None,
) -> SmartcarError:
    """Build the error for an HTTP answer: v2, v3 JSON:API, OAuth or non-JSON body.

    `body` is the decoded JSON (None when the body was not JSON, then `text` is the raw body);
    `headers` give SC-Request-Id and Retry-After.
    """
    request_id = _header(headers, "SC-Request-Id")
    retry_after = parse_retry_after(_header(headers, "Retry-After"))
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            # v3 JSON:API: the first error decides (Smartcar sends one).
            return error_from_body(
                errors[0], status=status, request_id=request_id, retry_after=retry_after
            )
        oauth_code = body.get("error")
        if (
            isinstance(oauth_code, str)
            and "type" not in body
            and "message" in body
            and "error_description" not in body
        ):
            return _legacy_error(
                body,
                oauth_code,
                status=status,
                request_id=request_id,
                retry_after=retry_after,
            )
        if isinstance(oauth_code, str) and "type" not in body:
            description = _text(body, "error_description") or oauth_code
            return OAuthError(
                description,
                status=status,
                code=oauth_code,
                request_id=_text(body, "requestId") or request_id,
                retry_after=retry_after,
            )
        # v2, or any other JSON object: whatever it says is better than the raw text.
        return error_from_body(
            body, status=status, request_id=request_id, retry_after=retry_after
        )
    description = _describe_text(text) or f"HTTP {status}"
    return error_class(None, status)(
        description, status=status, request_id=request_id, retry_after=retry_after
    )


def error_from_body(
    body: Mapping[str, object],
    *,
    status: int | None = None,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> SmartcarError:
    """Build the error for one v2 error body or one v3 error object.

    Used for whole answers, for each failed path of a batch and for each failed v3 signal. `status`
    is the HTTP status (or the batch path's code) when known; the body's own `statusCode`/`status`
    is the fallback. `request_id` is the fallback when the body has no `requestId`.
    """
    error_type = _text(body, "type")
    code = _text(body, "code")
    if status is None:
        status = _status(body.get("statusCode"))
    if status is None:
        status = _status(body.get("status"))
    description = (
        _text(body, "description")
        or _text(body, "detail")
        or _text(body, "title")
        or _text(body, "message")
        or ":".join(part for part in (error_type, code) if part)
        or (f"HTTP {status}" if status is not None else "Smartcar error")
    )
    links = body.get("links")
    doc_url = _text(body, "docURL") or (
        _text(links, "about") if isinstance(links, Mapping) else None
    )
    return error_class(error_type, status, code)(
        description,
        status=status,
        type=error_type,
        code=code,
        request_id=_text(body, "requestId") or request_id,
        resolution=parse_resolution(body.get("resolution")),
        retry_after=retry_after,
        suggested_user_message=_text(body, "suggestedUserMessage"),
        doc_url=doc_url,
        details=_details(body.get("detail")),
    )


def _legacy_error(
    body: Mapping[str, object],
    name: str,
    *,
    status: int,
    request_id: str | None,
    retry_after: float | None,
) -> SmartcarError:
    """Build from a v1-era body `{error, message, code}` the error a v2 body would give."""
    error_type = LEGACY_ERROR_NAMES.get(name.lower())
    code = _text(body, "code")
    if name.lower() == "version_not_found_error":
        code = code or "VERSION"
    return error_from_body(
        {
            **body,
            "type": error_type,
            "code": code,
            "description": _text(body, "message"),
        },
        status=status,
        request_id=request_id,
        retry_after=retry_after,
    )


def _details(value: object) -> tuple[Mapping[str, str | None], ...]:
    """v2 `detail[]` items as text (v3's `detail` is a string: the description instead)."""
    if not isinstance(value, list):
        return ()
    items: list[Mapping[str, str | None]] = []
    for item in value:
        if isinstance(item, Mapping):
            items.append({str(key): _as_text(text) for key, text in item.items()})
        elif (text := _as_text(item)) is not None:
            items.append({"message": text})
    return tuple(items)


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)


def parse_resolution(value: object) -> Resolution | None:
    """`resolution` as Smartcar sends it: `{type, url}`, a bare string, or nothing."""
    if isinstance(value, str):
        return Resolution(type=value) if value else None
    if isinstance(value, Mapping):
        resolution_type = _text(value, "type")
        url = _text(value, "url")
        if resolution_type is None and url is None:
            return None
        return Resolution(type=resolution_type, url=url)
    return None


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """`Retry-After` in seconds (sent as seconds or an HTTP date); None if absent or unreadable."""
    if value is None or not (value := value.strip()):
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """Find a header by case-insensitive name (batch paths send plain lower-case dicts)."""
    if not headers:
        return None
    if (value := headers.get(name)) is not None:
        return value
    lowered = name.lower()
    for key, item in headers.items():
        if key.lower() == lowered:
            return item
    return None


def _text(obj: Mapping[str, object], key: str) -> str | None:
    """Read a non-empty string field; anything else is None (errors must always build)."""
    value = obj.get(key)
    return value if isinstance(value, str) and value else None


def _status(value: object) -> int | None:
    """Read an HTTP status sent as a number (v2 `statusCode`) or a string (v3 `status`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _describe_text(text: str | None) -> str | None:
    """Summarise a non-JSON body on one line."""
    if not text or not (flat := " ".join(text.split())):
        return None
    if len(flat) > _MAX_TEXT_DESCRIPTION:
        return flat[:_MAX_TEXT_DESCRIPTION] + "..."
    return flat
