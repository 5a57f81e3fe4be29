"""Connect and the token endpoint behave like Smartcar's (SMARTCAR_API.md section 1)."""

from html.parser import HTMLParser
from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, ManualClock, SimulatorConfig

from .conftest import (
    REDIRECT_URI,
    Client,
    approve,
    authorize_params,
    basic,
    bearer,
    connect,
    exchange,
    redirect_query,
)


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"id": attributes.get("id"), "action": attributes["action"], "f": []}
            )
        elif tag in {"input", "button"} and attributes.get("name") and self.forms:
            self.forms[-1]["f"].append(
                (attributes["name"], attributes.get("value") or "")
            )


async def _token(
    client: Client, data: dict[str, str], **headers: str
) -> tuple[int, Any]:
    response = await client.post("/oauth/token", data=data, headers=headers)
    return response.status, await response.json()


async def test_connect_page_lists_the_cars_with_approve_and_deny(
    client: Client,
) -> None:
    response = await client.get("/oauth/authorize", params=authorize_params())

    assert response.status == 200
    page = await response.text()
    assert "TESLA Model 3 2023" in page
    assert "TOYOTA Corolla 2021" in page
    assert "VOLVO XC60 Recharge 2024" in page
    assert "read_battery" in page
    assert ">Approve<" in page
    assert ">Deny<" in page


async def test_submitting_the_approve_form_redirects_with_code_and_state(
    client: Client,
) -> None:
    page = await (
        await client.get("/oauth/authorize", params=authorize_params())
    ).text()
    forms = _Forms()
    forms.feed(page)
    form = next(f for f in forms.forms if f["id"] == "approve")

    response = await client.post(form["action"], data=form["f"], allow_redirects=False)

    assert response.status == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    query = redirect_query(location)
    assert query["state"] == "xyz"
    tokens = await exchange(client, query["code"])
    vehicles = await client.get("/v2.0/vehicles", headers=bearer(tokens.access_token))
    assert (await vehicles.json())["vehicles"] == [TESLA_ID, TOYOTA_ID, VOLVO_ID]


async def test_deny_redirects_with_access_denied_and_state(client: Client) -> None:
    response = await client.post(
        "/oauth/authorize/deny", data=authorize_params(), allow_redirects=False
    )

    assert response.status == 302
    query = redirect_query(response.headers["Location"])
    assert query["error"] == "access_denied"
    assert query["error_description"]
    assert query["state"] == "xyz"
    assert "code" not in query


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"client_id": "someone-else"}, "Unknown client_id"),
        ({"redirect_uri": "ftp://example.com/cb"}, "redirect_uri"),
        ({"redirect_uri": ""}, "redirect_uri"),
        ({"response_type": "token"}, "response_type"),
        ({"scope": ""}, "scope"),
        ({"scope": "read_battery drop_tables"}, "scope"),
        ({"mode": "sandbox"}, "mode"),
        ({"approval_prompt": "sometimes"}, "approval_prompt"),
    ],
)
async def test_invalid_connect_requests_show_an_error_page_not_a_redirect(
    client: Client, override: dict[str, str], message: str
) -> None:
    params = {**authorize_params(), **override}
    for method, path in (
        ("GET", "/oauth/authorize"),
        ("GET", "/oauth/authorize/approve"),
    ):
        response = await client.request(
            method, path, params=params, allow_redirects=False
        )
        assert response.status == 400
        assert "Location" not in response.headers
        assert message in await response.text()
    response = await client.post(
        "/oauth/authorize/deny", data=params, allow_redirects=False
    )
    assert response.status == 400


@pytest.mark.parametrize(
    "config", [SimulatorConfig(redirect_uris=("https://registered.example/cb",))]
)
async def test_configured_redirect_uris_are_the_only_ones_allowed(
    client: Client,
) -> None:
    refused = await client.get("/oauth/authorize", params=authorize_params())
    allowed = await client.get(
        "/oauth/authorize",
        params={**authorize_params(), "redirect_uri": "https://registered.example/cb"},
    )

    assert refused.status == 400
    assert allowed.status == 200


async def test_forced_connect_error_redirects_with_that_error(client: Client) -> None:
    forced = await client.post(
        "/sim/connect/error", json={"error": "vehicle_incompatible", "count": 1}
    )
    assert (await forced.json())["remaining"] == 1

    first = await client.get(
        "/oauth/authorize/approve", params=authorize_params(), allow_redirects=False
    )
    second = await client.get(
        "/oauth/authorize/approve", params=authorize_params(), allow_redirects=False
    )

    query = redirect_query(first.headers["Location"])
    assert query["error"] == "vehicle_incompatible"
    assert query["state"] == "xyz"
    assert "code" in redirect_query(second.headers["Location"])


