"""Injected faults answer like Smartcar; the ledger counts what Smartcar bills (sections 4, 5)."""

from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, Simulator, SimulatorConfig

from .conftest import Client, bearer, connect


async def _fault(client: Client, vehicle_id: str, **fault: Any) -> Any:
    response = await client.post(f"/sim/vehicles/{vehicle_id}/faults", json=fault)
    assert response.status == 201, await response.text()
    return await response.json()


async def _odometer(
    client: Client, headers: dict[str, str], vehicle_id: str = TESLA_ID
) -> Any:
    return await client.get(f"/v2.0/vehicles/{vehicle_id}/odometer", headers=headers)


async def _ledger(client: Client) -> Any:
    return await (await client.get("/sim/ledger")).json()


async def test_rate_limit_fault_answers_429_with_retry_after_then_recovers(
    client: Client, headers: dict[str, str]
) -> None:
    fault = await _fault(client, TESLA_ID, type="RATE_LIMIT", count=1, retry_after=90)
    assert fault["code"] == "VEHICLE"

    limited = await _odometer(client, headers)
    body = await limited.json()
    recovered = await _odometer(client, headers)

    assert limited.status == 429
    assert limited.headers["Retry-After"] == "90"
    assert (body["type"], body["code"], body["statusCode"]) == (
        "RATE_LIMIT",
        "VEHICLE",
        429,
    )
    assert body["resolution"]["type"] == "RETRY_LATER"
    assert recovered.status == 200


async def test_rate_limit_defaults_retry_after(
    client: Client, headers: dict[str, str]
) -> None:
    await _fault(client, TESLA_ID, type="RATE_LIMIT", code="SMARTCAR_API", count=1)

    response = await _odometer(client, headers)

    assert response.headers["Retry-After"] == "120"
    assert (await response.json())["code"] == "SMARTCAR_API"


@pytest.mark.parametrize(
    ("fault", "status", "error_type", "code"),
    [
        ({"type": "ASLEEP"}, 409, "VEHICLE_STATE", "ASLEEP"),
        ({"type": "UNREACHABLE"}, 409, "VEHICLE_STATE", "UNREACHABLE"),
        (
            {"type": "VEHICLE_STATE", "code": "REMOTE_ACCESS_DISABLED"},
            409,
            "VEHICLE_STATE",
            None,
        ),
        ({"type": "SERVER"}, 500, "SERVER", "INTERNAL"),
        ({"type": "UPSTREAM", "code": "NO_RESPONSE"}, 502, "UPSTREAM", "NO_RESPONSE"),
        ({"type": "BILLING"}, 430, "BILLING", "VEHICLE_REQUEST_LIMIT"),
        ({"type": "AUTHENTICATION"}, 401, "AUTHENTICATION", None),
        (
            {"type": "CONNECTED_SERVICES_ACCOUNT", "code": "AUTHENTICATION_FAILED"},
            400,
            "CONNECTED_SERVICES_ACCOUNT",
            "AUTHENTICATION_FAILED",
        ),
    ],
)
async def test_fault_types_answer_their_status_and_body(
    client: Client,
    headers: dict[str, str],
    *,
    fault: dict[str, Any],
    status: int,
    error_type: str,
    code: str | None,
) -> None:
    await _fault(client, TESLA_ID, count=1, **fault)

    response = await _odometer(client, headers)

    body = await response.json()
    assert response.status == status
    assert body["statusCode"] == status
    assert body["type"] == error_type
    assert body["code"] == (code or fault.get("code"))
    assert "Retry-After" not in response.headers
    assert (await _odometer(client, headers)).status == 200


async def test_reauthentication_resolution_carries_a_url(
    client: Client, headers: dict[str, str]
) -> None:
    await _fault(
        client,
        TESLA_ID,
        type="CONNECTED_SERVICES_ACCOUNT",
        code="AUTHENTICATION_FAILED",
    )

    body = await (await _odometer(client, headers)).json()

    assert body["resolution"]["type"] == "REAUTHENTICATE"
    assert body["resolution"]["url"].startswith("https://")


