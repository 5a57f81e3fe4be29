"""Vehicle API v2.0: bodies, headers, units, permissions, capabilities, batch (sections 2 and 4)."""

from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, ManualClock, Simulator

from .conftest import Client, Tokens, bearer, connect

V2_ERROR_KEYS = {
    "type",
    "code",
    "description",
    "docURL",
    "statusCode",
    "requestId",
    "resolution",
    "detail",
    "suggestedUserMessage",
}


async def _get(client: Client, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    response = await client.get(f"/v2.0/vehicles/{path}", headers=headers)
    return response.status, await response.json()


async def test_vehicle_info_and_every_vehicle_header(
    client: Client, headers: dict[str, str], clock: ManualClock
) -> None:
    response = await client.get(f"/v2.0/vehicles/{TESLA_ID}", headers=headers)

    assert response.status == 200
    assert await response.json() == {
        "id": TESLA_ID,
        "make": "TESLA",
        "model": "Model 3",
        "year": 2023,
    }
    assert response.headers["SC-Unit-System"] == "metric"
    assert response.headers["SC-Data-Age"] == "2026-01-01T00:00:00.000Z"
    assert response.headers["SC-Fetched-At"] == "2026-01-01T00:00:00.000Z"
    assert response.headers["SC-Request-Id"]


async def test_data_age_header_reflects_how_old_the_data_is(
    client: Client, headers: dict[str, str]
) -> None:
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"data_age_seconds": 3600})

    response = await client.get(f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=headers)

    assert response.headers["SC-Data-Age"] == "2025-12-31T23:00:00.000Z"
    assert response.headers["SC-Fetched-At"] == "2026-01-01T00:00:00.000Z"


@pytest.mark.parametrize(
    ("vehicle_id", "path", "expected"),
    [
        (TESLA_ID, "vin", {"vin": "5YJ3E1EA7PF412345"}),
        (TESLA_ID, "location", {"latitude": 52.520008, "longitude": 13.404954}),
        (TESLA_ID, "odometer", {"distance": 18452.3}),
        (TESLA_ID, "battery", {"percentRemaining": 0.62, "range": 347.2}),
        (TESLA_ID, "battery/capacity", {"capacity": 75.0}),
        (TESLA_ID, "charge", {"isPluggedIn": True, "state": "NOT_CHARGING"}),
        (TESLA_ID, "charge/limit", {"limit": 0.8}),
        (
            TESLA_ID,
            "tires/pressure",
            {
                "frontLeft": 290.0,
                "frontRight": 290.0,
                "backLeft": 290.0,
                "backRight": 290.0,
            },
        ),
        (
            TOYOTA_ID,
            "fuel",
            {"range": 465.0, "percentRemaining": 0.62, "amountRemaining": 31.0},
        ),
        (TOYOTA_ID, "engine/oil", {"lifeRemaining": 0.41}),
        (VOLVO_ID, "charge", {"isPluggedIn": False, "state": "NOT_CHARGING"}),
        (
            VOLVO_ID,
            "fuel",
            {"range": 405.0, "percentRemaining": 0.45, "amountRemaining": 31.95},
        ),
    ],
)
async def test_metric_bodies(
    client: Client,
    headers: dict[str, str],
    vehicle_id: str,
    path: str,
    expected: dict[str, Any],
) -> None:
    assert await _get(client, f"{vehicle_id}/{path}", headers) == (200, expected)


async def test_nominal_capacity_body(client: Client, headers: dict[str, str]) -> None:
    status, body = await _get(client, f"{TESLA_ID}/battery/nominal_capacity", headers)

    assert status == 200
    assert body["capacity"] == {"nominal": 75.0, "source": "SMARTCAR"}
    assert {"capacity": 75.0, "description": "Long Range"} in body[
        "availableCapacities"
    ]
    assert "url" in body


