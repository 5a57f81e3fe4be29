"""V3 data: vehicle attributes, Connections, signals (catalogue, faults, store, variants)."""

from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, ManualClock, Simulator
from simulator.config import SimulatorConfig
from simulator.signals import SIGNALS

from .conftest import (
    ALL_SCOPE,
    USER_ID,
    Client,
    Tokens,
    application_token,
    authorize_params,
    connect,
    covers,
    example,
    keys_of,
    v3_headers,
)

EVERY_PERMISSION = (
    ALL_SCOPE + " read_climate read_thermometer read_speedometer read_charge_records"
)
START_MS = 1_767_225_600_000


async def _signals(
    client: Client, vehicle_id: str, headers: dict[str, str], **params: Any
) -> Any:
    response = await client.get(
        f"/v3/vehicles/{vehicle_id}/signals",
        params={"pageSize": 100, **params},
        headers=headers,
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def test_vehicle_attributes_in_the_documented_envelope(
    client: Client, app_headers: dict[str, str]
) -> None:
    response = await client.get(f"/v3/vehicles/{VOLVO_ID}", headers=app_headers)

    body = await response.json()
    assert keys_of(body) == keys_of(example("vehicle-get-docs.json"))
    assert body["data"]["attributes"] == {
        "make": "VOLVO",
        "model": "XC60 Recharge",
        "year": 2024,
        "powertrainType": "PHEV",
        "mode": "simulated",
    }


async def test_vehicle_envelope_switch_gives_the_pre_launch_bare_resource(
    client: Client, sim: Simulator, app_headers: dict[str, str]
) -> None:
    sim.reconfigure(SimulatorConfig(vehicle_envelope="bare"))

    body = await (
        await client.get(f"/v3/vehicles/{TESLA_ID}", headers=app_headers)
    ).json()

    assert set(body) == set(example("vehicle-get-java-sdk-fixture.json"))


async def test_signals_list_matches_the_documented_shape(
    client: Client, app_headers: dict[str, str]
) -> None:
    body = await _signals(client, TESLA_ID, app_headers, pageSize=10)

    documented = example("signals-list-docs-example.json")
    assert set(body) == set(documented)
    assert set(body["meta"]) == set(documented["meta"])
    assert set(body["links"]) == set(documented["links"])
    signal = body["data"][0]
    assert set(signal) == set(documented["data"][0])
    assert set(signal["attributes"]) == set(documented["data"][0]["attributes"])
    assert set(signal["meta"]) == set(documented["data"][0]["meta"])


async def test_every_catalogued_signal_is_served_by_some_car(client: Client) -> None:
    tokens = await connect(client, scope=EVERY_PERMISSION)
    del tokens
    headers = v3_headers(await application_token(client))

    served: set[str] = set()
    for vehicle_id in (TESLA_ID, TOYOTA_ID, VOLVO_ID):
        body = await _signals(client, vehicle_id, headers)
        assert body["meta"]["totalCount"] <= 100
        served |= {signal["id"] for signal in body["data"]}

    assert served == {spec.code for spec in SIGNALS}
    assert len(served) > 70


async def test_paging_accepts_the_json_api_parameter_names(
    client: Client, app_headers: dict[str, str]
) -> None:
    plain = await _signals(client, TESLA_ID, app_headers, page=2, pageSize=5)
    bracketed = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals",
        params={"page[number]": 2, "page[size]": 5},
        headers=app_headers,
    )

    assert [s["id"] for s in (await bracketed.json())["data"]] == [
        s["id"] for s in plain["data"]
    ]


async def test_variant_meta_and_iso_timestamps_as_in_the_3p_capture(
    client: Client, sim: Simulator, app_headers: dict[str, str]
) -> None:
    sim.reconfigure(
        SimulatorConfig(signals_page_meta="pageNumber", signal_timestamps="iso")
    )

    body = await _signals(client, TESLA_ID, app_headers)

    captured = example("signals-list-vw-idbuzz-trooperthorn-fixture.json")
    assert set(body["meta"]) == set(captured["meta"])
    odometer = next(s for s in body["data"] if s["id"] == "odometer-traveleddistance")
    assert set(odometer["meta"]) == {"ingestedAt", "retrievedAt", "oemUpdatedAt"}
    assert odometer["meta"]["retrievedAt"] == "2026-01-01T00:00:00.000Z"


