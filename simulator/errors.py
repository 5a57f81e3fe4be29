"""Smartcar's error catalogue and the bodies it answers with (v2 and v3).

v2 body: ``{type, code, description, docURL, statusCode, requestId, resolution{type,url},
detail, suggestedUserMessage}``; v3 body (JSON:API):
``{errors:[{status, type, code, title, detail, resolution, suggestedUserMessage, links{about}}]}``.
Descriptions and user messages are the simulator's own words.
"""

from dataclasses import dataclass
from typing import Any

# HTTP status per error type (SMARTCAR_API.md section 4).
ERROR_STATUS: dict[str, int] = {
    "AUTHENTICATION": 401,
    "PERMISSION": 403,
    "VALIDATION": 400,
    "RESOURCE_NOT_FOUND": 404,
    "CONNECTED_SERVICES_ACCOUNT": 400,
    "VEHICLE_STATE": 409,
    "RATE_LIMIT": 429,
    "BILLING": 430,
    "COMPATIBILITY": 501,
    "SERVER": 500,
    "UPSTREAM": 502,
}

ERROR_CODES: dict[str, frozenset[str | None]] = {
    "AUTHENTICATION": frozenset({None, "UNAUTHORIZED", "ACCESS_DENIED"}),
    "PERMISSION": frozenset({None, "MISSING_PERMISSION"}),
    "VALIDATION": frozenset(
        {None, "PARAMETER", "MISSING_PARAMETER", "INVALID_INPUT_FORMAT"}
    ),
    "RESOURCE_NOT_FOUND": frozenset({"PATH", "VERSION", "SIGNAL_NOT_FOUND"}),
    "CONNECTED_SERVICES_ACCOUNT": frozenset(
        {
            "ACCOUNT_ISSUE",
            "AUTHENTICATION_FAILED",
            "NO_VEHICLES",
            "PERMISSION",
            "SUBSCRIPTION",
            "VEHICLE_MISSING",
            "VIRTUAL_KEY_REQUIRED",
        }
    ),
    "VEHICLE_STATE": frozenset(
        {
            "ASLEEP",
            "UNREACHABLE",
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
            "VEHICLE_OFFLINE_FOR_SERVICE",
        }
    ),
    "RATE_LIMIT": frozenset({"SMARTCAR_API", "VEHICLE"}),
    "BILLING": frozenset(
        {"VEHICLE_LIMIT", "VEHICLE_REQUEST_LIMIT", "INVALID_PLAN", "ACCOUNT_SUSPENDED"}
    ),
    "COMPATIBILITY": frozenset(
        {
            "MAKE_NOT_COMPATIBLE",
            "SMARTCAR_NOT_CAPABLE",
            "VEHICLE_NOT_CAPABLE",
            "PLATFORM_NOT_CAPABLE",
        }
    ),
    "SERVER": frozenset({"INTERNAL", "RECORD_NOT_FOUND", "MULTIPLE_RECORDS_FOUND"}),
    "UPSTREAM": frozenset(
        {"INVALID_DATA", "KNOWN_ISSUE", "NO_RESPONSE", "RATE_LIMIT", "UNKNOWN_ISSUE"}
    ),
}

DEFAULT_CODE: dict[str, str | None] = {
    "AUTHENTICATION": None,
    "PERMISSION": None,
    "VALIDATION": "PARAMETER",
    "RESOURCE_NOT_FOUND": "PATH",
    "CONNECTED_SERVICES_ACCOUNT": "ACCOUNT_ISSUE",
    "VEHICLE_STATE": "UNKNOWN",
    "RATE_LIMIT": "VEHICLE",
    "BILLING": "VEHICLE_REQUEST_LIMIT",
    "COMPATIBILITY": "VEHICLE_NOT_CAPABLE",
    "SERVER": "INTERNAL",
    "UPSTREAM": "UNKNOWN_ISSUE",
}

_DOC_PAGE = {
    "AUTHENTICATION": "authentication-errors",
    "PERMISSION": "permission-errors",
    "VALIDATION": "validation-errors",
    "RESOURCE_NOT_FOUND": "resource-not-found-errors",
    "CONNECTED_SERVICES_ACCOUNT": "connected-services-account-errors",
    "VEHICLE_STATE": "vehicle-state-errors",
    "RATE_LIMIT": "rate-limit-errors",
    "BILLING": "billing-errors",
    "COMPATIBILITY": "compatibility-errors",
    "SERVER": "server-errors",
    "UPSTREAM": "upstream-errors",
}