async def test_fault_lasts_until_cleared_without_count(
    client: Client, headers: dict[str, str]
) -> None:
    await _fault(client, TESLA_ID, type="ASLEEP")
    statuses = [(await _odometer(client, headers)).status for _ in range(3)]
    listed = await (await client.get(f"/sim/vehicles/{TESLA_ID}/faults")).json()

    await client.delete(f"/sim/vehicles/{TESLA_ID}/faults")

    assert statuses == [409, 409, 409]
    assert listed["faults"][0]["type"] == "VEHICLE_STATE"
    assert listed["faults"][0]["remaining"] is None
    assert (await _odometer(client, headers)).status == 200


async def test_fault_for_n_requests(client: Client, headers: dict[str, str]) -> None:
    await _fault(client, TESLA_ID, type="UPSTREAM", count=2)

    statuses = [(await _odometer(client, headers)).status for _ in range(3)]

    assert statuses == [502, 502, 200]


async def test_fault_only_hits_its_car_and_its_path(
    client: Client, headers: dict[str, str]
) -> None:
    await _fault(
        client, TESLA_ID, type="VEHICLE_STATE", code="CHARGE_FAULT", path="/charge"
    )

    other_car = await _odometer(client, headers, TOYOTA_ID)
    other_path = await _odometer(client, headers)
    charge = await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/charge", json={"action": "START"}, headers=headers
    )

    assert other_car.status == 200
    assert other_path.status == 200
    assert charge.status == 409
    assert (await charge.json())["code"] == "CHARGE_FAULT"


async def test_slow_fault_waits_before_answering(
    client: Client, headers: dict[str, str], sleeps: list[float]
) -> None:
    await _fault(client, TESLA_ID, type="SLOW", delay=45, count=1)

    response = await _odometer(client, headers)

    assert response.status == 200
    assert sleeps == [45.0]


async def test_faults_in_batch_fail_each_path_or_the_whole_batch(
    client: Client, headers: dict[str, str], sleeps: list[float]
) -> None:
    payload = {"requests": [{"path": "/odometer"}, {"path": "/vin"}]}
    await _fault(client, TESLA_ID, type="ASLEEP", count=1, delay=2)
    per_path = await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/batch", json=payload, headers=headers
    )
    await _fault(client, TESLA_ID, type="RATE_LIMIT", count=1)
    whole = await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/batch", json=payload, headers=headers
    )
    await _fault(client, TESLA_ID, type="UPSTREAM", path="/vin", count=1)
    one_path = await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/batch", json=payload, headers=headers
    )

    assert per_path.status == 200
    answers = (await per_path.json())["responses"]
    assert [a["code"] for a in answers] == [409, 409]
    assert answers[0]["body"]["code"] == "ASLEEP"
    assert sleeps == [2.0]
    assert whole.status == 429
    assert whole.headers["Retry-After"] == "120"
    assert [a["code"] for a in (await one_path.json())["responses"]] == [200, 502]


async def test_v3_faults_use_the_v3_error_shape(
    client: Client, headers: dict[str, str]
) -> None:
    await _fault(client, TESLA_ID, type="RATE_LIMIT", count=1, retry_after=60)

    response = await client.get(f"/v3/vehicles/{TESLA_ID}/signals", headers=headers)

    error = (await response.json())["errors"][0]
    assert response.status == 429
    assert response.headers["Retry-After"] == "60"
    assert (error["status"], error["type"], error["code"]) == (
        "429",
        "RATE_LIMIT",
        "VEHICLE",
    )


@pytest.mark.parametrize(
    "fault",
    [
        {"type": "WEATHER"},
        {"type": "VEHICLE_STATE", "code": "ON_FIRE"},
        {"type": "ASLEEP", "count": 0},
        {"type": "ASLEEP", "delay": -1},
        {"type": "RATE_LIMIT", "retry_after": "soon"},
        {"type": "ASLEEP", "path": 3},
        {"type": "ASLEEP", "colour": "red"},
        {"code": "ASLEEP"},
    ],
)
async def test_invalid_faults_are_rejected(
    client: Client, fault: dict[str, Any]
) -> None:
    response = await client.post(f"/sim/vehicles/{TESLA_ID}/faults", json=fault)

    assert response.status == 400
    assert (await response.json())["error"]


