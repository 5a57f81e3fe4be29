"""Every documented variant of an answer, one tested branch each, named after its source.

Errors: the v1-era body `{error, message, code}` [seed SDK], `detail[]` [P0], the v2-gone answers
(`RESOURCE_NOT_FOUND:VERSION`, HTTP 410) and the v3 JSON:API examples [S28]; batch per-path
headers sent as numbers; `serviceDetails` as an array or an object [P0].
"""

from typing import Any

import pytest

from custom_components.smartcar.api import (
    AuthenticationError,
    RateLimitError,
    ResourceNotFoundError,
    ServerError,
    SmartcarClient,
    SmartcarError,
    SmartcarPermissionError,
    ValidationError,
    VehicleStateError,
    VersionRetiredError,
)

from .conftest import Canned, FakeSmartcar
from .examples import example

VEHICLE_ID = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
BATTERY = f"/api/v2.0/vehicles/{VEHICLE_ID}/battery"
SIGNALS = f"/v3api/v3/vehicles/{VEHICLE_ID}/signals"


async def raised_by(
    client: SmartcarClient, smartcar: FakeSmartcar, answer: Canned
) -> SmartcarError:
    smartcar.reply("GET", BATTERY, answer)
    with pytest.raises(SmartcarError) as raised:
        await client.get_battery(VEHICLE_ID)
    return raised.value


@pytest.mark.parametrize(
    ("legacy", "current", "expected"),
    [
        (
            {"error": "vehicle_state_error", "message": "Asleep.", "code": "VS_000"},
            {"type": "VEHICLE_STATE", "code": "VS_000", "description": "Asleep."},
            VehicleStateError,
        ),
        (
            {"error": "authentication_error", "message": "Invalid token."},
            {"type": "AUTHENTICATION", "code": None, "description": "Invalid token."},
            AuthenticationError,
        ),
        (
            {"error": "rate_limit_error", "message": "Slow down.", "code": "RL"},
            {"type": "RATE_LIMIT", "code": "RL", "description": "Slow down."},
            RateLimitError,
        ),
    ],
    ids=["vehicle-state", "authentication", "rate-limit"],
)
async def test_older_error_body_seed_sdk_maps_like_the_type_code_description_body(
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    legacy: dict[str, Any],
    current: dict[str, Any],
    expected: type[SmartcarError],
) -> None:
    status = {VehicleStateError: 409, AuthenticationError: 401, RateLimitError: 429}[
        expected
    ]
    old = await raised_by(client, smartcar, Canned(legacy, status=status))
    new = await raised_by(client, smartcar, Canned(current, status=status))

    assert type(old) is type(new) is expected
    assert (old.type, old.code, old.description, old.status) == (
        new.type,
        new.code,
        new.description,
        new.status,
    )


async def test_detail_list_p0_is_kept_on_the_error(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    error = await raised_by(
        client,
        smartcar,
        Canned(
            {
                "type": "VALIDATION",
                "code": "PARAMETER",
                "description": "Invalid parameter.",
                "detail": [{"field": "limit", "message": "too low"}, "also this"],
            },
            status=400,
        ),
    )

    assert isinstance(error, ValidationError)
    assert error.details == (
        {"field": "limit", "message": "too low"},
        {"message": "also this"},
    )
    assert error.description == "Invalid parameter."


@pytest.mark.parametrize(
    "answer",
    [
        Canned(
            {
                "type": "RESOURCE_NOT_FOUND",
                "code": "VERSION",
                "description": "Version not found.",
            },
            status=404,
        ),
        Canned(
            {
                "errors": [
                    {
                        "status": "404",
                        "type": "RESOURCE_NOT_FOUND",
                        "code": "VERSION",
                        "detail": "v2.0 is no longer available.",
                    }
                ]
            },
            status=404,
        ),
        Canned(text="<html>Gone</html>", status=410),
        Canned({"type": "RESOURCE_NOT_FOUND", "code": "PATH"}, status=410),
        Canned(
            {"error": "version_not_found_error", "message": "Version not found."},
            status=404,
        ),
    ],
    ids=["v2-body", "json-api-body", "http-410-html", "http-410-json", "v1-body-t1"],
)
async def test_v2_gone_answers_s27_t1_are_one_version_retired_error(
    client: SmartcarClient, smartcar: FakeSmartcar, answer: Canned
) -> None:
    error = await raised_by(client, smartcar, answer)

    assert isinstance(error, VersionRetiredError)
    # Still a ResourceNotFoundError: code that never retries a missing path keeps working.
    assert isinstance(error, ResourceNotFoundError)


async def test_a_missing_path_is_not_a_retired_version(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    error = await raised_by(
        client,
        smartcar,
        Canned({"type": "RESOURCE_NOT_FOUND", "code": "PATH"}, status=404),
    )

    assert type(error) is ResourceNotFoundError


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("400", ValidationError),
        ("401", AuthenticationError),
        ("403", SmartcarPermissionError),
        ("404", ResourceNotFoundError),
        ("500", ServerError),
    ],
)
async def test_v3_openapi_error_examples_s28_map_by_status(
    client: SmartcarClient,
    smartcar: FakeSmartcar,
    status: str,
    expected: type[SmartcarError],
) -> None:
    body = example("errors-v3-signals-openapi-examples.json")[status]
    smartcar.reply("GET", SIGNALS, Canned(body, status=int(status)))

    with pytest.raises(SmartcarError) as raised:
        await client.get_signals(VEHICLE_ID, user_id="user-1")

    assert type(raised.value) is expected
    assert raised.value.code == body["errors"][0]["code"]
    assert raised.value.description == body["errors"][0]["detail"]


async def test_numeric_header_values_inside_batch_answers_are_read(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"/api/v2.0/vehicles/{VEHICLE_ID}/batch",
        Canned(
            {
                "responses": [
                    {
                        "path": "/odometer",
                        "code": 429,
                        "body": {"type": "RATE_LIMIT", "code": "VEHICLE"},
                        "headers": {"retry-after": 120, "sc-request-id": "r-1"},
                    },
                    {
                        "path": "/battery",
                        "code": 200,
                        "body": {"percentRemaining": 0.5, "range": 100},
                        "headers": {"sc-data-age": "2026-10-14T10:00:00Z", "x-n": 1.5},
                    },
                ]
            }
        ),
    )

    result = await client.batch(VEHICLE_ID, ["/odometer", "/battery"])

    error = result.errors["/odometer"]
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 120.0
    assert result.state.battery_percent == 50.0


@pytest.mark.parametrize(
    "details",
    [
        [{"type": "dealer", "value": "Autohaus"}],
        {"type": "dealer", "value": "Autohaus"},
    ],
    ids=["array", "object"],
)
async def test_service_details_as_array_or_object_p0(
    client: SmartcarClient, smartcar: FakeSmartcar, details: object
) -> None:
    smartcar.reply(
        "GET",
        f"/api/v2.0/vehicles/{VEHICLE_ID}/service/history",
        Canned(
            [
                {
                    "serviceId": 1,
                    "serviceDate": "2026-03-14T10:30:00.000Z",
                    "odometerDistance": 80112.0,
                    "serviceTasks": [],
                    "serviceDetails": details,
                    "serviceCost": None,
                }
            ]
        ),
    )

    history = await client.get_service_history(VEHICLE_ID)

    assert history.records[0].service_details == (
        {"type": "dealer", "value": "Autohaus"},
    )