async def test_connect_error_knob_until_cleared(client: Client) -> None:
    await client.post("/sim/connect/error", json={"error": "server_error"})
    for _ in range(2):
        response = await client.get(
            "/oauth/authorize/approve", params=authorize_params(), allow_redirects=False
        )
        assert redirect_query(response.headers["Location"])["error"] == "server_error"
    assert (await (await client.get("/sim/connect/error")).json())[
        "error"
    ] == "server_error"

    await client.delete("/sim/connect/error")

    response = await client.get(
        "/oauth/authorize/approve", params=authorize_params(), allow_redirects=False
    )
    assert "code" in redirect_query(response.headers["Location"])
    assert (await (await client.get("/sim/connect/error")).json())["error"] is None
    bad = await client.post("/sim/connect/error", json={"error": "teapot"})
    assert bad.status == 400


async def test_make_filters_the_cars_and_no_match_redirects_no_vehicles(
    client: Client,
) -> None:
    page = await client.get("/oauth/authorize", params=authorize_params(make="volvo"))
    text = await page.text()
    assert "VOLVO" in text
    assert "TESLA" not in text

    response = await client.get(
        "/oauth/authorize/approve",
        params=authorize_params(make="Lada"),
        allow_redirects=False,
    )
    assert redirect_query(response.headers["Location"])["error"] == "no_vehicles"


async def test_single_select_grants_one_car(client: Client) -> None:
    page = await client.get(
        "/oauth/authorize", params=authorize_params(single_select="true")
    )
    assert "type='radio'" in await page.text()
    response = await client.get(
        "/oauth/authorize/approve",
        params=authorize_params(
            single_select="true", single_select_vin="JTDEPMAE6MJ123456"
        ),
        allow_redirects=False,
    )
    tokens = await exchange(
        client, redirect_query(response.headers["Location"])["code"]
    )

    vehicles = await client.get("/v2.0/vehicles", headers=bearer(tokens.access_token))
    assert (await vehicles.json())["vehicles"] == [TOYOTA_ID]


async def test_picked_cars_only_are_granted(client: Client) -> None:
    tokens = await connect(client, vehicles=[VOLVO_ID])

    vehicles = await client.get("/v2.0/vehicles", headers=bearer(tokens.access_token))
    assert (await vehicles.json())["vehicles"] == [VOLVO_ID]


async def test_token_response_has_smartcar_fields(client: Client) -> None:
    tokens = await connect(client)

    assert set(tokens.body) == {
        "access_token",
        "token_type",
        "expires_in",
        "refresh_token",
    }
    assert tokens.body["token_type"] == "Bearer"
    assert tokens.body["expires_in"] == 7200


async def test_client_secret_in_body_without_basic_is_invalid_client(
    client: Client,
) -> None:
    code = await approve(client)

    status, body = await _token(
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": "sim-client-id",
            "client_secret": "sim-client-secret",
        },
    )

    assert status == 401
    assert body["error"] == "invalid_client"
    # The code was not spent by the rejected request.
    assert (await exchange(client, code)).access_token


@pytest.mark.parametrize(
    "authorization",
    [
        basic(secret="wrong"),
        basic(client_id="other"),
        "Basic not-base64!",
        "Bearer sim-client-secret",
    ],
)
async def test_wrong_client_credentials_are_invalid_client(
    client: Client, authorization: str
) -> None:
    code = await approve(client)
    status, body = await _token(
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
        },
        Authorization=authorization,
    )

    assert status == 401
    assert body["error"] == "invalid_client"


async def test_authorization_code_is_single_use(client: Client) -> None:
    code = await approve(client)
    await exchange(client, code)

    status, body = await _token(
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
        },
        Authorization=basic(),
    )

    assert status == 400
    assert body["error"] == "invalid_grant"


async def test_authorization_code_expires_after_ten_minutes(
    client: Client, clock: ManualClock
) -> None:
    code = await approve(client)
    clock.advance(601)

    status, body = await _token(
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
        },
        Authorization=basic(),
    )

    assert (status, body["error"]) == (400, "invalid_grant")


async def test_redirect_uri_must_match_the_authorize_request(client: Client) -> None:
    code = await approve(client)

    status, body = await _token(
        client,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://evil/cb",
        },
        Authorization=basic(),
    )

    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"grant_type": "client_credentials"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "invalid_request"),
        ({"grant_type": "refresh_token"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "nope"}, "invalid_grant"),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, "invalid_grant"),
    ],
)
async def test_malformed_token_requests(
    client: Client, data: dict[str, str], error: str
) -> None:
    status, body = await _token(client, data, Authorization=basic())

    assert status == 400
    assert body["error"] == error
    assert body["error_description"]


async def test_missing_client_credentials_is_invalid_client(client: Client) -> None:
    status, body = await _token(
        client, {"grant_type": "refresh_token", "refresh_token": "x"}
    )

    assert (status, body["error"]) == (401, "invalid_client")