async def test_ledger_counts_billed_requests_per_car(
    client: Client, headers: dict[str, str]
) -> None:
    await client.get("/v2.0/vehicles", headers=headers)
    await client.get("/v2.0/user", headers=headers)
    await client.get(f"/v2.0/vehicles/{TESLA_ID}/permissions", headers=headers)
    await _odometer(client, headers)
    await _odometer(client, headers)
    await client.get(f"/v3/vehicles/{VOLVO_ID}/signals", headers=headers)
    await client.post(
        f"/v2.0/vehicles/{TOYOTA_ID}/batch",
        json={
            "requests": [
                {"path": "/odometer"},
                {"path": "/fuel"},
                {"path": "/battery"},
            ],
        },
        headers=headers,
    )
    await client.delete(f"/v2.0/vehicles/{TOYOTA_ID}/application", headers=headers)

    ledger = await _ledger(client)

    assert ledger["vehicles"][TESLA_ID]["billed"] == 2
    assert ledger["vehicles"][TESLA_ID]["requests"] == 3
    assert ledger["vehicles"][TESLA_ID]["billed_by_path"] == {"/odometer": 2}
    assert ledger["vehicles"][VOLVO_ID]["billed"] == 1
    # Batch: billed per successful path (the 501 is not).
    assert ledger["vehicles"][TOYOTA_ID]["billed"] == 2
    assert ledger["vehicles"][TOYOTA_ID]["billed_by_path"] == {
        "/odometer": 1,
        "/fuel": 1,
    }
    assert ledger["unbilled_application_requests"] == 2


async def test_failed_requests_are_not_billed(
    client: Client, headers: dict[str, str]
) -> None:
    await _fault(client, TESLA_ID, type="ASLEEP", count=1)
    await _odometer(client, headers)
    await _fault(client, TESLA_ID, type="RATE_LIMIT", count=1)
    await _odometer(client, headers)

    ledger = await (await client.get("/sim/ledger", params={"entries": "true"})).json()

    assert ledger["vehicles"][TESLA_ID]["billed"] == 0
    assert [(e["status"], e["billed"]) for e in ledger["entries"]] == [
        (409, False),
        (429, False),
    ]


async def test_ledger_per_car_query_and_reset(
    client: Client, headers: dict[str, str], sim: Simulator
) -> None:
    await _odometer(client, headers)

    one = await (
        await client.get("/sim/ledger", params={"vehicle_id": VOLVO_ID})
    ).json()
    assert one["vehicles"] == {
        VOLVO_ID: {"billed": 0, "requests": 0, "billed_by_path": {}}
    }
    assert sim.ledger.billed(TESLA_ID) == 1
    assert [e.path for e in sim.ledger.requests(TESLA_ID)] == ["/odometer"]

    await client.delete("/sim/ledger")

    assert (await _ledger(client))["vehicles"] == {}


@pytest.mark.parametrize("config", [SimulatorConfig(vehicle_request_limit=2)])
async def test_monthly_request_limit_answers_430(
    client: Client, headers: dict[str, str]
) -> None:
    statuses = [(await _odometer(client, headers)).status for _ in range(3)]
    signals = await client.get(f"/v3/vehicles/{TESLA_ID}/signals", headers=headers)
    body = await (await _odometer(client, headers)).json()

    assert statuses == [200, 200, 430]
    assert signals.status == 430
    assert (body["type"], body["code"]) == ("BILLING", "VEHICLE_REQUEST_LIMIT")
    assert body["resolution"]["type"] == "CONTACT_SUPPORT"
    # Another car still has its own budget; not-billed endpoints still work.
    assert (await _odometer(client, headers, TOYOTA_ID)).status == 200
    permissions = await client.get(
        f"/v2.0/vehicles/{TESLA_ID}/permissions", headers=headers
    )
    assert permissions.status == 200


async def test_revoked_token_fault_is_per_car(client: Client) -> None:
    tokens = await connect(client)
    headers = bearer(tokens.access_token)
    await _fault(client, TOYOTA_ID, type="AUTHENTICATION")

    assert (await _odometer(client, headers, TOYOTA_ID)).status == 401
    assert (await _odometer(client, headers, TESLA_ID)).status == 200


async def test_clear_all_faults(client: Client, headers: dict[str, str]) -> None:
    await _fault(client, TESLA_ID, type="ASLEEP")
    await _fault(client, TOYOTA_ID, type="ASLEEP")

    await client.delete("/sim/faults")

    assert (await _odometer(client, headers)).status == 200
    assert (await _odometer(client, headers, TOYOTA_ID)).status == 200
