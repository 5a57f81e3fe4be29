"""Management API: connections listed and deleted with the management token (section 9)."""

import base64

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID

from .conftest import Client, Tokens

PATH = "/v2.0/management/connections"


MANAGEMENT_TOKEN = "sim-management-token"


def _management(token: str = MANAGEMENT_TOKEN, user: str = "default") -> dict[str, str]:
    return {
        "Authorization": "Basic "
        + base64.b64encode(f"{user}:{token}".encode()).decode()
    }


async def test_connections_are_listed_after_connect(
    client: Client, tokens: Tokens
) -> None:
    response = await client.get(PATH, headers=_management())

    body = await response.json()
    assert response.status == 200
    assert [c["vehicleId"] for c in body["connections"]] == [
        TESLA_ID,
        TOYOTA_ID,
        VOLVO_ID,
    ]
    assert body["connections"][0] == {
        "userId": "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a",
        "vehicleId": TESLA_ID,
        "connectedAt": "2026-01-01T00:00:00.000Z",
        "mode": "simulated",
    }
    assert body["paging"] == {"cursor": None}


async def test_connections_are_paged_and_filtered(
    client: Client, tokens: Tokens
) -> None:
    first = await (
        await client.get(PATH, params={"limit": 2}, headers=_management())
    ).json()
    second = await (
        await client.get(
            PATH,
            params={"limit": 2, "cursor": first["paging"]["cursor"]},
            headers=_management(),
        )
    ).json()
    filtered = await (
        await client.get(PATH, params={"vehicle_id": TOYOTA_ID}, headers=_management())
    ).json()

    assert len(first["connections"]) == 2
    assert first["paging"]["cursor"] is not None
    assert [c["vehicleId"] for c in second["connections"]] == [VOLVO_ID]
    assert second["paging"]["cursor"] is None
    assert [c["vehicleId"] for c in filtered["connections"]] == [TOYOTA_ID]
    for params in ({"limit": 0}, {"cursor": "x"}):
        bad = await client.get(PATH, params=params, headers=_management())
        assert bad.status == 400


async def test_deleting_a_connection_cuts_the_token_off_that_car(
    client: Client, tokens: Tokens, headers: dict[str, str]
) -> None:
    response = await client.delete(
        PATH, params={"vehicle_id": TESLA_ID}, headers=_management()
    )

    assert await response.json() == {
        "connections": [
            {"userId": "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a", "vehicleId": TESLA_ID}
        ]
    }
    odometer = await client.get(f"/v2.0/vehicles/{TESLA_ID}/odometer", headers=headers)
    assert odometer.status == 403
    remaining = await (await client.get(PATH, headers=_management())).json()
    assert [c["vehicleId"] for c in remaining["connections"]] == [TOYOTA_ID, VOLVO_ID]


async def test_delete_needs_a_filter(client: Client, tokens: Tokens) -> None:
    response = await client.delete(PATH, headers=_management())

    assert response.status == 400
    assert (await response.json())["type"] == "VALIDATION"


async def test_management_token_is_required(client: Client) -> None:
    for headers in (
        {},
        _management(token="wrong"),
        _management(user="admin"),
        {"Authorization": "Basic ###"},
        {"Authorization": "Bearer sim-management-token"},
    ):
        for method in ("GET", "DELETE"):
            response = await client.request(
                method, PATH, params={"user_id": "x"}, headers=headers
            )
            assert response.status == 401
            assert (await response.json())["type"] == "AUTHENTICATION"