_TYPE_DESCRIPTION = {
    "AUTHENTICATION": "The access token is missing, malformed, expired or revoked.",
    "PERMISSION": "The application was not granted the permission this request needs.",
    "VALIDATION": "The request is not valid.",
    "RESOURCE_NOT_FOUND": "The requested path does not exist in this version of the API.",
    "CONNECTED_SERVICES_ACCOUNT": "The vehicle owner must act in their connected services account.",
    "VEHICLE_STATE": "The vehicle is in a state that does not allow this request.",
    "RATE_LIMIT": "Too many requests were made.",
    "BILLING": "The request exceeds what the application's plan allows.",
    "COMPATIBILITY": "The vehicle is not capable of performing this request.",
    "SERVER": "Smartcar had an unexpected error.",
    "UPSTREAM": "The carmaker's servers answered with an error or not at all.",
}

_CODE_DESCRIPTION = {
    "ASLEEP": "The vehicle is asleep and cannot answer this request right now.",
    "UNREACHABLE": "The vehicle cannot be reached; it may have no network coverage.",
    "CHARGE_FAULT": "The charger is not providing current.",
    "CHARGING_IN_PROGRESS": "The vehicle is already charging.",
    "CHARGING_PLUG_CONNECTED": "The charging cable is connected.",
    "CHARGING_PLUG_NOT_CONNECTED": "The charging cable is not connected to the vehicle.",
    "DOOR_OPEN": "A door of the vehicle is open.",
    "FULLY_CHARGED": "The battery is already charged up to the charge limit.",
    "HOOD_OPEN": "The hood of the vehicle is open.",
    "IGNITION_ON": "The ignition of the vehicle is on.",
    "IN_MOTION": "The vehicle is moving.",
    "NOT_CHARGING": "The vehicle is not charging.",
    "REMOTE_ACCESS_DISABLED": "Remote access is disabled in the vehicle.",
    "TRUNK_OPEN": "The trunk of the vehicle is open.",
    "VEHICLE_OFFLINE_FOR_SERVICE": "The vehicle is offline for service.",
    "SMARTCAR_API": "The application exceeded Smartcar's request rate limit.",
    "VEHICLE": "The application exceeded the request rate limit of this vehicle.",
    "VEHICLE_REQUEST_LIMIT": "The monthly request limit of this vehicle has been reached.",
    "VEHICLE_LIMIT": "The plan's limit of connected vehicles has been reached.",
    "INVALID_PLAN": "The plan does not include this feature.",
    "ACCOUNT_SUSPENDED": "The Smartcar account is suspended.",
    "VEHICLE_NOT_CAPABLE": "The vehicle is not capable of performing this request.",
    "AUTHENTICATION_FAILED": "The carmaker rejected the owner's credentials.",
    "VIRTUAL_KEY_REQUIRED": "A virtual key must be added to the vehicle.",
}

_USER_MESSAGE = {
    "AUTHENTICATION": "Please reconnect your vehicle.",
    "PERMISSION": "Please reconnect your vehicle and grant the requested permission.",
    "CONNECTED_SERVICES_ACCOUNT": "Please check your account in your carmaker's app.",
    "VEHICLE_STATE": "Your vehicle could not perform this request in its current state.",
    "RATE_LIMIT": "Please wait a moment before trying again.",
    "BILLING": "The request limit for your vehicle has been reached.",
    "COMPATIBILITY": "Your vehicle does not support this feature.",
    "SERVER": "Something went wrong. Please try again later.",
    "UPSTREAM": "Your carmaker's service is not responding. Please try again later.",
}

_RETRY_LATER = frozenset({"RATE_LIMIT", "SERVER", "UPSTREAM"})
_RETRY_LATER_CODES = frozenset({"UNREACHABLE"})
_REAUTHENTICATE_URL = "https://connect.smartcar.com/oauth/reauthenticate"


