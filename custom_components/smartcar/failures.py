"""Smartcar's failures in Home Assistant's words: one place maps them for reads and commands."""

from homeassistant.exceptions import (
    HomeAssistantError,
    OAuth2TokenRequestBaseError,
    OAuth2TokenRequestReauthError,
    OAuth2TokenRequestTransientError,
    ServiceValidationError,
)

from .api.errors import (
    AuthenticationError,
    BillingError,
    ConnectedServicesAccountError,
    GatewayTimeoutError,
    NotCapableError,
    RateLimitError,
    ServerError,
    SmartcarConnectionError,
    SmartcarError,
    SmartcarInvalidInputError,
    SmartcarPermissionError,
    UpstreamError,
    ValidationError,
    VehicleStateError,
)
from .const import DOMAIN

# VEHICLE_STATE codes with their own translated message; any other code gets a generic one.
VEHICLE_STATE_CODES = frozenset(
    {
        "ASLEEP",
        "CHARGE_FAULT",
        "CHARGING_IN_PROGRESS",
        "CHARGING_PLUG_CONNECTED",
        "CHARGING_PLUG_NOT_CONNECTED",
        "DOOR_OPEN",
        "FULLY_CHARGED",
        "HOOD_OPEN",
        "IGNITION_ON",
        "IN_MOTION",
        "NOT_CHARGING",
        "REMOTE_ACCESS_DISABLED",
        "TRUNK_OPEN",
        "UNKNOWN",
        "UNREACHABLE",
        "VEHICLE_OFFLINE_FOR_SERVICE",
    }
)

type Failure = SmartcarError | OAuth2TokenRequestBaseError


def failure_name(err: Failure) -> str:
    """Name a failure for logs and messages: Smartcar's type and code, never its text."""
    if isinstance(err, SmartcarError):
        return err.kind or type(err).__name__
    return type(err).__name__


def needs_login(err: Failure) -> bool:
    """Return whether only the owner logging in again can fix the failure."""
    return isinstance(err, AuthenticationError | OAuth2TokenRequestReauthError)


# Codes of those errors that are no passing trouble: the carmaker's rate limit wants a long
# back-off, and a record Smartcar cannot find (or finds twice) will not appear by retrying.
_LASTING_CODES = frozenset({"RATE_LIMIT", "RECORD_NOT_FOUND", "MULTIPLE_RECORDS_FOUND"})


def passes(err: Failure | None) -> bool:
    """Return whether the failure is Smartcar or the carmaker not answering (5xx, a timeout).

    Such a read bills nothing and is worth trying again soon; an asleep car, a refusal, a rate
    limit (Smartcar's or the carmaker's, `UPSTREAM:RATE_LIMIT`) or a missing record is not.
    """
    if isinstance(err, ServerError | UpstreamError | GatewayTimeoutError):
        return err.code not in _LASTING_CODES
    return isinstance(err, SmartcarConnectionError | OAuth2TokenRequestTransientError)


def _error(key: str, **placeholders: str) -> HomeAssistantError:
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def translate(err: Failure, fallback: str = "command_failed") -> HomeAssistantError:
    """Turn a failure met for the owner (a command, a refresh) into a message to act on."""
    if needs_login(err):
        return _error("authentication_failed")
    if isinstance(err, OAuth2TokenRequestBaseError | SmartcarConnectionError):
        # The token endpoint or Smartcar did not answer: it passes.
        return _error("cannot_connect")
    if isinstance(err, VehicleStateError):
        code = err.code or "UNKNOWN"
        if code in VEHICLE_STATE_CODES:
            return _error(f"vehicle_state_{code.lower()}", code=code)
        return _error("vehicle_state", code=code)
    if isinstance(err, SmartcarInvalidInputError | ValidationError):
        return ServiceValidationError(
            translation_domain=DOMAIN, translation_key="invalid_input"
        )
    if isinstance(err, BillingError):
        return _error("billing_limit")
    if isinstance(err, NotCapableError):
        return _error("not_capable")
    if isinstance(err, RateLimitError):
        return _error("rate_limited_command")
    if isinstance(err, ConnectedServicesAccountError):
        return _error("connected_services_account", code=err.code or "ACCOUNT_ISSUE")
    if isinstance(err, SmartcarPermissionError):
        return _error("permission_denied")
    return _error(fallback, error=failure_name(err))
