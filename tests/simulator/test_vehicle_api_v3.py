"""Vehicle API v3: JSON:API vehicle and signals, paging, permissions, errors (section 3)."""

from typing import Any

import pytest

from simulator import TESLA_ID, TOYOTA_ID, VOLVO_ID, ManualClock

from .conftest import Client, bearer, connect

V3_ERROR_KEYS = {
    "status",
    "type",
    "code",
    "title",
    "detail",
    "resolution",
    "suggestedUserMessage",
    "links",
}
START_MS = 1_767_225_600_000


async def _all_signals(
    client: Client, vehicle_id: str, headers: dict[str, str]
) -> list[Any]:
    response = await client.get(
        f"/v3/vehicles/{vehicle_id}/signals", params={"pageSize": 100}, headers=headers
    )
    assert response.status == 200
    data: list[Any] = (await response.json())["data"]
    return data


def _by_code(signals: list[Any]) -> dict[str, Any]:
    return {signal["attributes"]["code"]: signal for signal in signals}


async def test_vehicle_resource(client: Client, headers: dict[str, str]) -> None:
    response = await client.get(f"/v3/vehicles/{VOLVO_ID}", headers=headers)

    assert response.status == 200
    assert await response.json() == {
        "id": VOLVO_ID,
        "type": "vehicle",
        "attributes": {
            "make": "VOLVO",
            "model": "XC60 Recharge",
            "year": 2024,
            "powertrainType": "PHEV",
        },
        "links": {"self": f"/vehicles/{VOLVO_ID}"},
    }


async def test_signal_object_shape(
    client: Client, headers: dict[str, str], clock: ManualClock
) -> None:
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"data_age_seconds": 30})
    response = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals/tractionbattery-stateofcharge",
        headers=headers,
    )

    assert response.status == 200
    assert await response.json() == {
        "id": "tractionbattery-stateofcharge",
        "type": "signal",
        "attributes": {
            "code": "tractionbattery-stateofcharge",
            "name": "StateOfCharge",
            "group": "TractionBattery",
            "status": {"value": "SUCCESS"},
            "body": {"unit": "percent", "value": 62.0},
        },
        "meta": {"retrievedAt": START_MS, "oemUpdatedAt": START_MS - 30_000},
        "links": {
            "self": f"/vehicles/{TESLA_ID}/signals/tractionbattery-stateofcharge",
            "vehicle": f"/vehicles/{TESLA_ID}",
        },
    }


async def test_signals_are_paged_with_jsonapi_links(
    client: Client, headers: dict[str, str]
) -> None:
    everything = await _all_signals(client, TESLA_ID, headers)
    total = len(everything)
    base = f"/vehicles/{TESLA_ID}/signals"

    first = await (
        await client.get(f"/v3{base}", params={"pageSize": 10}, headers=headers)
    ).json()
    second = await (
        await client.get(
            f"/v3{base}", params={"page": 2, "pageSize": 10}, headers=headers
        )
    ).json()
    last_page = -(-total // 10)
    last = await (
        await client.get(
            f"/v3{base}", params={"page": last_page, "pageSize": 10}, headers=headers
        )
    ).json()

    assert total > 20
    assert first["meta"] == {"page": 1, "pageSize": 10, "totalCount": total}
    assert first["links"] == {
        "self": f"{base}?page=1&pageSize=10",
        "first": f"{base}?page=1&pageSize=10",
        "previous": None,
        "next": f"{base}?page=2&pageSize=10",
        "last": f"{base}?page={last_page}&pageSize=10",
    }
    assert second["links"]["previous"] == f"{base}?page=1&pageSize=10"
    assert last["links"]["next"] is None
    assert [s["id"] for s in first["data"] + second["data"]] == [
        s["id"] for s in everything
    ][:20]
    assert first["included"]["vehicle"]["id"] == TESLA_ID


async def test_default_page_size_is_ten(
    client: Client, headers: dict[str, str]
) -> None:
    body = await (
        await client.get(f"/v3/vehicles/{TESLA_ID}/signals", headers=headers)
    ).json()

    assert body["meta"]["pageSize"] == 10
    assert len(body["data"]) == 10


@pytest.mark.parametrize(
    "params", [{"page": 0}, {"pageSize": 101}, {"pageSize": "big"}, {"page": "x"}]
)
async def test_bad_paging_is_400_in_v3_shape(
    client: Client, headers: dict[str, str], params: dict[str, Any]
) -> None:
    response = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals", params=params, headers=headers
    )

    body = await response.json()
    assert response.status == 400
    assert set(body["errors"][0]) == V3_ERROR_KEYS
    assert body["errors"][0]["status"] == "400"
    assert body["errors"][0]["type"] == "VALIDATION"