async def test_security_body_lists_every_closure(
    client: Client, headers: dict[str, str]
) -> None:
    status, tesla = await _get(client, f"{TESLA_ID}/security", headers)
    _, toyota = await _get(client, f"{TOYOTA_ID}/security", headers)

    assert status == 200
    assert tesla["isLocked"] is True
    assert {"type": "frontLeft", "status": "CLOSED"} in tesla["doors"]
    assert len(tesla["doors"]) == 4
    assert len(tesla["windows"]) == 4
    assert tesla["sunroof"] == []
    assert {"type": "front", "status": "CLOSED"} in tesla["storage"]
    assert tesla["chargingPort"] == [{"type": "chargingPort", "status": "OPEN"}]
    assert toyota["isLocked"] is False
    assert {"type": "frontLeft", "status": "OPEN"} in toyota["windows"]
    assert toyota["sunroof"] == [{"type": "sunroof", "status": "CLOSED"}]
    assert toyota["chargingPort"] == []


async def test_diagnostics_and_service_history(
    client: Client, headers: dict[str, str]
) -> None:
    _, dtcs = await _get(client, f"{TOYOTA_ID}/diagnostics/dtcs", headers)
    _, systems = await _get(client, f"{TOYOTA_ID}/diagnostics/system_status", headers)
    _, history = await _get(client, f"{TOYOTA_ID}/service/history", headers)
    _, clean = await _get(client, f"{TESLA_ID}/diagnostics/dtcs", headers)

    assert {"code": "P0420", "timestamp": "2025-12-20T08:15:00.000Z"} in dtcs[
        "activeCodes"
    ]
    assert clean == {"activeCodes": []}
    assert {s["status"] for s in systems["systems"]} == {"OK", "ALERT"}
    assert history[0]["serviceCost"] == {"totalCost": 289.9, "currency": "EUR"}
    assert history[0]["odometerDistance"] == 52000.0


async def test_imperial_header_converts_units_and_is_echoed(
    client: Client, headers: dict[str, str]
) -> None:
    imperial = {**headers, "sc-unit-system": "imperial"}

    odometer = await client.get(f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=imperial)
    _, fuel = await _get(client, f"{TOYOTA_ID}/fuel", imperial)
    _, tires = await _get(client, f"{TOYOTA_ID}/tires/pressure", imperial)
    _, battery = await _get(client, f"{TESLA_ID}/battery", imperial)
    _, history = await _get(client, f"{TOYOTA_ID}/service/history", imperial)

    assert odometer.headers["SC-Unit-System"] == "imperial"
    assert (await odometer.json())["distance"] == pytest.approx(
        18452.3 / 1.609344, abs=0.01
    )
    assert fuel["amountRemaining"] == pytest.approx(31.0 / 3.785411784, abs=0.01)
    assert fuel["range"] == pytest.approx(465.0 / 1.609344, abs=0.01)
    assert fuel["percentRemaining"] == 0.62
    assert tires["frontLeft"] == pytest.approx(230 * 0.1450377, abs=0.01)
    assert battery["range"] == pytest.approx(347.2 / 1.609344, abs=0.01)
    assert battery["percentRemaining"] == 0.62
    assert history[0]["odometerDistance"] == pytest.approx(52000 / 1.609344, abs=0.01)


async def test_missing_unknown_and_malformed_tokens_are_authentication_errors(
    client: Client,
) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer nope"},
        {"Authorization": "Token abc"},
    ):
        response = await client.get(
            f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=headers
        )
        body = await response.json()
        assert response.status == 401
        assert set(body) == V2_ERROR_KEYS
        assert body["type"] == "AUTHENTICATION"
        assert body["resolution"]["type"] == "REAUTHENTICATE"
        assert body["requestId"] == response.headers["SC-Request-Id"]
    for path in ("/v2.0/vehicles", "/v2.0/user"):
        assert (await client.get(path)).status == 401


async def test_expired_tokens_via_control_api_answer_401(
    client: Client, headers: dict[str, str]
) -> None:
    assert (await client.get("/sim/tokens")).status == 200
    expired = await client.post("/sim/tokens/expire")
    assert (await expired.json())["expired"] == 1

    response = await client.get(f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=headers)
    assert response.status == 401
    counts = await (await client.get("/sim/tokens")).json()
    assert counts["active_access_tokens"] == 0
    assert counts["code_exchanges"] == 1


async def test_revoked_tokens_fail_everywhere(client: Client, tokens: Tokens) -> None:
    await client.post("/sim/tokens/revoke")

    response = await client.get("/v2.0/user", headers=bearer(tokens.access_token))
    refresh = await client.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token},
        headers={
            "Authorization": "Basic " + "c2ltLWNsaWVudC1pZDpzaW0tY2xpZW50LXNlY3JldA=="
        },
    )

    assert response.status == 401
    assert (await refresh.json())["error"] == "invalid_grant"