async def test_injected_signal_errors_fail_single_signals_inside_a_200(
    client: Client, app_headers: dict[str, str]
) -> None:
    patched = await client.patch(
        f"/sim/vehicles/{TESLA_ID}",
        json={
            "signal_statuses": {
                "charge-wattage": {
                    "status": "ERROR",
                    "type": "VEHICLE_STATE",
                    "code": "NOT_CHARGING",
                },
                "closure-sunroof": {"status": "UNAVAILABLE"},
                "charge-voltage": {"status": "UNAVAILABLE"},
            }
        },
    )
    assert patched.status == 200
    await client.patch(
        f"/sim/vehicles/{TESLA_ID}",
        json={"signal_statuses": {"charge-voltage": None}},
    )

    body = await _signals(client, TESLA_ID, app_headers)

    by_code = {s["id"]: s for s in body["data"]}
    wattage = by_code["charge-wattage"]["attributes"]
    captured = next(
        s["attributes"]
        for s in example("signals-list-vw-idbuzz-trooperthorn-fixture.json")["data"]
        if s["id"] == "charge-wattage"
    )
    assert set(wattage["status"]["error"]) == set(captured["status"]["error"])
    assert wattage["status"]["value"] == "ERROR"
    assert wattage["status"]["error"]["code"] == "NOT_CHARGING"
    assert "body" not in wattage
    assert by_code["charge-voltage"]["attributes"]["status"] == {"value": "SUCCESS"}
    single = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals/charge-wattage", headers=app_headers
    )
    assert single.status == 200
    assert (await single.json())["meta"] == {}


@pytest.mark.parametrize(
    "statuses",
    [
        {"charge-wattage": {"status": "BROKEN"}},
        {"charge-wattage": {"status": "ERROR", "type": "NOPE"}},
        ["charge-wattage"],
    ],
)
async def test_bad_signal_statuses_are_400(client: Client, statuses: Any) -> None:
    response = await client.patch(
        f"/sim/vehicles/{TESLA_ID}", json={"signal_statuses": statuses}
    )

    assert response.status == 400


# The signal store.


def _odometer(body: Any) -> tuple[float, Any]:
    signal = next(s for s in body["data"] if s["id"] == "odometer-traveleddistance")
    return signal["attributes"]["body"]["value"], signal["meta"]["retrievedAt"]


async def test_the_store_refreshes_once_a_day_unless_subscribed(
    client: Client, sim: Simulator, clock: ManualClock, tokens: Tokens
) -> None:
    sim.reconfigure(SimulatorConfig(signal_refresh_seconds=86400))

    async def odometer() -> tuple[float, Any]:
        headers = v3_headers(await application_token(client))
        return _odometer(await _signals(client, TESLA_ID, headers))

    clock.advance(6 * 3600)  # 06:00 UTC
    first = await odometer()
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"odometer_km": 20000})
    clock.advance(12 * 3600)  # 18:00, same day
    same_day = await odometer()
    clock.advance(7 * 3600)  # 01:00 the next day
    next_day = await odometer()
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"odometer_km": 20100})
    sim.webhooks.subscriptions["sim-webhook"] = {TESLA_ID}
    subscribed = await odometer()

    assert first == (18452.3, START_MS)
    assert same_day == first
    assert next_day == (20000, START_MS + 86_400_000)
    assert subscribed == (20100, START_MS + 25 * 3_600_000)


async def test_forced_store_refresh_from_the_control_api(
    client: Client,
    sim: Simulator,
    clock: ManualClock,
    app_headers: dict[str, str],
) -> None:
    sim.reconfigure(SimulatorConfig(signal_refresh_seconds=86400))
    await _signals(client, TESLA_ID, app_headers)
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"odometer_km": 19000})
    clock.advance(60)

    refreshed = await client.post(f"/sim/vehicles/{TESLA_ID}/signals/refresh")
    value = _odometer(await _signals(client, TESLA_ID, app_headers))

    assert refreshed.status == 200
    assert value == (19000, START_MS + 60_000)


async def test_store_empty_until_subscribed_when_switched_on(
    client: Client, sim: Simulator, app_headers: dict[str, str]
) -> None:
    sim.reconfigure(
        SimulatorConfig(
            signal_refresh_seconds=86400, signal_store_needs_subscription=True
        )
    )

    empty = await _signals(client, TESLA_ID, app_headers)
    single = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals/odometer-traveleddistance",
        headers=app_headers,
    )

    assert empty["data"] == []
    assert empty["meta"]["totalCount"] == 0
    assert single.status == 404
    assert (await single.json())["errors"][0]["code"] == "SIGNAL_NOT_FOUND"


# Connections.