@dataclass(kw_only=True, eq=False)
class SmartcarApiError(Exception):
    """An error Smartcar answers with; rendered as a v2 or v3 body."""

    error_type: str
    code: str | None = None
    description: str | None = None
    detail: list[dict[str, Any]] | None = None
    retry_after: int | None = None
    resolution_url: str | None = None
    # Where Smartcar answers a type with another status than its usual one (e.g. 403 for
    # AUTHENTICATION:ACCESS_DENIED, 410 for a retired version).
    status_override: int | None = None

    def __post_init__(self) -> None:
        super().__init__(f"{self.error_type}:{self.code}")

    @property
    def status(self) -> int:
        if self.status_override is not None:
            return self.status_override
        return ERROR_STATUS[self.error_type]

    @property
    def text(self) -> str:
        if self.description is not None:
            return self.description
        return _CODE_DESCRIPTION.get(
            self.code or "", _TYPE_DESCRIPTION[self.error_type]
        )

    @property
    def doc_url(self) -> str:
        url = (
            f"https://smartcar.com/docs/errors/api-errors/{_DOC_PAGE[self.error_type]}"
        )
        if self.code:
            url += "#" + self.code.lower().replace("_", "-")
        return url

    @property
    def resolution(self) -> dict[str, str | None]:
        if self.error_type == "AUTHENTICATION" or self.code == "AUTHENTICATION_FAILED":
            resolution_type: str | None = "REAUTHENTICATE"
        elif self.error_type in _RETRY_LATER or self.code in _RETRY_LATER_CODES:
            resolution_type = "RETRY_LATER"
        elif self.error_type == "BILLING":
            resolution_type = "CONTACT_SUPPORT"
        else:
            resolution_type = None
        url = self.resolution_url
        if url is None and self.code == "AUTHENTICATION_FAILED":
            url = _REAUTHENTICATE_URL
        return {"type": resolution_type, "url": url}

    @property
    def user_message(self) -> str:
        return _USER_MESSAGE.get(
            self.error_type, "Something went wrong with this request."
        )

    @property
    def title(self) -> str:
        words = (self.code or self.error_type).replace("_", " ").lower()
        return words[:1].upper() + words[1:]

    def v2_body(self, request_id: str) -> dict[str, Any]:
        return {
            "type": self.error_type,
            "code": self.code,
            "description": self.text,
            "docURL": self.doc_url,
            "statusCode": self.status,
            "requestId": request_id,
            "resolution": self.resolution,
            "detail": self.detail,
            "suggestedUserMessage": self.user_message,
        }

    def v3_body(self) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "status": str(self.status),
                    "type": self.error_type,
                    "code": self.code,
                    "title": self.title,
                    "detail": self.text,
                    "resolution": self.resolution,
                    "suggestedUserMessage": self.user_message,
                    "links": {"about": self.doc_url},
                }
            ]
        }


def make_error(
    error_type: str,
    code: str | None = None,
    *,
    retry_after: int | None = None,
    description: str | None = None,
) -> SmartcarApiError:
    """Build an error, filling in the type's default code; validates both."""
    if error_type not in ERROR_STATUS:
        raise ValueError(f"unknown error type {error_type!r}")
    if code is None:
        code = DEFAULT_CODE[error_type]
    if code not in ERROR_CODES[error_type]:
        raise ValueError(f"unknown code {code!r} for {error_type}")
    if error_type == "RATE_LIMIT" and retry_after is None:
        retry_after = 120
    return SmartcarApiError(
        error_type=error_type,
        code=code,
        retry_after=retry_after,
        description=description,
    )


def validation_error(field: str, message: str) -> SmartcarApiError:
    """A VALIDATION:PARAMETER error naming the offending field."""
    return SmartcarApiError(
        error_type="VALIDATION",
        code="PARAMETER",
        description=f"Invalid value for {field!r}: {message}",
        detail=[{"field": field, "message": message}],
    )


def not_found_error() -> SmartcarApiError:
    return SmartcarApiError(error_type="RESOURCE_NOT_FOUND", code="PATH")


def authentication_error() -> SmartcarApiError:
    return SmartcarApiError(error_type="AUTHENTICATION")


def permission_error(description: str | None = None) -> SmartcarApiError:
    return SmartcarApiError(error_type="PERMISSION", description=description)


def state_error(code: str) -> SmartcarApiError:
    return SmartcarApiError(error_type="VEHICLE_STATE", code=code)


def not_capable_error() -> SmartcarApiError:
    return SmartcarApiError(error_type="COMPATIBILITY", code="VEHICLE_NOT_CAPABLE")


def missing_user_id_error() -> SmartcarApiError:
    """No ``sc-user-id`` on a v3 call that needs one (3P live: ``missing userId``)."""
    return SmartcarApiError(
        error_type="VALIDATION",
        code="MISSING_PARAMETER",
        description="missing userId",
        detail=[{"field": "sc-user-id", "message": "missing userId"}],
    )


def access_denied_error(description: str) -> SmartcarApiError:
    """403 AUTHENTICATION:ACCESS_DENIED: the token is valid but does not reach this."""
    return SmartcarApiError(
        error_type="AUTHENTICATION",
        code="ACCESS_DENIED",
        description=description,
        status_override=403,
    )


def signal_not_found_error(code: str, vehicle_id: str) -> SmartcarApiError:
    """404 RESOURCE_NOT_FOUND:SIGNAL_NOT_FOUND, worded as the live answer (3P [T1])."""
    return SmartcarApiError(
        error_type="RESOURCE_NOT_FOUND",
        code="SIGNAL_NOT_FOUND",
        description=f"Signal with code {code} not found for vehicle with ID {vehicle_id}",
    )
