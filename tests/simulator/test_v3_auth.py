"""V3 authentication: IAM client-credentials tokens, sc-user-id, Connect's user_id."""

import base64
from typing import Any

import pytest

from simulator import TESLA_ID, ManualClock, Simulator, SimulatorConfig

from .conftest import (
    API_CLIENT_ID,
    API_CLIENT_SECRET,
    USER_ID,
    Client,
    Tokens,
    application_token,
    authorize_params,
    bearer,
    example,
    redirect_query,
    v3_headers,
)

FORM = {
    "grant_type": "client_credentials",
    "client_id": API_CLIENT_ID,
    "client_secret": API_CLIENT_SECRET,
}


def _basic(client_id: str = API_CLIENT_ID, secret: str = API_CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


async def _token_request(client: Client, variant: str) -> Any:
    if variant == "form":
        return await client.post("/oauth2/token", data=FORM)
    if variant == "json":
        return await client.post("/oauth2/token", json=FORM)
    return await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": _basic()},
    )


@pytest.mark.parametrize("variant", ["form", "json", "basic"])
async def test_every_documented_credential_variant_gets_a_one_hour_token(
    client: Client, variant: str
) -> None:
    response = await _token_request(client, variant)

    assert response.status == 200
    body = await response.json()
    assert set(body) == set(example("token-client-credentials-response.json"))
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert "refresh_token" not in body


@pytest.mark.parametrize("only", ["form", "json", "basic"])
async def test_a_switch_accepts_one_variant_only(
    client: Client, sim: Simulator, only: str
) -> None:
    sim.reconfigure(SimulatorConfig(iam_credentials=only))

    answers = {
        variant: (await _token_request(client, variant)).status
        for variant in ("form", "json", "basic")
    }

    assert answers == {
        variant: 200 if variant == only else 401
        for variant in ("form", "json", "basic")
    }


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        (
            {"client_id": API_CLIENT_ID, "client_secret": API_CLIENT_SECRET},
            400,
            "invalid_request",
        ),
        ({**FORM, "grant_type": "authorization_code"}, 400, "unsupported_grant_type"),
        ({**FORM, "client_secret": "wrong"}, 401, "invalid_client"),
        # The Connect client id (Application ID) is not an API credential.
        (
            {
                **FORM,
                "client_id": "sim-client-id",
                "client_secret": "sim-client-secret",
            },
            401,
            "invalid_client",
        ),
        ({"grant_type": "client_credentials"}, 400, "invalid_request"),
    ],
)
async def test_token_errors_are_oauth_shaped(
    client: Client, fields: dict[str, str], status: int, error: str
) -> None:
    response = await client.post("/oauth2/token", data=fields)

    assert response.status == status
    assert set(body := await response.json()) == {"error", "error_description"}
    assert body["error"] == error


async def test_malformed_json_and_basic_are_refused(client: Client) -> None:
    not_json = await client.post(
        "/oauth2/token", data=b"{", headers={"Content-Type": "application/json"}
    )
    not_object = await client.post("/oauth2/token", json=["x"])
    bad_basic = await client.post(
        "/oauth2/token",
        data={"grant_type": "client_credentials"},
        headers={"Authorization": "Basic !!!"},
    )

    assert (not_json.status, not_object.status, bad_basic.status) == (400, 400, 401)


async def test_application_token_expires_after_an_hour_without_refresh(
    client: Client, tokens: Tokens, clock: ManualClock
) -> None:
    token = await application_token(client)
    path = f"/v3/vehicles/{TESLA_ID}/signals"

    fresh = await client.get(path, headers=v3_headers(token))
    clock.advance(3600)
    expired = await client.get(path, headers=v3_headers(token))

    assert fresh.status == 200
    assert expired.status == 401
    assert (await expired.json())["errors"][0]["type"] == "AUTHENTICATION"


async def test_token_endpoint_fault_applies_to_application_tokens(
    client: Client,
) -> None:
    await client.post("/sim/oauth/token-fault", json={"status": 503, "count": 1})

    failed = await client.post("/oauth2/token", data=FORM)
    works = await client.post("/oauth2/token", data=FORM)

    assert (failed.status, works.status) == (503, 200)


@pytest.mark.parametrize("path", ["/signals", "/signals/odometer-traveleddistance"])
async def test_signals_without_sc_user_id_are_400_missing_user_id(
    client: Client, tokens: Tokens, path: str
) -> None:
    token = await application_token(client)

    response = await client.get(
        f"/v3/vehicles/{TESLA_ID}{path}", headers=v3_headers(token, None)
    )

    assert response.status == 400
    error = (await response.json())["errors"][0]
    assert (error["type"], error["code"], error["detail"]) == (
        "VALIDATION",
        "MISSING_PARAMETER",
        "missing userId",
    )