async def _connections(
    client: Client, token: str, user_id: str | None = None, **params: Any
) -> Any:
    response = await client.get(
        "/v3/connections", params=params, headers=v3_headers(token, user_id)
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def _connect_live(client: Client) -> Tokens:
    response = await client.get(
        "/oauth/authorize/approve",
        params=authorize_params(mode="live"),
        allow_redirects=False,
    )
    assert response.status == 302
    return Tokens("", "", {})


async def test_connections_list_matches_the_documented_shape(client: Client) -> None:
    await _connect_live(client)
    token = await application_token(client)

    body = await _connections(client, token)

    documented = example("connections-list-trooperthorn-fixture.json")
    assert keys_of(body) == keys_of(documented)
    assert body["meta"]["totalCount"] == 3
    item = body["data"][0]
    assert item["relationships"]["user"]["data"]["id"] == USER_ID
    assert item["attributes"]["vehicle"]["mode"] == "live"
    assert "read_battery" in item["attributes"]["permissions"]
    assert body["links"]["next"] is None


async def test_connections_filters_and_paging(client: Client) -> None:
    await _connect_live(client)
    token = await application_token(client)

    simulated = await _connections(
        client, token, **{"filter[vehicle.mode]": "simulated"}
    )
    by_vehicle = await _connections(client, token, **{"filter[vehicleId]": TESLA_ID})
    by_header = await _connections(client, token, user_id="nobody")
    paged = await _connections(client, token, **{"page[size]": 2, "page[number]": 2})
    first = await _connections(client, token, **{"page[size]": 2})

    assert simulated["data"] == []
    assert [
        c["relationships"]["vehicle"]["data"]["id"] for c in by_vehicle["data"]
    ] == [TESLA_ID]
    assert by_header["data"] == []
    assert len(paged["data"]) == 1
    assert paged["links"]["prev"] is not None
    assert first["links"]["next"] is not None
    assert "page%5Bnumber%5D=2" in first["links"]["next"]


async def test_single_connection_by_connection_id_or_vehicle_id(
    client: Client,
) -> None:
    await _connect_live(client)
    token = await application_token(client)
    listed = (await _connections(client, token))["data"][0]
    vehicle_id = listed["relationships"]["vehicle"]["data"]["id"]

    by_id = await client.get(
        f"/v3/connections/{listed['id']}", headers=v3_headers(token, None)
    )
    by_vehicle = await client.get(
        f"/v3/connections/{vehicle_id}", headers=v3_headers(token, None)
    )
    unknown = await client.get("/v3/connections/nope", headers=v3_headers(token, None))

    single = await by_id.json()
    assert covers(single, example("connection-get.json"))
    assert keys_of(single["data"]) == keys_of(
        example("connections-list-trooperthorn-fixture.json")["data"][0]
    )
    assert (await by_vehicle.json())["data"]["id"] == listed["id"]
    assert unknown.status == 404


async def test_deleting_a_connection_and_a_user(client: Client) -> None:
    await _connect_live(client)
    token = await application_token(client)
    listed = (await _connections(client, token))["data"]

    deleted = await client.delete(
        f"/v3/connections/{listed[0]['id']}", headers=v3_headers(token, None)
    )
    after_one = await _connections(client, token)
    user = await client.delete(f"/v3/users/{USER_ID}", headers=v3_headers(token, None))
    after_user = await _connections(client, token)
    again = await client.delete(f"/v3/users/{USER_ID}", headers=v3_headers(token, None))

    assert deleted.status == 204
    assert after_one["meta"]["totalCount"] == 2
    assert user.status == 204
    assert after_user["data"] == []
    assert again.status == 404


async def test_connections_need_the_application_token(
    client: Client, tokens: Tokens
) -> None:
    listing = await client.get(
        "/v3/connections", headers={"Authorization": f"Bearer {tokens.access_token}"}
    )
    single = await client.get("/v3/connections/x")
    deleting = await client.delete("/v3/connections/x")
    user = await client.delete("/v3/users/x")
    bad_page = await client.get(
        "/v3/connections",
        params={"page[size]": 0},
        headers=v3_headers(await application_token(client), None),
    )

    assert [r.status for r in (listing, single, deleting, user)] == [401] * 4
    assert bad_page.status == 400


async def test_connections_are_not_billed_and_vehicle_calls_record_the_headers(
    client: Client, app_headers: dict[str, str]
) -> None:
    await client.get("/v3/connections", headers=app_headers)
    await client.get(f"/v3/vehicles/{TESLA_ID}/signals", headers=app_headers)

    ledger = await (await client.get("/sim/ledger", params={"entries": "true"})).json()

    v3 = [e for e in ledger["entries"] if e["generation"] == "v3"]
    assert [(e["path"], e["billed"], e["app_token"], e["sc_user_id"]) for e in v3] == [
        ("/oauth2/token", False, False, False),
        ("/connections", False, True, True),
        ("/signals", True, True, True),
    ]
    assert ledger["vehicle_requests_without_app_token"] == 0
    assert ledger["vehicle_requests_without_sc_user_id"] == 0
