"""V3 commands: 200 sync, 202 long-running streamed, refusals."""

from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, Simulator

from .conftest import (
    Client,
    application_token,
    connect,
    covers,
    example,
    keys_of,
    v3_headers,
)


async def _command(
    client: Client,
    headers: dict[str, str],
    vehicle_id: str,
    name: str,
    body: Any = None,
) -> Any:
    return await client.post(
        f"/v3/vehicles/{vehicle_id}/commands/{name}", json=body, headers=headers
    )


async def test_unlock_answers_the_documented_sync_execution(
    client: Client, sim: Simulator, sleeps: list[float], app_headers: dict[str, str]
) -> None:
    response = await _command(client, app_headers, TESLA_ID, "security/unlock")

    assert response.status == 200
    body = await response.json()
    assert keys_of(body) == keys_of(example("command-unlock-200-sync.json"))
    assert body["data"]["attributes"]["commandType"] == "security-unlock"
    assert body["data"]["attributes"]["executionMode"] == "sync"
    assert body["data"]["meta"]["durationInSeconds"] == 2
    assert sim.fleet[TESLA_ID].is_locked is False
    assert sleeps == [2.0]


async def test_set_charge_limit_takes_the_documented_body(
    client: Client, sim: Simulator, app_headers: dict[str, str]
) -> None:
    response = await _command(
        client,
        app_headers,
        TESLA_ID,
        "charge/set-limit",
        example("command-set-charge-limit-request.json"),
    )

    body = await response.json()
    assert keys_of(body) == keys_of(example("command-set-charge-limit-200-sync.json"))
    assert body["data"]["attributes"]["parameters"] == {"percent": 80}
    assert sim.fleet[TESLA_ID].charge_limit == pytest.approx(0.8)


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"attributes": {"percent": 49}}},
        {"data": {"attributes": {"percent": 101}}},
        {"data": {"attributes": {"percent": 80.5}}},
        {"data": {"attributes": {"percent": True}}},
        {"percent": 80},
    ],
)
async def test_charge_limit_outside_50_to_100_is_400(
    client: Client, app_headers: dict[str, str], body: Any
) -> None:
    response = await _command(client, app_headers, TESLA_ID, "charge/set-limit", body)

    assert response.status == 400
    assert (await response.json())["errors"][0]["type"] == "VALIDATION"


async def test_charge_start_stop_and_the_port(
    client: Client, sim: Simulator, app_headers: dict[str, str]
) -> None:
    start = await _command(client, app_headers, TESLA_ID, "charge/start")
    again = await _command(client, app_headers, TESLA_ID, "charge/start")
    stop = await _command(client, app_headers, TESLA_ID, "charge/stop")
    close_plugged = await _command(client, app_headers, TESLA_ID, "charge-port/close")
    await client.patch(f"/sim/vehicles/{VOLVO_ID}", json={"is_plugged_in": False})
    close = await _command(client, app_headers, VOLVO_ID, "charge-port/close")
    port_after_close = sim.fleet[VOLVO_ID].is_charge_port_open
    open_ = await _command(client, app_headers, VOLVO_ID, "charge-port/open")

    assert start.status == 200
    assert again.status == 409
    assert (await again.json())["errors"][0]["code"] == "CHARGING_IN_PROGRESS"
    assert stop.status == 200
    assert close_plugged.status == 409
    assert (await close_plugged.json())["errors"][0]["code"] == (
        "CHARGING_PLUG_CONNECTED"
    )
    assert (close.status, port_after_close) == (200, False)
    assert open_.status == 200
    assert sim.fleet[VOLVO_ID].is_charge_port_open is True


async def test_set_destination(
    client: Client, sim: Simulator, app_headers: dict[str, str]
) -> None:
    response = await _command(
        client,
        app_headers,
        TESLA_ID,
        "navigation/set-destination",
        {"data": {"attributes": {"latitude": 48.1, "longitude": 11.6}}},
    )
    bad = await _command(
        client,
        app_headers,
        TESLA_ID,
        "navigation/set-destination",
        {"data": {"attributes": {"latitude": 100, "longitude": 11.6}}},
    )
    no_navigation = await _command(
        client,
        app_headers,
        TOYOTA_ID,
        "navigation/set-destination",
        {"data": {"attributes": {"latitude": 48.1, "longitude": 11.6}}},
    )

    assert response.status == 200
    assert (await response.json())["data"]["attributes"]["parameters"] == {
        "latitude": 48.1,
        "longitude": 11.6,
    }
    assert sim.fleet[TESLA_ID].destination is not None
    assert bad.status == 400
    assert no_navigation.status == 501