async def test_commands_without_sc_user_id_are_400(
    client: Client, tokens: Tokens
) -> None:
    token = await application_token(client)

    response = await client.post(
        f"/v3/vehicles/{TESLA_ID}/commands/security/lock",
        headers=v3_headers(token, None),
    )

    assert response.status == 400
    assert (await response.json())["errors"][0]["code"] == "MISSING_PARAMETER"


async def test_a_user_who_did_not_connect_the_car_is_refused(
    client: Client, tokens: Tokens
) -> None:
    token = await application_token(client)
    stranger = v3_headers(token, "00000000-0000-4000-8000-000000000000")

    signals = await client.get(f"/v3/vehicles/{TESLA_ID}/signals", headers=stranger)
    command = await client.post(
        f"/v3/vehicles/{TESLA_ID}/commands/security/unlock", headers=stranger
    )

    for response in (signals, command):
        assert response.status == 403
        error = (await response.json())["errors"][0]
        assert (error["type"], error["code"]) == ("AUTHENTICATION", "ACCESS_DENIED")


async def test_a_car_nobody_connected_is_404_for_the_application(
    client: Client,
) -> None:
    token = await application_token(client)

    response = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals", headers=v3_headers(token)
    )

    assert response.status == 404


async def test_per_user_tokens_on_v3_follow_the_switch(
    client: Client, sim: Simulator, tokens: Tokens
) -> None:
    path = f"/v3/vehicles/{TESLA_ID}/signals"
    accepted = await client.get(path, headers=bearer(tokens.access_token))
    mismatch = await client.get(
        path, headers={**bearer(tokens.access_token), "sc-user-id": "someone-else"}
    )
    sim.reconfigure(SimulatorConfig(v3_user_tokens="reject"))
    rejected = await client.get(path, headers=bearer(tokens.access_token))

    assert accepted.status == 200
    assert mismatch.status == 403
    assert rejected.status == 401


# Connect's redirect.


async def _approve(client: Client, **extra: str) -> dict[str, str]:
    response = await client.get(
        "/oauth/authorize/approve",
        params=authorize_params(**extra),
        allow_redirects=False,
    )
    assert response.status == 302
    return redirect_query(response.headers["Location"])


@pytest.mark.parametrize(
    ("variant", "keys"),
    [
        ("code+user_id", {"code", "user_id", "state"}),
        ("user_id", {"user_id", "state"}),
        ("code", {"code", "state"}),
    ],
)
async def test_connect_redirect_variants(
    client: Client, sim: Simulator, variant: str, keys: set[str]
) -> None:
    sim.reconfigure(SimulatorConfig(connect_redirect=variant))

    query = await _approve(client)

    assert set(query) == keys
    if "user_id" in query:
        assert query["user_id"] == USER_ID


async def test_connect_echoes_external_id_and_keeps_it_on_the_connection(
    client: Client,
) -> None:
    query = await _approve(client, external_id="ha-owner-1", mode="live")
    token = await application_token(client)

    connections = await (
        await client.get("/v3/connections", headers=v3_headers(token, None))
    ).json()

    assert query["external_id"] == "ha-owner-1"
    assert {c["attributes"]["user"]["externalId"] for c in connections["data"]} == {
        "ha-owner-1"
    }


async def test_reauth_response_types_return_the_user_without_a_code(
    client: Client,
) -> None:
    vehicle = await _approve(client, response_type="vehicle_id", external_id="x")
    none = await _approve(client, response_type="none")
    page = await client.get(
        "/oauth/authorize/approve",
        params={
            key: value
            for key, value in authorize_params(response_type="none").items()
            if key != "redirect_uri"
        },
        allow_redirects=False,
    )
    denied = await client.get(
        "/oauth/authorize/deny",
        params={
            key: value
            for key, value in authorize_params(response_type="none").items()
            if key != "redirect_uri"
        },
        allow_redirects=False,
    )
    wrong = await client.get(
        "/oauth/authorize", params=authorize_params(response_type="token")
    )

    assert set(vehicle) == {"user_id", "vehicle_id", "external_id", "state"}
    assert set(none) == {"user_id", "state"}
    assert page.status == 200
    assert "connected" in await page.text()
    assert denied.status == 200
    assert "access_denied" in await denied.text()
    assert wrong.status == 400