async def test_signals_follow_the_car_type(
    client: Client, headers: dict[str, str]
) -> None:
    tesla = _by_code(await _all_signals(client, TESLA_ID, headers))
    toyota = _by_code(await _all_signals(client, TOYOTA_ID, headers))
    volvo = _by_code(await _all_signals(client, VOLVO_ID, headers))

    assert "tractionbattery-stateofcharge" in tesla
    assert "internalcombustionengine-fuellevel" not in tesla
    assert "internalcombustionengine-oillife" not in tesla
    assert "closure-sunroof" not in tesla
    assert "tractionbattery-stateofcharge" not in toyota
    assert "charge-ischarging" not in toyota
    assert toyota["internalcombustionengine-fuellevel"]["attributes"]["body"] == {
        "unit": "percent",
        "value": 62.0,
    }
    assert {
        "tractionbattery-stateofcharge",
        "internalcombustionengine-fuellevel",
    } <= set(volvo)


async def test_catalogue_signal_bodies(client: Client, headers: dict[str, str]) -> None:
    toyota = _by_code(await _all_signals(client, TOYOTA_ID, headers))
    tesla = _by_code(await _all_signals(client, TESLA_ID, headers))

    def body(signals: dict[str, Any], code: str) -> Any:
        return signals[code]["attributes"]["body"]

    assert body(toyota, "closure-islocked") == {"value": False}
    doors = body(toyota, "closure-doors")
    assert doors["rowCount"] == 2
    assert doors["columnCount"] == 2
    assert {"row": 0, "column": 0, "isOpen": False, "isLocked": False} in doors[
        "values"
    ]
    assert {"row": 0, "column": 0, "isOpen": True} in body(toyota, "closure-windows")[
        "values"
    ]
    assert body(toyota, "closure-sunroof") == {"isOpen": False}
    assert body(toyota, "closure-reartrunk") == {"isOpen": False, "isLocked": False}
    assert body(toyota, "internalcombustionengine-amountremaining") == {
        "unit": "liters",
        "value": 31.0,
    }
    assert body(toyota, "internalcombustionengine-range") == {
        "unit": "kilometers",
        "value": 465.0,
    }
    assert body(toyota, "internalcombustionengine-oillife") == {
        "unit": "percent",
        "value": 41.0,
    }
    tires = body(toyota, "wheel-tires")
    assert tires["unit"] == "kilopascals"
    assert {"row": 1, "column": 1, "tirePressure": 195.0} in tires["values"]
    assert body(toyota, "vehicleidentification-vin") == {"value": "JTDEPMAE6MJ123456"}
    assert body(toyota, "connectivitystatus-isonline") == {"value": True}
    assert body(toyota, "connectivitystatus-isasleep") == {"value": False}
    assert body(toyota, "lowvoltagebattery-status") == {"value": "WARN"}
    assert body(tesla, "odometer-traveleddistance") == {
        "unit": "kilometers",
        "value": 18452.3,
    }
    assert body(tesla, "tractionbattery-range") == {
        "unit": "kilometers",
        "value": 347.2,
        "additionalValues": [],
    }
    assert body(tesla, "charge-ischargingcableconnected") == {"value": True}
    assert body(tesla, "charge-activelimit") == {"unit": "percent", "value": 80.0}
    assert body(tesla, "charge-chargetimers") == {"values": []}
    assert body(tesla, "tractionbattery-nominalcapacity")["capacity"] == 75.0
    location = body(tesla, "location-preciselocation")
    assert (location["latitude"], location["longitude"], location["direction"]) == (
        52.520008,
        13.404954,
        "E",
    )


