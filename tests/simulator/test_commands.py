"""Commands change the car, and the car refuses them the way Smartcar does."""

from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, ManualClock

from .conftest import Client, bearer, connect

SUCCESS = {"status": "success", "message": "Successfully sent request to vehicle"}


async def _post(
    client: Client, vehicle_id: str, path: str, body: Any, headers: dict[str, str]
) -> tuple[int, Any]:
    response = await client.post(
        f"/v2.0/vehicles/{vehicle_id}/{path}", json=body, headers=headers
    )
    return response.status, await response.json()


async def _get(
    client: Client, vehicle_id: str, path: str, headers: dict[str, str]
) -> Any:
    response = await client.get(f"/v2.0/vehicles/{vehicle_id}/{path}", headers=headers)
    return await response.json()


async def test_unlock_then_lock_changes_the_security_state(
    client: Client, headers: dict[str, str]
) -> None:
    assert await _post(client, TESLA_ID, "security", {"action": "UNLOCK"}, headers) == (
        200,
        SUCCESS,
    )
    assert (await _get(client, TESLA_ID, "security", headers))["isLocked"] is False

    assert await _post(client, TESLA_ID, "security", {"action": "LOCK"}, headers) == (
        200,
        SUCCESS,
    )
    assert (await _get(client, TESLA_ID, "security", headers))["isLocked"] is True


async def test_lock_while_moving_is_refused_in_motion(
    client: Client, headers: dict[str, str]
) -> None:
    await client.patch(f"/sim/vehicles/{TOYOTA_ID}", json={"is_moving": True})

    for action in ("LOCK", "UNLOCK"):
        status, body = await _post(
            client, TOYOTA_ID, "security", {"action": action}, headers
        )
        assert status == 409
        assert (body["type"], body["code"]) == ("VEHICLE_STATE", "IN_MOTION")
    assert (await _get(client, TOYOTA_ID, "security", headers))["isLocked"] is False


@pytest.mark.parametrize(
    ("vehicle_id", "change", "code"),
    [
        (TOYOTA_ID, {"doors": {"backLeft": "OPEN"}}, "DOOR_OPEN"),
        (TOYOTA_ID, {"storage": {"rear": "OPEN"}}, "TRUNK_OPEN"),
        (TOYOTA_ID, {"storage": {"front": "OPEN"}}, "HOOD_OPEN"),
        (TESLA_ID, {"storage": {"front": "OPEN"}}, "TRUNK_OPEN"),
    ],
)
async def test_lock_with_an_open_closure_is_refused(
    client: Client,
    headers: dict[str, str],
    vehicle_id: str,
    change: dict[str, Any],
    code: str,
) -> None:
    await client.patch(
        f"/sim/vehicles/{vehicle_id}", json={"is_locked": False, **change}
    )

    status, body = await _post(
        client, vehicle_id, "security", {"action": "LOCK"}, headers
    )

    assert (status, body["code"]) == (409, code)


async def test_unknown_action_is_400_validation(
    client: Client, headers: dict[str, str]
) -> None:
    for path, body in (
        ("security", {"action": "OPEN"}),
        ("charge", {}),
        ("security", [1]),
    ):
        status, answer = await _post(client, TESLA_ID, path, body, headers)
        assert status == 400
        assert (answer["type"], answer["code"]) == ("VALIDATION", "PARAMETER")


async def test_charging_raises_state_of_charge_over_time_and_stops_at_the_limit(
    client: Client, headers: dict[str, str], clock: ManualClock
) -> None:
    assert await _post(client, TESLA_ID, "charge", {"action": "START"}, headers) == (
        200,
        SUCCESS,
    )
    assert await _get(client, TESLA_ID, "charge", headers) == {
        "isPluggedIn": True,
        "state": "CHARGING",
    }

    clock.advance(10 * 60)
    battery = await _get(client, TESLA_ID, "battery", headers)
    assert battery["percentRemaining"] == pytest.approx(0.72)
    assert battery["range"] == pytest.approx(0.72 * 560, abs=0.1)

    clock.advance(60 * 60)
    assert (await _get(client, TESLA_ID, "battery", headers))["percentRemaining"] == 0.8
    assert (await _get(client, TESLA_ID, "charge", headers))["state"] == "FULLY_CHARGED"

    status, body = await _post(client, TESLA_ID, "charge", {"action": "START"}, headers)
    assert (status, body["code"]) == (409, "FULLY_CHARGED")


async def test_stop_charging_keeps_the_charge_reached(
    client: Client, headers: dict[str, str], clock: ManualClock
) -> None:
    await _post(client, TESLA_ID, "charge", {"action": "START"}, headers)
    clock.advance(5 * 60)

    assert await _post(client, TESLA_ID, "charge", {"action": "STOP"}, headers) == (
        200,
        SUCCESS,
    )
    clock.advance(30 * 60)

    assert (await _get(client, TESLA_ID, "battery", headers))["percentRemaining"] == (
        pytest.approx(0.67)
    )
    assert (await _get(client, TESLA_ID, "charge", headers))["state"] == "NOT_CHARGING"
    status, body = await _post(client, TESLA_ID, "charge", {"action": "STOP"}, headers)
    assert (status, body["code"]) == (409, "NOT_CHARGING")


async def test_start_charging_unplugged_is_refused(
    client: Client, headers: dict[str, str]
) -> None:
    status, body = await _post(client, VOLVO_ID, "charge", {"action": "START"}, headers)

    assert (status, body["type"], body["code"]) == (
        409,
        "VEHICLE_STATE",
        "CHARGING_PLUG_NOT_CONNECTED",
    )