async def test_refresh_rotates_and_old_token_works_only_within_grace(
    client: Client, clock: ManualClock
) -> None:
    first = await connect(client)
    data = {"grant_type": "refresh_token", "refresh_token": first.refresh_token}

    status, second = await _token(client, data, Authorization=basic())
    assert status == 200
    assert second["refresh_token"] != first.refresh_token
    assert second["access_token"] != first.access_token

    clock.advance(59)
    status, again = await _token(client, data, Authorization=basic())
    assert status == 200
    assert again["refresh_token"] not in {first.refresh_token, second["refresh_token"]}

    clock.advance(2)
    status, body = await _token(client, data, Authorization=basic())
    assert (status, body["error"]) == (400, "invalid_grant")

    # The newest refresh token keeps working.
    status, _ = await _token(
        client,
        {"grant_type": "refresh_token", "refresh_token": again["refresh_token"]},
        Authorization=basic(),
    )
    assert status == 200


@pytest.mark.parametrize("config", [SimulatorConfig(refresh_token_grace=600)])
async def test_refresh_grace_is_configurable(
    client: Client, clock: ManualClock
) -> None:
    first = await connect(client)
    data = {"grant_type": "refresh_token", "refresh_token": first.refresh_token}
    await _token(client, data, Authorization=basic())

    clock.advance(599)
    assert (await _token(client, data, Authorization=basic()))[0] == 200
    clock.advance(2)
    assert (await _token(client, data, Authorization=basic()))[0] == 400


async def test_refresh_token_expires_after_sixty_days(
    client: Client, clock: ManualClock
) -> None:
    first = await connect(client)
    clock.advance(60 * 24 * 3600 + 1)

    status, body = await _token(
        client,
        {"grant_type": "refresh_token", "refresh_token": first.refresh_token},
        Authorization=basic(),
    )

    assert (status, body["error"]) == (400, "invalid_grant")


async def test_access_token_expires_after_two_hours(
    client: Client, clock: ManualClock
) -> None:
    tokens = await connect(client)
    clock.advance(7199)
    assert (
        await client.get("/v2.0/user", headers=bearer(tokens.access_token))
    ).status == 200

    clock.advance(1)
    response = await client.get("/v2.0/user", headers=bearer(tokens.access_token))

    assert response.status == 401
    body = await response.json()
    assert body["type"] == "AUTHENTICATION"
    assert body["statusCode"] == 401


@pytest.mark.parametrize("config", [SimulatorConfig(access_token_lifetime=60)])
async def test_access_token_lifetime_is_configurable(
    client: Client, clock: ManualClock
) -> None:
    tokens = await connect(client)
    assert tokens.body["expires_in"] == 60
    clock.advance(60)

    assert (
        await client.get("/v2.0/user", headers=bearer(tokens.access_token))
    ).status == 401


async def test_refreshed_tokens_keep_the_granted_scope(client: Client) -> None:
    first = await connect(client, scope="read_odometer read_battery")
    status, body = await _token(
        client,
        {"grant_type": "refresh_token", "refresh_token": first.refresh_token},
        Authorization=basic(),
    )
    assert status == 200

    response = await client.get(
        f"/v2.0/vehicles/{TESLA_ID}/permissions", headers=bearer(body["access_token"])
    )
    assert (await response.json())["permissions"] == ["read_odometer", "read_battery"]


async def test_required_prefix_is_stripped_from_scope(client: Client) -> None:
    tokens = await connect(client, scope="required:read_odometer read_vin")

    response = await client.get(
        f"/v2.0/vehicles/{TESLA_ID}/permissions", headers=bearer(tokens.access_token)
    )
    assert (await response.json())["permissions"] == ["read_odometer", "read_vin"]


async def test_token_endpoint_fault_answers_the_forced_status(client: Client) -> None:
    first = await connect(client)
    data = {"grant_type": "refresh_token", "refresh_token": first.refresh_token}
    await client.post(
        "/sim/oauth/token-fault", json={"status": 503, "count": 1, "retry_after": 30}
    )

    failed = await client.post(
        "/oauth/token", data=data, headers={"Authorization": basic()}
    )
    assert failed.status == 503
    assert failed.headers["Retry-After"] == "30"
    # The failed attempt did not use the refresh token up.
    assert (await _token(client, data, Authorization=basic()))[0] == 200
    assert (await (await client.get("/sim/oauth/token-fault")).json())["status"] is None


async def test_token_endpoint_fault_until_cleared(client: Client) -> None:
    await client.post("/sim/oauth/token-fault", json={"status": 500})
    for _ in range(2):
        response = await client.post(
            "/oauth/token", data={}, headers={"Authorization": basic()}
        )
        assert response.status == 500
        assert "Retry-After" not in response.headers
    current = await (await client.get("/sim/oauth/token-fault")).json()
    assert current == {"status": 500, "remaining": None, "retry_after": None}

    await client.delete("/sim/oauth/token-fault")
    response = await client.post(
        "/oauth/token", data={}, headers={"Authorization": basic()}
    )
    assert response.status == 400
    for bad in (
        {"status": 200},
        {"status": 500, "retry_after": "soon"},
        {"status": 500, "count": 0},
    ):
        assert (await client.post("/sim/oauth/token-fault", json=bad)).status == 400