async def test_permission_not_granted_is_403_permission(client: Client) -> None:
    tokens = await connect(client, scope="read_odometer")

    status, body = await _get(
        client, f"{TESLA_ID}/location", bearer(tokens.access_token)
    )

    assert status == 403
    assert set(body) == V2_ERROR_KEYS
    assert (body["type"], body["statusCode"]) == ("PERMISSION", 403)
    assert body["docURL"].startswith("https://smartcar.com/docs/errors/")


async def test_car_outside_the_grant_is_403(client: Client) -> None:
    tokens = await connect(client, vehicles=[TESLA_ID])

    status, body = await _get(
        client, f"{TOYOTA_ID}/odometer", bearer(tokens.access_token)
    )
    unknown, _ = await _get(client, "no-such-car/odometer", bearer(tokens.access_token))

    assert (status, body["type"]) == (403, "PERMISSION")
    assert unknown == 403


@pytest.mark.parametrize(
    ("vehicle_id", "path"),
    [
        (TOYOTA_ID, "battery"),
        (TOYOTA_ID, "battery/capacity"),
        (TOYOTA_ID, "charge"),
        (TOYOTA_ID, "charge/limit"),
        (TESLA_ID, "fuel"),
        (TESLA_ID, "engine/oil"),
        (TESLA_ID, "service/history"),
    ],
)
async def test_car_type_capabilities_are_501_vehicle_not_capable(
    client: Client, headers: dict[str, str], vehicle_id: str, path: str
) -> None:
    status, body = await _get(client, f"{vehicle_id}/{path}", headers)

    assert status == 501
    assert set(body) == V2_ERROR_KEYS
    assert (body["type"], body["code"]) == ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")


async def test_unknown_path_is_404_resource_not_found(
    client: Client, headers: dict[str, str]
) -> None:
    status, body = await _get(client, f"{TESLA_ID}/teleport", headers)
    other = await client.get("/v2.0/garage", headers=headers)

    assert (status, body["type"], body["code"]) == (404, "RESOURCE_NOT_FOUND", "PATH")
    assert other.status == 404
    assert (await other.json())["type"] == "RESOURCE_NOT_FOUND"


async def test_vehicles_are_paged_with_max_fifty(
    client: Client, headers: dict[str, str]
) -> None:
    page = await client.get(
        "/v2.0/vehicles", params={"limit": 2, "offset": 1}, headers=headers
    )
    assert await page.json() == {
        "vehicles": [TOYOTA_ID, VOLVO_ID],
        "paging": {"count": 3, "offset": 1},
    }
    for params in ({"limit": 51}, {"limit": 0}, {"offset": -1}, {"limit": "ten"}):
        response = await client.get("/v2.0/vehicles", params=params, headers=headers)
        body = await response.json()
        assert response.status == 400
        assert (body["type"], body["code"]) == ("VALIDATION", "PARAMETER")
        assert body["detail"][0]["field"] in {"limit", "offset"}


async def test_user_endpoint(client: Client, headers: dict[str, str]) -> None:
    response = await client.get("/v2.0/user", headers=headers)

    assert await response.json() == {"id": "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a"}


async def test_permissions_endpoint_is_paged(client: Client) -> None:
    tokens = await connect(client, scope="read_vin read_odometer read_battery")

    response = await client.get(
        f"/v2.0/vehicles/{TESLA_ID}/permissions",
        params={"limit": 2, "offset": 1},
        headers=bearer(tokens.access_token),
    )

    assert await response.json() == {
        "permissions": ["read_odometer", "read_battery"],
        "paging": {"count": 3, "offset": 1},
    }