async def test_start_charging_twice_is_charging_in_progress(
    client: Client, headers: dict[str, str]
) -> None:
    await _post(client, TESLA_ID, "charge", {"action": "START"}, headers)

    status, body = await _post(client, TESLA_ID, "charge", {"action": "START"}, headers)

    assert (status, body["code"]) == (409, "CHARGING_IN_PROGRESS")


async def test_unplugging_stops_charging(
    client: Client, headers: dict[str, str], clock: ManualClock
) -> None:
    await _post(client, TESLA_ID, "charge", {"action": "START"}, headers)
    clock.advance(60)
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"is_plugged_in": False})
    clock.advance(600)

    assert await _get(client, TESLA_ID, "charge", headers) == {
        "isPluggedIn": False,
        "state": "NOT_CHARGING",
    }
    assert (await _get(client, TESLA_ID, "battery", headers))["percentRemaining"] == (
        pytest.approx(0.63)
    )


async def test_charge_limit_is_set_and_validated(
    client: Client, headers: dict[str, str]
) -> None:
    assert await _post(client, TESLA_ID, "charge/limit", {"limit": 0.9}, headers) == (
        200,
        SUCCESS,
    )
    assert await _get(client, TESLA_ID, "charge/limit", headers) == {"limit": 0.9}

    for limit in (0.49, 1.01, "full", True, None):
        status, body = await _post(
            client, TESLA_ID, "charge/limit", {"limit": limit}, headers
        )
        assert status == 400
        assert (body["type"], body["code"]) == ("VALIDATION", "PARAMETER")
        assert body["detail"] == [
            {"field": "limit", "message": body["detail"][0]["message"]}
        ]
    assert await _get(client, TESLA_ID, "charge/limit", headers) == {"limit": 0.9}


async def test_lowering_the_limit_below_the_charge_ends_the_session(
    client: Client, headers: dict[str, str], clock: ManualClock
) -> None:
    await _post(client, TESLA_ID, "charge", {"action": "START"}, headers)
    clock.advance(3 * 60)

    await _post(client, TESLA_ID, "charge/limit", {"limit": 0.5}, headers)

    assert (await _get(client, TESLA_ID, "charge", headers))["state"] == "FULLY_CHARGED"
    assert (await _get(client, TESLA_ID, "battery", headers))["percentRemaining"] == (
        pytest.approx(0.65)
    )


async def test_charge_commands_on_a_petrol_car_are_not_capable(
    client: Client, headers: dict[str, str]
) -> None:
    status, body = await _post(
        client, TOYOTA_ID, "charge", {"action": "START"}, headers
    )

    assert (status, body["type"], body["code"]) == (
        501,
        "COMPATIBILITY",
        "VEHICLE_NOT_CAPABLE",
    )


async def test_destination_is_stored_and_recorded(
    client: Client, headers: dict[str, str]
) -> None:
    destination = {"latitude": 48.137154, "longitude": 11.576124}

    assert await _post(
        client, TESLA_ID, "navigation/destination", destination, headers
    ) == (
        200,
        SUCCESS,
    )

    car = await (await client.get(f"/sim/vehicles/{TESLA_ID}")).json()
    assert car["destination"] == {**destination, "sent_at": "2026-01-01T00:00:00.000Z"}
    commands = await (
        await client.get("/sim/commands", params={"vehicle_id": TESLA_ID})
    ).json()
    assert commands["commands"][-1] == {
        "vehicle_id": TESLA_ID,
        "at": "2026-01-01T00:00:00.000Z",
        "path": "/navigation/destination",
        "body": destination,
        "status": 200,
        "error": None,
    }


@pytest.mark.parametrize(
    "destination",
    [
        {"latitude": 91, "longitude": 0},
        {"latitude": 0, "longitude": -181},
        {"latitude": "x"},
    ],
)
async def test_invalid_destination_is_400(
    client: Client, headers: dict[str, str], destination: dict[str, Any]
) -> None:
    status, body = await _post(
        client, TESLA_ID, "navigation/destination", destination, headers
    )

    assert (status, body["type"]) == (400, "VALIDATION")


async def test_navigation_on_a_car_without_it_is_not_capable(
    client: Client, headers: dict[str, str]
) -> None:
    status, body = await _post(
        client,
        TOYOTA_ID,
        "navigation/destination",
        {"latitude": 1, "longitude": 2},
        headers,
    )

    assert (status, body["code"]) == (501, "VEHICLE_NOT_CAPABLE")


async def test_refused_commands_are_recorded_with_their_error(
    client: Client, headers: dict[str, str]
) -> None:
    await _post(client, VOLVO_ID, "charge", {"action": "START"}, headers)

    commands = (await (await client.get("/sim/commands")).json())["commands"]

    assert commands == [
        {
            "vehicle_id": VOLVO_ID,
            "at": "2026-01-01T00:00:00.000Z",
            "path": "/charge",
            "body": {"action": "START"},
            "status": 409,
            "error": "VEHICLE_STATE:CHARGING_PLUG_NOT_CONNECTED",
        }
    ]


async def test_commands_need_the_control_permission(client: Client) -> None:
    tokens = await connect(client, scope="read_security read_charge")

    status, body = await _post(
        client, TESLA_ID, "security", {"action": "LOCK"}, bearer(tokens.access_token)
    )

    assert (status, body["type"]) == (403, "PERMISSION")
