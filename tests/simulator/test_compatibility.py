"""The simulator's compatibility matrix: Basic credentials, a region, the fleet by make."""

import base64

from aiohttp.test_utils import TestClient

from simulator.config import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET

MATRIX = "/v2.0/compatibility/matrix"


def _basic(
    client_id: str = DEFAULT_CLIENT_ID, secret: str = DEFAULT_CLIENT_SECRET
) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def test_matrix_lists_each_make_with_its_models_and_permissions(
    client: TestClient,
) -> None:
    response = await client.get(
        MATRIX, params={"region": "EUROPE"}, headers={"Authorization": _basic()}
    )

    assert response.status == 200
    matrix = await response.json()
    assert "TESLA" in matrix
    (tesla,) = matrix["TESLA"]
    assert tesla["model"] == "Model 3"
    assert tesla["startYear"] == tesla["endYear"] == 2023
    assert tesla["type"] == "BEV"
    assert {"read_battery", "control_security"} <= set(tesla["permissions"])
    # A car that cannot answer an endpoint does not claim its permission.
    assert "read_fuel" not in tesla["permissions"]


async def test_matrix_is_filtered_by_make(client: TestClient) -> None:
    response = await client.get(
        MATRIX,
        params={"region": "US", "make": "tesla"},
        headers={"Authorization": _basic()},
    )

    assert list(await response.json()) == ["TESLA"]


async def test_matrix_needs_the_client_credentials_and_a_region(
    client: TestClient,
) -> None:
    wrong = await client.get(
        MATRIX, params={"region": "US"}, headers={"Authorization": _basic(secret="x")}
    )
    no_region = await client.get(MATRIX, headers={"Authorization": _basic()})

    assert wrong.status == 401
    assert (await wrong.json())["type"] == "AUTHENTICATION"
    assert no_region.status == 400
    assert (await no_region.json())["type"] == "VALIDATION"