async def test_disconnect_removes_the_car_from_the_token(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.delete(
        f"/v2.0/vehicles/{TOYOTA_ID}/application", headers=headers
    )

    assert await response.json() == {"status": "success"}
    vehicles = await (await client.get("/v2.0/vehicles", headers=headers)).json()
    assert vehicles["vehicles"] == [TESLA_ID, VOLVO_ID]
    status, _ = await _get(client, f"{TOYOTA_ID}/odometer", headers)
    assert status == 403


async def test_batch_answers_each_path_with_its_own_status(client: Client) -> None:
    tokens = await connect(client, scope="read_odometer read_battery read_fuel")
    payload = {
        "requests": [
            {"path": "/odometer"},
            {"path": "/location"},
            {"path": "/battery"},
            {"path": "/nowhere"},
        ]
    }

    response = await client.post(
        f"/v2.0/vehicles/{TOYOTA_ID}/batch",
        json=payload,
        headers=bearer(tokens.access_token),
    )

    assert response.status == 200
    assert response.headers["SC-Request-Id"]
    answers = (await response.json())["responses"]
    assert [(a["path"], a["code"]) for a in answers] == [
        ("/odometer", 200),
        ("/location", 403),
        ("/battery", 501),
        ("/nowhere", 404),
    ]
    assert answers[0]["body"] == {"distance": 64210.8}
    assert answers[0]["headers"] == {
        "sc-data-age": "2026-01-01T00:00:00.000Z",
        "sc-unit-system": "metric",
    }
    assert set(answers[1]["body"]) == V2_ERROR_KEYS
    assert answers[1]["body"]["type"] == "PERMISSION"
    assert (answers[2]["body"]["type"], answers[2]["body"]["code"]) == (
        "COMPATIBILITY",
        "VEHICLE_NOT_CAPABLE",
    )


async def test_batch_in_imperial(client: Client, headers: dict[str, str]) -> None:
    response = await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/batch",
        json={"requests": [{"path": "/odometer"}, {"path": "/"}]},
        headers={**headers, "sc-unit-system": "imperial"},
    )

    answers = (await response.json())["responses"]
    assert answers[0]["headers"]["sc-unit-system"] == "imperial"
    assert answers[0]["body"]["distance"] == pytest.approx(18452.3 / 1.609344, abs=0.01)
    assert answers[1]["body"]["model"] == "Model 3"
    assert response.headers["SC-Unit-System"] == "imperial"


@pytest.mark.parametrize(
    "payload",
    [{}, {"requests": []}, {"requests": [{"path": 3}]}, {"requests": "all"}, None],
)
async def test_malformed_batch_is_400_validation(
    client: Client, headers: dict[str, str], payload: Any
) -> None:
    response = await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/batch", json=payload, headers=headers
    )

    assert response.status == 400
    assert (await response.json())["type"] == "VALIDATION"


async def test_invalid_json_body_is_400(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/security",
        data=b"{not json",
        headers={**headers, "Content-Type": "application/json"},
    )

    assert response.status == 400
    assert (await response.json())["code"] == "PARAMETER"


async def test_sleeping_car_answers_409_asleep_and_offline_unreachable(
    client: Client, headers: dict[str, str]
) -> None:
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"is_asleep": True})
    await client.patch(f"/sim/vehicles/{VOLVO_ID}", json={"is_online": False})

    asleep_status, asleep = await _get(client, f"{TESLA_ID}/odometer", headers)
    offline_status, offline = await _get(client, f"{VOLVO_ID}/odometer", headers)
    permissions, _ = await _get(client, f"{TESLA_ID}/permissions", headers)

    assert (asleep_status, asleep["type"], asleep["code"]) == (
        409,
        "VEHICLE_STATE",
        "ASLEEP",
    )
    assert asleep["resolution"]["type"] is None
    assert (offline_status, offline["code"]) == (409, "UNREACHABLE")
    assert offline["resolution"]["type"] == "RETRY_LATER"
    assert permissions == 200


async def test_request_ids_are_unique(client: Client, headers: dict[str, str]) -> None:
    ids = {
        (await client.get(f"/v2.0/vehicles/{TESLA_ID}/vin", headers=headers)).headers[
            "SC-Request-Id"
        ]
        for _ in range(3)
    }

    assert len(ids) == 3


async def test_simulator_state_is_reachable_in_process(sim: Simulator) -> None:
    assert set(sim.fleet) == {TESLA_ID, TOYOTA_ID, VOLVO_ID}
    assert sim.fleet[TESLA_ID].powertrain == "BEV"
    assert sim.fleet[TOYOTA_ID].powertrain == "ICE"
    assert sim.fleet[VOLVO_ID].powertrain == "PHEV"
