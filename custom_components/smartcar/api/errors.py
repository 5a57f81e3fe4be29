"""Building the right `SmartcarError` from what Smartcar answered.

Smartcar answers errors in three shapes: v2 bodies (`type`, `code`, `description`, `resolution`,
...), v3 JSON:API bodies (`errors: [{status, type, code, title, detail, resolution, ...}]`) and
OAuth bodies (`error`, `error_description`). They all become a `SmartcarError` subclass chosen by
the Smartcar error type first and the HTTP status second, so callers can catch by meaning.
The hierarchy itself lives in `exceptions` and is re-exported here, so `errors` stays the one
place to import errors from.
"""

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
import math

from .exceptions import (
    AuthenticationError,
    BillingError,
    ConnectedServicesAccountError,
    GatewayTimeoutError,
    MonthlyLimitExceededError,
    NotCapableError,
    OAuthError,
    RateLimitError,
    Resolution,
    ResourceNotFoundError,
    ServerError,
    SmartcarConnectionError,
    SmartcarError,
    SmartcarInvalidInputError,
    SmartcarPermissionError,
    SmartcarResponseError,
    SmartcarTimeoutError,
    UpstreamError,
    ValidationError,
    VehicleStateError,
    VersionRetiredError,
    WebhookPayloadError,
)

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
        # An OAuth body, except on 410: a gone version whatever the body says.
        if isinstance(oauth_code, str) and "type" not in body and status != 410:
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


__all__ = [
    "ERROR_STATUSES",
    "ERROR_TYPES",
    "LEGACY_ERROR_NAMES",
    "AuthenticationError",
    "BillingError",
    "ConnectedServicesAccountError",
    "GatewayTimeoutError",
    "MonthlyLimitExceededError",
    "NotCapableError",
    "OAuthError",
    "RateLimitError",
    "Resolution",
    "ResourceNotFoundError",
    "ServerError",
    "SmartcarConnectionError",
    "SmartcarError",
    "SmartcarInvalidInputError",
    "SmartcarPermissionError",
    "SmartcarResponseError",
    "SmartcarTimeoutError",
    "UpstreamError",
    "ValidationError",
    "VehicleStateError",
    "VersionRetiredError",
    "WebhookPayloadError",
    "describe_error",
    "error_class",
    "error_from_body",
    "error_from_response",
    "parse_resolution",
    "parse_retry_after",
]
