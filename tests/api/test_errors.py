"""Every Smartcar error, in v2 and v3 shape, plus OAuth, non-JSON, timeouts and lost connections."""

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
import socket

from aiohttp import ClientResponseError, ClientSession, RequestInfo
from multidict import CIMultiDict, CIMultiDictProxy
import pytest
from yarl import URL

from custom_components.smartcar.api import (
    AuthenticationError,
    BillingError,
    ConnectedServicesAccountError,
    GatewayTimeoutError,
    MonthlyLimitExceededError,
    NotCapableError,
    Origins,
    RateLimitError,
    Resolution,
    ResourceNotFoundError,
    ServerError,
    SmartcarClient,
    SmartcarConnectionError,
    SmartcarError,
    SmartcarPermissionError,
    SmartcarResponseError,
    SmartcarTimeoutError,
    UpstreamError,
    ValidationError,
    VehicleStateError,
)
from custom_components.smartcar.api.errors import (
    describe_error,
    error_from_body,
    error_from_response,
    parse_retry_after,
)

from .conftest import Canned, FakeSmartcar, TokenSource

VEHICLE_ID = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
BATTERY = f"/api/v2.0/vehicles/{VEHICLE_ID}/battery"
SIGNALS = f"/v3api/v3/vehicles/{VEHICLE_ID}/signals"

# Smartcar's error table (SMARTCAR_API.md §4): type, HTTP status, codes, the class we promise.
ERROR_TABLE: list[tuple[str, int, list[str | None], type[SmartcarError]]] = [
    ("AUTHENTICATION", 401, [None], AuthenticationError),
    ("PERMISSION", 403, [None], SmartcarPermissionError),
    ("VALIDATION", 400, [None, "PARAMETER"], ValidationError),
    ("RESOURCE_NOT_FOUND", 404, ["PATH"], ResourceNotFoundError),
    (
        "CONNECTED_SERVICES_ACCOUNT",
        400,
        [
            "ACCOUNT_ISSUE",
            "AUTHENTICATION_FAILED",
            "NO_VEHICLES",
            "PERMISSION",
            "SUBSCRIPTION",
            "VEHICLE_MISSING",
            "VIRTUAL_KEY_REQUIRED",
        ],
        ConnectedServicesAccountError,
    ),
    (
        "VEHICLE_STATE",
        409,
        [
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
        ],
        VehicleStateError,
    ),
    ("RATE_LIMIT", 429, ["SMARTCAR_API", "VEHICLE"], RateLimitError),
    (
        "BILLING",
        430,
        ["VEHICLE_LIMIT", "VEHICLE_REQUEST_LIMIT", "INVALID_PLAN", "ACCOUNT_SUSPENDED"],
        BillingError,
    ),
    (
        "COMPATIBILITY",
        501,
        ["MAKE_NOT_COMPATIBLE", "SMARTCAR_NOT_CAPABLE", "VEHICLE_NOT_CAPABLE"],
        NotCapableError,
    ),
    (
        "SERVER",
        500,
        ["INTERNAL", "RECORD_NOT_FOUND", "MULTIPLE_RECORDS_FOUND"],
        ServerError,
    ),
    (
        "UPSTREAM",
        502,
        ["INVALID_DATA", "KNOWN_ISSUE", "NO_RESPONSE", "RATE_LIMIT", "UNKNOWN_ISSUE"],
        UpstreamError,
    ),
]
CASES = [
    (error_type, status, code, expected)
    for error_type, status, codes, expected in ERROR_TABLE
    for code in codes
]
CASE_IDS = [f"{error_type}:{code}" for error_type, _status, code, _expected in CASES]