async def test_charging_signals_move_with_the_session(
    client: Client, headers: dict[str, str], clock: ManualClock
) -> None:
    await client.post(
        f"/v2.0/vehicles/{TESLA_ID}/charge", json={"action": "START"}, headers=headers
    )
    clock.advance(6 * 60)

    signals = _by_code(await _all_signals(client, TESLA_ID, headers))

    def value(code: str) -> Any:
        return signals[code]["attributes"]["body"]["value"]

    assert value("charge-ischarging") is True
    assert value("tractionbattery-stateofcharge") == pytest.approx(68.0)
    assert value("charge-wattage") == 3680  # watts, as the signal reference page
    assert value("charge-voltage") == 230.0
    assert value("charge-amperage") == 16.0
    assert value("charge-timetocomplete") == pytest.approx(12.0)


async def test_signals_without_permission_are_left_out(client: Client) -> None:
    tokens = await connect(client, scope="read_odometer")

    signals = await _all_signals(client, TESLA_ID, bearer(tokens.access_token))

    assert {s["id"] for s in signals} == {
        "odometer-traveleddistance",
        "vehicleuseraccount-permissions",
        "vehicleuseraccount-role",
    }
    permissions = _by_code(signals)["vehicleuseraccount-permissions"]["attributes"][
        "body"
    ]
    assert permissions == {"values": ["read_odometer"]}


async def test_one_signal_without_permission_is_403_permission(client: Client) -> None:
    tokens = await connect(client, scope="read_odometer")

    response = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals/location-preciselocation",
        headers=bearer(tokens.access_token),
    )

    body = await response.json()
    assert response.status == 403
    assert set(body["errors"][0]) == V3_ERROR_KEYS
    assert (body["errors"][0]["status"], body["errors"][0]["type"]) == (
        "403",
        "PERMISSION",
    )
    assert body["errors"][0]["links"]["about"].startswith(
        "https://smartcar.com/docs/errors/"
    )


async def test_one_signal_the_car_cannot_produce_is_501(
    client: Client, headers: dict[str, str]
) -> None:
    response = await client.get(
        f"/v3/vehicles/{TOYOTA_ID}/signals/tractionbattery-stateofcharge",
        headers=headers,
    )

    error = (await response.json())["errors"][0]
    assert response.status == 501
    assert (error["type"], error["code"]) == ("COMPATIBILITY", "VEHICLE_NOT_CAPABLE")


async def test_unknown_signal_and_unknown_path_are_404(
    client: Client, headers: dict[str, str]
) -> None:
    signal = await client.get(
        f"/v3/vehicles/{TESLA_ID}/signals/warp-drive", headers=headers
    )
    path = await client.get(f"/v3/vehicles/{TESLA_ID}/commands", headers=headers)

    assert signal.status == 404
    assert (await signal.json())["errors"][0]["code"] == "SIGNAL_NOT_FOUND"
    assert (await signal.json())["errors"][0]["detail"] == (
        f"Signal with code warp-drive not found for vehicle with ID {TESLA_ID}"
    )
    assert path.status == 404
    assert (await path.json())["errors"][0]["type"] == "RESOURCE_NOT_FOUND"


async def test_v3_authentication_error_shape(client: Client) -> None:
    response = await client.get(f"/v3/vehicles/{TESLA_ID}/signals")

    error = (await response.json())["errors"][0]
    assert response.status == 401
    assert set(error) == V3_ERROR_KEYS
    assert (error["status"], error["type"]) == ("401", "AUTHENTICATION")


async def test_sleeping_car_fails_the_v3_request(
    client: Client, headers: dict[str, str]
) -> None:
    await client.patch(f"/sim/vehicles/{TESLA_ID}", json={"is_asleep": True})

    response = await client.get(f"/v3/vehicles/{TESLA_ID}/signals", headers=headers)

    error = (await response.json())["errors"][0]
    assert response.status == 409
    assert (error["type"], error["code"]) == ("VEHICLE_STATE", "ASLEEP")


async def test_unsupported_signal_is_left_out(
    client: Client, headers: dict[str, str]
) -> None:
    await client.patch(
        f"/sim/vehicles/{TESLA_ID}", json={"unsupported": ["wheel-tires"]}
    )

    signals = _by_code(await _all_signals(client, TESLA_ID, headers))

    assert "wheel-tires" not in signals