async def test_refusals_from_the_car_and_the_grant(
    client: Client, app_headers: dict[str, str]
) -> None:
    await client.patch(
        f"/sim/vehicles/{TESLA_ID}", json={"doors": {"frontLeft": "OPEN"}}
    )

    door_open = await _command(client, app_headers, TESLA_ID, "security/lock")
    petrol = await _command(client, app_headers, TOYOTA_ID, "charge/start")
    unknown = await _command(client, app_headers, TESLA_ID, "climate/start")
    not_json = await client.post(
        f"/v3/vehicles/{TESLA_ID}/commands/charge/set-limit",
        data=b"{",
        headers={**app_headers, "Content-Type": "application/json"},
    )
    not_object = await _command(client, app_headers, TESLA_ID, "charge/set-limit", [1])

    assert door_open.status == 409
    assert (await door_open.json())["errors"][0]["code"] == "DOOR_OPEN"
    assert petrol.status == 501
    assert unknown.status == 404
    assert not_json.status == 400
    assert not_object.status == 400


async def test_a_command_needs_its_permission(client: Client) -> None:
    await connect(client, scope="read_vehicle_info")
    headers = v3_headers(await application_token(client))

    response = await _command(client, headers, TESLA_ID, "security/lock")

    assert response.status == 403
    assert (await response.json())["errors"][0]["type"] == "PERMISSION"


async def test_faults_and_a_sleeping_car_refuse_commands(
    client: Client, app_headers: dict[str, str]
) -> None:
    await client.post(
        f"/sim/vehicles/{TESLA_ID}/faults",
        json={"type": "UPSTREAM", "path": "/commands", "count": 1},
    )
    upstream = await _command(client, app_headers, TESLA_ID, "security/lock")
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"is_asleep": True})
    asleep = await _command(client, app_headers, TESLA_ID, "security/lock")

    assert upstream.status == 502
    assert asleep.status == 409
    assert (await asleep.json())["errors"][0]["code"] == "ASLEEP"


async def test_long_running_commands_answer_202_and_stream_the_outcome(
    client: Client, sim: Simulator, sleeps: list[float], app_headers: dict[str, str]
) -> None:
    await client.patch(
        f"/sim/vehicles/{TESLA_ID}", json={"command_duration_seconds": 240}
    )

    response = await _command(client, app_headers, TESLA_ID, "security/unlock")

    assert response.status == 202
    assert "Content-Length" not in response.headers
    body = await response.json()
    assert covers(body, example("command-unlock-200-sync.json"))
    assert body["data"]["attributes"]["status"] == {"value": "SUCCESS"}
    assert body["data"]["attributes"]["executionMode"] == "async"
    assert body["data"]["meta"]["durationInSeconds"] == 240
    assert sleeps == [240]
    assert sim.fleet[TESLA_ID].is_locked is False


async def test_a_long_running_failure_is_in_the_body_not_the_status(
    client: Client, app_headers: dict[str, str]
) -> None:
    await client.patch(
        f"/sim/vehicles/{TESLA_ID}",
        json={"command_duration_seconds": 200, "is_plugged_in": False},
    )

    response = await _command(client, app_headers, TESLA_ID, "charge/start")

    assert response.status == 202
    error = (await response.json())["errors"][0]
    assert (error["status"], error["code"]) == ("409", "CHARGING_PLUG_NOT_CONNECTED")


async def test_commands_are_billed_recorded_and_in_the_ledger(
    client: Client, app_headers: dict[str, str]
) -> None:
    await _command(client, app_headers, TESLA_ID, "security/lock")
    await _command(client, app_headers, TOYOTA_ID, "charge/start")

    commands = (await (await client.get("/sim/commands")).json())["commands"]
    ledger = await (await client.get("/sim/ledger", params={"entries": "true"})).json()

    assert [(c["path"], c["status"]) for c in commands] == [
        ("/commands/security/lock", 200),
        ("/commands/charge/start", 501),
    ]
    assert [
        (e["api"], e["billed"], e["app_token"], e["sc_user_id"])
        for e in ledger["entries"]
    ] == [
        ("v3-iam", False, False, False),
        ("v3-commands", True, True, True),
        ("v3-commands", False, True, True),
    ]


async def test_unknown_command_of_a_stranger_is_401(client: Client) -> None:
    response = await client.post(f"/v3/vehicles/{TESLA_ID}/commands/climate/start")

    assert response.status == 401