@pytest.mark.parametrize(
    ("error_type", "status", "code", "expected"), CASES, ids=CASE_IDS
)
async def test_v2_error_body_raises_the_class_of_its_type_with_every_field(
    *,
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    error_type: str,
    status: int,
    code: str | None,
    expected: type[SmartcarError],
) -> None:
    smartcar.reply(
        "GET",
        BATTERY,
        Canned(
            {
                "type": error_type,
                "code": code,
                "description": f"{error_type} {code} happened.",
                "docURL": "https://smartcar.com/docs/errors/api-errors",
                "statusCode": status,
                "requestId": "body-request-id",
                "resolution": {
                    "type": "REAUTHENTICATE",
                    "url": "https://connect.smartcar.com/x",
                },
                "detail": [{"field": "limit", "message": "too low"}],
                "suggestedUserMessage": "Please reconnect your car.",
            },
            status=status,
            headers={"SC-Request-Id": "header-request-id"},
        ),
    )

    with pytest.raises(SmartcarError) as caught:
        await client.get_battery(VEHICLE_ID)

    error = caught.value
    assert type(error) is expected
    assert (error.status, error.type, error.code) == (status, error_type, code)
    assert error.description == f"{error_type} {code} happened."
    assert str(error) == f"{error_type} {code} happened."
    assert error.request_id == "body-request-id"
    assert error.resolution == Resolution(
        type="REAUTHENTICATE", url="https://connect.smartcar.com/x"
    )
    assert error.suggested_user_message == "Please reconnect your car."
    assert error.doc_url == "https://smartcar.com/docs/errors/api-errors"
    assert error.retry_after is None


@pytest.mark.parametrize(
    ("error_type", "status", "code", "expected"), CASES, ids=CASE_IDS
)
async def test_v3_json_api_error_raises_the_class_of_its_type_with_every_field(
    *,
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    error_type: str,
    status: int,
    code: str | None,
    expected: type[SmartcarError],
) -> None:
    smartcar.reply(
        "GET",
        SIGNALS,
        Canned(
            {
                "errors": [
                    {
                        "status": str(status),
                        "type": error_type,
                        "code": code,
                        "title": f"{error_type} title",
                        "detail": f"{error_type} {code} detail.",
                        "resolution": "RETRY_LATER",
                        "suggestedUserMessage": "Try again later.",
                        "links": {"about": "https://smartcar.com/docs/errors/v3"},
                    }
                ]
            },
            status=status,
            headers={"SC-Request-Id": "header-request-id"},
        ),
    )

    with pytest.raises(SmartcarError) as caught:
        await client.get_signals(VEHICLE_ID)

    error = caught.value
    assert type(error) is expected
    assert (error.status, error.type, error.code) == (status, error_type, code)
    assert error.description == f"{error_type} {code} detail."
    assert error.request_id == "header-request-id"
    assert error.resolution == Resolution(type="RETRY_LATER")
    assert error.suggested_user_message == "Try again later."
    assert error.doc_url == "https://smartcar.com/docs/errors/v3"


def test_only_asleep_and_unreachable_are_transient_vehicle_states() -> None:
    transient = {
        code
        for _type, _status, code, _expected in CASES
        if _type == "VEHICLE_STATE"
        and VehicleStateError("x", type="VEHICLE_STATE", code=code).is_transient
    }

    assert transient == {"ASLEEP", "UNREACHABLE"}


def test_monthly_limit_name_of_the_seed_sdk_is_the_billing_error() -> None:
    assert MonthlyLimitExceededError is BillingError


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 1.5 ", 1.5),
        ("-3", None),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_seconds(value: str, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_retry_after_http_date_counts_seconds_from_now() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    assert parse_retry_after("Wed, 01 Jan 2025 12:02:00 GMT", now=now) == 120.0
    assert parse_retry_after("Wed, 01 Jan 2025 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after(None) is None


async def test_rate_limit_carries_retry_after_seconds_from_the_header(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        BATTERY,
        Canned(
            {
                "type": "RATE_LIMIT",
                "code": "VEHICLE",
                "description": "Too many requests.",
            },
            status=429,
            headers={"Retry-After": "120"},
        ),
    )

    with pytest.raises(RateLimitError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert caught.value.retry_after == 120.0
    assert caught.value.code == "VEHICLE"


async def test_rate_limit_retry_after_as_http_date(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    later = datetime.now(UTC) + timedelta(minutes=10)
    smartcar.reply(
        "GET",
        BATTERY,
        Canned(
            {"type": "RATE_LIMIT", "code": "SMARTCAR_API"},
            status=429,
            headers={"Retry-After": format_datetime(later, usegmt=True)},
        ),
    )

    with pytest.raises(RateLimitError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert caught.value.retry_after is not None
    assert 500 < caught.value.retry_after <= 600


@pytest.mark.parametrize(
    ("status", "text", "expected", "description"),
    [
        (
            502,
            "<html><body>Bad Gateway</body></html>",
            UpstreamError,
            "<html><body>Bad Gateway</body></html>",
        ),
        (
            504,
            "upstream request timeout",
            GatewayTimeoutError,
            "upstream request timeout",
        ),
        (503, "", SmartcarError, "HTTP 503"),
        (401, "Unauthorized", AuthenticationError, "Unauthorized"),
        (500, "x" * 500, ServerError, "x" * 200 + "..."),
    ],
    ids=["502-html", "504-text", "503-empty", "401-text", "500-long"],
)
async def test_non_json_error_body_maps_by_status_and_keeps_a_short_description(
    *,
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    status: int,
    text: str,
    expected: type[SmartcarError],
    description: str,
) -> None:
    smartcar.reply(
        "GET",
        BATTERY,
        Canned(text=text, status=status, headers={"SC-Request-Id": "rid"}),
    )

    with pytest.raises(SmartcarError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert type(caught.value) is expected
    assert caught.value.status == status
    assert caught.value.description == description
    assert caught.value.request_id == "rid"
    assert caught.value.type is None


async def test_json_error_body_without_smartcar_fields_maps_by_status(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", BATTERY, Canned({"message": "Forbidden"}, status=403))

    with pytest.raises(SmartcarPermissionError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert caught.value.description == "Forbidden"


async def test_unknown_error_type_falls_back_to_the_status(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        BATTERY,
        Canned(
            {"type": "BRAND_NEW", "code": "SOMETHING", "statusCode": 409}, status=409
        ),
    )

    with pytest.raises(VehicleStateError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert (caught.value.type, caught.value.code) == ("BRAND_NEW", "SOMETHING")
    assert caught.value.description == "BRAND_NEW:SOMETHING"


def test_error_body_without_any_status_or_description() -> None:
    error = error_from_body({})

    assert type(error) is SmartcarError
    assert error.description == "Smartcar error"
    assert error.status is None


def test_error_body_status_falls_back_to_status_code_then_status() -> None:
    assert error_from_body({"type": "X", "statusCode": 429}).status == 429
    assert error_from_body({"status": "404"}).description == "HTTP 404"
    assert isinstance(error_from_body({"status": "404"}), ResourceNotFoundError)
    assert error_from_body({"statusCode": True, "status": "n/a"}).status is None


@pytest.mark.parametrize(
    ("resolution", "expected"),
    [
        (
            {"type": "REAUTHENTICATE", "url": "https://x"},
            Resolution(type="REAUTHENTICATE", url="https://x"),
        ),
        ({"url": "https://x"}, Resolution(type=None, url="https://x")),
        ("CONTACT_SUPPORT", Resolution(type="CONTACT_SUPPORT")),
        ("", None),
        ({}, None),
        (None, None),
        (42, None),
    ],
    ids=[
        "object",
        "url-only",
        "string",
        "empty-string",
        "empty-object",
        "null",
        "number",
    ],
)
def test_resolution_is_an_object_or_a_bare_string(
    resolution: object, expected: Resolution | None
) -> None:
    assert (
        error_from_body({"type": "SERVER", "resolution": resolution}).resolution
        == expected
    )


def test_error_repr_identifies_the_error() -> None:
    error = error_from_response(
        409, {"type": "VEHICLE_STATE", "code": "ASLEEP"}, {"sc-request-id": "r1"}
    )

    assert repr(error) == (
        "VehicleStateError(status=409, type='VEHICLE_STATE', code='ASLEEP', request_id='r1')"
    )


def test_describe_error_names_the_error_never_its_text() -> None:
    # aiohttp keeps the failed request, headers included, in the error and in its repr.
    url = URL("https://auth.smartcar.com/oauth/token")
    headers = CIMultiDictProxy(CIMultiDict({"Authorization": "Basic c2VjcmV0"}))
    refused = ClientResponseError(
        RequestInfo(url, "POST", headers, url), (), status=401
    )
    smartcar = error_from_response(409, {"type": "VEHICLE_STATE", "code": "ASLEEP"})

    assert "Basic" in repr(refused)
    assert describe_error(refused) == "ClientResponseError HTTP 401"
    assert describe_error(smartcar) == "VehicleStateError VEHICLE_STATE:ASLEEP HTTP 409"
    assert (
        describe_error(SmartcarTimeoutError("took too long")) == "SmartcarTimeoutError"
    )


@pytest.mark.parametrize("body", ["not json at all", "[1, 2", '"a string"', "[]"])
async def test_2xx_body_that_is_not_the_documented_json_is_a_response_error(
    client: SmartcarClient, smartcar: FakeSmartcar, body: str
) -> None:
    smartcar.reply("GET", BATTERY, Canned(text=body, headers={"SC-Request-Id": "rid"}))

    with pytest.raises(SmartcarResponseError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert caught.value.status == 200
    assert caught.value.request_id == "rid"


@pytest.mark.parametrize(
    "body",
    [
        {"percentRemaining": "half", "range": 1},
        {"percentRemaining": True},
        {"percentRemaining": 1e999},
        {"range": [1]},
    ],
    ids=["text", "boolean", "infinite", "array"],
)
async def test_2xx_json_of_the_wrong_shape_is_a_response_error(
    client: SmartcarClient, smartcar: FakeSmartcar, body: object
) -> None:
    smartcar.reply("GET", BATTERY, Canned(body))

    with pytest.raises(SmartcarResponseError):
        await client.get_battery(VEHICLE_ID)


async def test_2xx_with_an_empty_body_is_a_response_error(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", BATTERY, Canned(text=""))

    with pytest.raises(SmartcarResponseError, match="empty body"):
        await client.get_battery(VEHICLE_ID)


@pytest.mark.parametrize(
    ("path", "call", "body"),
    [
        ("/api/v2.0/vehicles", lambda c: c.get_vehicle_ids(), {"vehicles": [1, 2]}),
        ("/api/v2.0/vehicles", lambda c: c.get_vehicle_ids(), {"vehicles": None}),
        ("/api/v2.0/user", lambda c: c.get_user_id(), {"id": ""}),
        (
            f"/api/v2.0/vehicles/{VEHICLE_ID}/service/history",
            lambda c: c.get_service_history(VEHICLE_ID),
            {"records": "none"},
        ),
        (
            f"/api/v2.0/vehicles/{VEHICLE_ID}/location",
            lambda c: c.get_location(VEHICLE_ID),
            {"latitude": None, "longitude": 1},
        ),
        (
            f"/api/v2.0/vehicles/{VEHICLE_ID}/diagnostics/system_status",
            lambda c: c.get_system_status(VEHICLE_ID),
            {"systems": [{"systemId": "X", "status": "BROKEN"}]},
        ),
        (
            f"/api/v2.0/vehicles/{VEHICLE_ID}/diagnostics/dtcs",
            lambda c: c.get_diagnostic_trouble_codes(VEHICLE_ID),
            {"activeCodes": [{"code": "P1", "timestamp": "last week"}]},
        ),
        (
            f"/api/v2.0/vehicles/{VEHICLE_ID}",
            lambda c: c.get_attributes(VEHICLE_ID),
            {"id": VEHICLE_ID, "year": 2019.5},
        ),
        (
            f"/api/v2.0/vehicles/{VEHICLE_ID}/security",
            lambda c: c.get_security(VEHICLE_ID),
            {"isLocked": "yes"},
        ),
    ],
    ids=[
        "ids-not-strings",
        "ids-null",
        "empty-user",
        "history",
        "latitude-null",
        "system-status",
        "dtc-time",
        "year-fraction",
        "locked-text",
    ],
)
async def test_documented_fields_with_the_wrong_type_are_response_errors(
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    path: str,
    call: object,
    body: object,
) -> None:
    smartcar.reply("GET", path, Canned(body))

    with pytest.raises(SmartcarResponseError):
        await call(client)  # type: ignore[operator]


async def test_a_server_slower_than_the_client_timeout_is_a_timeout_error(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> None:
    client = SmartcarClient(session, tokens, origins=smartcar.origins, timeout=0.2)
    smartcar.reply(
        "GET", BATTERY, Canned({"percentRemaining": 1}, wait=smartcar.release)
    )

    with pytest.raises(SmartcarTimeoutError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert isinstance(caught.value, SmartcarConnectionError)
    assert "0.2 s" in caught.value.description
    smartcar.release.set()
    await asyncio.sleep(0)


async def test_an_unreachable_server_is_a_connection_error(
    session: ClientSession, tokens: TokenSource
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    origin = f"http://127.0.0.1:{closed_port}"
    client = SmartcarClient(session, tokens, origins=Origins(api=origin, api_v3=origin))

    with pytest.raises(SmartcarConnectionError) as caught:
        await client.get_battery(VEHICLE_ID)

    assert not isinstance(caught.value, SmartcarTimeoutError)
    assert caught.value.status is None
