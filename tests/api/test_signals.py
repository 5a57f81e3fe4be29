"""v3: the vehicle resource, /signals with every page, and the signal-code table."""

from datetime import UTC, datetime
from typing import Any

import pytest

from custom_components.smartcar.api import (
    SIGNALS,
    NotCapableError,
    SmartcarClient,
    SmartcarResponseError,
    UpstreamError,
    VehicleState,
    VehicleStateError,
)
from custom_components.smartcar.api.models import (
    ChargeState,
    DiagnosticTroubleCode,
    GearState,
    LowVoltageBatteryStatus,
    Opening,
    OpeningStatus,
    SystemHealth,
    SystemStatus,
    VehicleAttributes,
    field_of,
)
from custom_components.smartcar.api.signals import (
    DIAGNOSTIC_SYSTEMS,
    combine_states,
    parse_signals,
)

from .conftest import Canned, FakeSmartcar, Recorded

VEHICLE_ID = "tst2e255-d3c8-4f90-9fec-e6e68b98e9cb"
SIGNALS_PATH = f"/v3api/v3/vehicles/{VEHICLE_ID}/signals"
OEM_MS = 1758668712404  # 2025-09-23T23:05:12.404Z
OEM_TIME = datetime(2025, 9, 23, 23, 5, 12, 404000, tzinfo=UTC)


def signal(
    code: str,
    body: dict[str, Any] | None = None,
    *,
    status: str = "SUCCESS",
    error: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A v3 signal resource as /signals returns it."""
    attributes: dict[str, Any] = {
        "code": code,
        "name": code.partition("-")[2],
        "group": code.partition("-")[0],
        "status": {"value": status, **({"error": error} if error else {})},
    }
    if body is not None:
        attributes["body"] = body
    return {
        "id": code,
        "type": "signal",
        "attributes": attributes,
        "meta": meta
        if meta is not None
        else {"retrievedAt": OEM_MS, "oemUpdatedAt": OEM_MS},
        "links": {"self": f"/v3/vehicles/{VEHICLE_ID}/signals/{code}"},
    }


async def test_vehicle_v3_reads_attributes_with_bearer_and_no_unit_header(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"/v3api/v3/vehicles/{VEHICLE_ID}",
        Canned(
            {
                "id": VEHICLE_ID,
                "type": "vehicle",
                "attributes": {"make": "TESLA", "model": "Model Y", "year": 2024},
                "links": {"self": f"/v3/vehicles/{VEHICLE_ID}"},
            }
        ),
    )

    vehicle = await client.get_vehicle_v3(VEHICLE_ID)

    assert vehicle == VehicleAttributes(
        id=VEHICLE_ID, make="TESLA", model="Model Y", year=2024
    )
    request = smartcar.only()
    assert request.headers["Authorization"] == "Bearer access-token-1"
    assert "sc-unit-system" not in request.headers


async def test_vehicle_v3_accepts_a_json_api_data_wrapper(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"/v3api/v3/vehicles/{VEHICLE_ID}",
        Canned(
            {
                "data": {
                    "id": VEHICLE_ID,
                    "type": "vehicle",
                    "attributes": {"make": "KIA"},
                }
            }
        ),
    )

    vehicle = await client.get_vehicle_v3(VEHICLE_ID)

    assert (vehicle.make, vehicle.model, vehicle.year) == ("KIA", None, None)


async def test_signals_follow_links_next_and_merge_into_one_state(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    pages = {
        "1": [
            signal("tractionbattery-stateofcharge", {"unit": "percent", "value": 75}),
            signal(
                "odometer-traveleddistance", {"unit": "kilometers", "value": 12345.6}
            ),
        ],
        "2": [
            signal(
                "location-preciselocation",
                {"latitude": 37.7749, "longitude": -122.4194},
            ),
            signal(
                "charge-ischarging",
                {"value": True},
                meta={
                    "retrievedAt": "2025-09-24T08:00:00Z",
                    "oemUpdatedAt": "2025-09-24T07:59:00Z",
                },
            ),
        ],
    }

    def page(request: Recorded) -> Canned:
        number = request.query.get("page", "1")
        links: dict[str, Any] = {
            "self": f"/v3/vehicles/{VEHICLE_ID}/signals?page={number}"
        }
        if number == "1":
            # Relative to the API base (`.../v3`), as Smartcar's reference shows.
            links["next"] = f"/vehicles/{VEHICLE_ID}/signals?page=2&pageSize=2"
        return Canned(
            {
                "data": pages[number],
                "meta": {"page": int(number), "pageSize": 2, "totalCount": 4},
                "links": links,
                "included": {"vehicle": {"id": VEHICLE_ID}},
            },
            headers={"SC-Request-Id": "v3-request"},
        )

    smartcar.handle("GET", SIGNALS_PATH, page)

    result = await client.get_signals(VEHICLE_ID)

    assert result.errors == {}
    assert result.state == VehicleState(
        battery_percent=75.0,
        odometer_km=12345.6,
        latitude=37.7749,
        longitude=-122.4194,
        is_charging=True,
        data_age=datetime(2025, 9, 24, 7, 59, tzinfo=UTC),
    )
    assert result.meta.request_id == "v3-request"
    assert result.meta.data_age == datetime(2025, 9, 24, 7, 59, tzinfo=UTC)
    # The first page asks for the largest size; each page fetched may be billed.
    assert [r.query for r in smartcar.requests] == [
        {"pageSize": "100"},
        {"page": "2", "pageSize": "2"},
    ]
    assert result.billed_requests == 2
    assert all(
        r.headers["Authorization"].startswith("Bearer ") for r in smartcar.requests
    )


async def test_signals_page_by_meta_counts_when_there_is_no_next_link(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    def page(request: Recorded) -> Canned:
        number = int(request.query.get("page", "1"))
        return Canned(
            {
                "data": [
                    signal(
                        "tractionbattery-range", {"unit": "kilometers", "value": number}
                    )
                ],
                "meta": {"page": number, "pageSize": 1, "totalCount": 3},
                "links": {"self": "ignored"},
            }
        )

    smartcar.handle("GET", SIGNALS_PATH, page)

    result = await client.get_signals(VEHICLE_ID)

    assert result.state.battery_range_km == 3.0
    assert [r.query for r in smartcar.requests] == [
        {"pageSize": "100"},
        {"page": "2", "pageSize": "1"},
        {"page": "3", "pageSize": "1"},
    ]
    assert result.billed_requests == 3


async def test_signals_never_send_the_token_to_a_next_link_on_another_origin(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        SIGNALS_PATH,
        Canned(
            {
                "data": [signal("charge-voltage", {"unit": "volts", "value": 230})],
                "links": {"next": "https://attacker.example/v3/steal?page=2"},
            }
        ),
    )

    result = await client.get_signals(VEHICLE_ID)

    assert result.state.charge_voltage_v == 230.0
    assert len(smartcar.requests) == 1


async def test_signals_stop_on_a_repeated_next_link(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        SIGNALS_PATH,
        Canned(
            {
                "data": [signal("charge-amperage", {"unit": "amperes", "value": 16})],
                "links": {"next": f"/v3/vehicles/{VEHICLE_ID}/signals?page=2"},
            }
        ),
        Canned(
            {
                "data": [signal("charge-amperage", {"unit": "amperes", "value": 32})],
                "links": {
                    "next": f"{smartcar.origins.api_v3}/v3/vehicles/{VEHICLE_ID}/signals?page=2"
                },
            }
        ),
    )

    result = await client.get_signals(VEHICLE_ID)

    assert result.state.charge_current_a == 32.0
    assert len(smartcar.requests) == 2


async def test_signal_errors_are_kept_by_code_and_unknown_codes_ignored(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        SIGNALS_PATH,
        Canned(
            {
                "data": [
                    signal(
                        "tractionbattery-stateofcharge",
                        {"unit": "percent", "value": 40},
                    ),
                    signal(
                        "closure-islocked",
                        status="ERROR",
                        error={"type": "COMPATIBILITY", "code": "VEHICLE_NOT_CAPABLE"},
                    ),
                    signal(
                        "odometer-traveleddistance",
                        status="ERROR",
                        error={
                            "status": "409",
                            "type": "VEHICLE_STATE",
                            "code": "ASLEEP",
                            "title": "Vehicle asleep",
                            "detail": "The vehicle is asleep.",
                        },
                    ),
                    signal("charge-chargerecords", {"value": True}),
                    signal("tractionbattery-range", {"unit": "parsecs", "value": 1}),
                ]
            }
        ),
    )

    result = await client.get_signals(VEHICLE_ID)

    assert result.state == VehicleState(battery_percent=40.0, data_age=OEM_TIME)
    assert set(result.errors) == {
        "closure-islocked",
        "odometer-traveleddistance",
        "tractionbattery-range",
    }
    locked = result.errors["closure-islocked"]
    assert isinstance(locked, NotCapableError)
    assert locked.code == "VEHICLE_NOT_CAPABLE"
    asleep = result.errors["odometer-traveleddistance"]
    assert isinstance(asleep, VehicleStateError)
    assert asleep.is_transient
    assert (asleep.status, asleep.description) == (409, "The vehicle is asleep.")
    assert isinstance(result.errors["tractionbattery-range"], SmartcarResponseError)


async def test_one_signal_is_read_by_code(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"{SIGNALS_PATH}/tractionbattery-stateofcharge",
        Canned(
            {
                "data": signal(
                    "tractionbattery-stateofcharge", {"unit": "percent", "value": 81}
                )
            }
        ),
    )
    smartcar.reply(
        "GET",
        f"{SIGNALS_PATH}/charge-ischarging",
        Canned(
            signal(
                "charge-ischarging",
                status="ERROR",
                error={"status": "502", "type": "UPSTREAM", "code": "NO_RESPONSE"},
            )
        ),
    )

    battery = await client.get_signal(VEHICLE_ID, "tractionbattery-stateofcharge")
    charging = await client.get_signal(VEHICLE_ID, "charge-ischarging")

    assert battery.state == VehicleState(battery_percent=81.0, data_age=OEM_TIME)
    assert isinstance(charging.errors["charge-ischarging"], UpstreamError)
    assert charging.state == VehicleState()


async def test_signals_stop_on_an_empty_page_even_if_meta_promises_more(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        SIGNALS_PATH,
        Canned(
            {
                "data": [signal("charge-voltage", {"unit": "volts", "value": 230})],
                "meta": {"page": 1, "pageSize": 1, "totalCount": 10},
            }
        ),
        Canned({"data": [], "meta": {"page": 2, "pageSize": 1, "totalCount": 10}}),
    )

    result = await client.get_signals(VEHICLE_ID)

    assert result.state.charge_voltage_v == 230.0
    assert len(smartcar.requests) == 2


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"data": {"not": "a list"}},
        {"data": [{"attributes": {"name": "no code"}}]},
        {"data": ["text"]},
    ],
    ids=["array", "data-object", "no-code", "item-text"],
)
async def test_signals_answer_of_the_wrong_shape_is_a_response_error(
    client: SmartcarClient, smartcar: FakeSmartcar, body: object
) -> None:
    smartcar.reply("GET", SIGNALS_PATH, Canned(body))

    with pytest.raises(SmartcarResponseError):
        await client.get_signals(VEHICLE_ID)


@pytest.mark.parametrize(
    "body", [[], {"attributes": {"body": {}}}], ids=["array", "no-code"]
)
async def test_one_signal_of_the_wrong_shape_is_a_response_error(
    client: SmartcarClient, smartcar: FakeSmartcar, body: object
) -> None:
    smartcar.reply("GET", f"{SIGNALS_PATH}/charge-voltage", Canned(body))

    with pytest.raises(SmartcarResponseError):
        await client.get_signal(VEHICLE_ID, "charge-voltage")


# --- The table, code by code ---------------------------------------------------------------------

# (code, body, the VehicleState it must produce)
TABLE: list[tuple[str, dict[str, Any], VehicleState]] = [
    (
        "tractionbattery-stateofcharge",
        {"unit": "percent", "value": 75.5},
        VehicleState(battery_percent=75.5),
    ),
    (
        "tractionbattery-stateofcharge",
        {"percentage": 75},
        VehicleState(battery_percent=75.0),
    ),
    (
        "tractionbattery-stateofcharge",
        {"unit": "fraction", "value": 0.42},
        VehicleState(battery_percent=42.0),
    ),
    (
        "tractionbattery-range",
        {"unit": "kilometers", "value": 300},
        VehicleState(battery_range_km=300.0),
    ),
    (
        "tractionbattery-range",
        {"unit": "miles", "value": 100},
        VehicleState(battery_range_km=160.9344),
    ),
    (
        "tractionbattery-range",
        {"unit": "meters", "value": 2500},
        VehicleState(battery_range_km=2.5),
    ),
    (
        "tractionbattery-nominalcapacity",
        {"unit": "kilowattHours", "value": 82},
        VehicleState(battery_capacity_kwh=82.0),
    ),
    (
        "tractionbattery-nominalcapacity",
        {"capacity": {"nominal": 77.4, "source": "OEM"}},
        VehicleState(battery_capacity_kwh=77.4),
    ),
    (
        "tractionbattery-nominalcapacity",
        {"capacity": 60, "availableCapacities": []},
        VehicleState(battery_capacity_kwh=60.0),
    ),
    (
        "tractionbattery-nominalcapacity",
        {"unit": "wattHours", "value": 75000},
        VehicleState(battery_capacity_kwh=75.0),
    ),
    (
        "tractionbattery-nominalcapacity",
        {
            "source": "SMARTCAR",
            "capacity": 73.5,
            "availableCapacities": [
                {"capacity": 73.5, "description": "BEV:Extended Range"},
                {"capacity": 80.9, "description": None},
            ],
            "unit": "kWhr",
        },
        VehicleState(battery_capacity_kwh=73.5),
    ),
    ("charge-ischarging", {"value": False}, VehicleState(is_charging=False)),
    (
        "charge-voltage",
        {"unit": "volts", "value": 400},
        VehicleState(charge_voltage_v=400.0),
    ),
    (
        "charge-amperage",
        {"unit": "amps", "value": 32},
        VehicleState(charge_current_a=32.0),
    ),
    (
        "charge-amperage",
        {"unit": "ampere", "value": 16},
        VehicleState(charge_current_a=16.0),
    ),
    (
        "charge-activelimit",
        {"unit": "percent", "value": 80},
        VehicleState(charge_limit_percent=80.0),
    ),
    (
        "charge-chargelimits",
        {
            "values": [
                {"type": "global", "limit": 80, "condition": None},
                {"type": "location", "limit": 90, "condition": {"name": "Home"}},
            ],
            "activeLimit": 100,
            "unit": "percent",
        },
        VehicleState(charge_limit_percent=100.0),
    ),
    (
        "charge-chargelimits",
        {
            "values": [
                {"type": "location", "limit": 90, "condition": {"name": "Home"}},
                {"type": "GLOBAL", "limit": 80, "condition": None},
            ],
            "activeLimit": None,
        },
        VehicleState(charge_limit_percent=80.0),
    ),
    ("charge-chargelimits", {"values": []}, VehicleState()),
    (
        "charge-ischargingcableconnected",
        {"value": True},
        VehicleState(is_plugged_in=True),
    ),
    (
        "charge-wattage",
        {"unit": "kilowatts", "value": 11},
        VehicleState(charge_power_kw=11.0),
    ),
    (
        "charge-wattage",
        {"unit": "watts", "value": 7400},
        VehicleState(charge_power_kw=7.4),
    ),
    (
        "charge-timetocomplete",
        {"unit": "minutes", "value": 95},
        VehicleState(charge_time_to_complete_min=95.0),
    ),
    (
        "charge-timetocomplete",
        {"unit": "hours", "value": 1.5},
        VehicleState(charge_time_to_complete_min=90.0),
    ),
    (
        "location-preciselocation",
        {
            "latitude": 48.8584,
            "longitude": 2.2945,
            "heading": 90,
            "direction": "E",
            "locationType": "CURRENT",
        },
        VehicleState(
            latitude=48.8584,
            longitude=2.2945,
            heading_degrees=90.0,
            location_type="CURRENT",
        ),
    ),
    ("location-isathome", {"value": True}, VehicleState(is_at_home=True)),
    (
        "odometer-traveleddistance",
        {"unit": "kilometers", "value": 5012.2},
        VehicleState(odometer_km=5012.2),
    ),
    (
        "odometer-traveleddistance",
        {"unit": "miles", "value": 10},
        VehicleState(odometer_km=16.09344),
    ),
    (
        "lowvoltagebattery-stateofcharge",
        {"unit": "percent", "value": 88},
        VehicleState(low_voltage_battery_percent=88.0),
    ),
    ("closure-islocked", {"value": True}, VehicleState(is_locked=True)),
    ("closure-islocked", {"isLocked": False}, VehicleState(is_locked=False)),
    (
        "closure-doors",
        {
            "values": [
                {"row": 0, "column": 0, "isOpen": False},
                {"row": 0, "column": 1, "isOpen": True},
                {"row": 1, "column": 0, "isOpen": None},
                {"row": 1, "column": 1, "isOpen": False},
            ],
            "rowCount": 2,
            "columnCount": 2,
        },
        VehicleState(
            doors=(
                Opening(type="frontLeft", status=OpeningStatus.CLOSED),
                Opening(type="frontRight", status=OpeningStatus.OPEN),
                Opening(type="backLeft", status=OpeningStatus.UNKNOWN),
                Opening(type="backRight", status=OpeningStatus.CLOSED),
            )
        ),
    ),
    (
        "closure-windows",
        {
            "values": [
                {"row": 0, "column": 0, "isOpen": True},
                {"row": 1, "column": 2, "isOpen": False},
                {"row": 2, "column": 1, "isOpen": False},
                {"isOpen": False},
                {"type": "rearLeft", "status": "CLOSED"},
            ],
            "rowCount": 3,
        },
        VehicleState(
            windows=(
                Opening(type="frontLeft", status=OpeningStatus.OPEN),
                Opening(type="row2Column3", status=OpeningStatus.CLOSED),
                Opening(type="backRight", status=OpeningStatus.CLOSED),
                Opening(type="item4", status=OpeningStatus.CLOSED),
                Opening(type="rearLeft", status=OpeningStatus.CLOSED),
            )
        ),
    ),
    ("closure-doors", {"values": []}, VehicleState()),
    (
        "closure-sunroof",
        {"isOpen": True},
        VehicleState(sunroof=(Opening(type="sunroof", status=OpeningStatus.OPEN),)),
    ),
    (
        "closure-sunroof",
        {"status": "CLOSED"},
        VehicleState(sunroof=(Opening(type="sunroof", status=OpeningStatus.CLOSED),)),
    ),
    ("closure-sunroof", {}, VehicleState()),
    (
        "closure-sunroof",
        {"values": [{"row": 0, "column": 0, "isOpen": False}], "rowCount": 1},
        VehicleState(sunroof=(Opening(type="frontLeft", status=OpeningStatus.CLOSED),)),
    ),
    (
        "closure-fronttrunk",
        {"isOpen": False},
        VehicleState(storage=(Opening(type="front", status=OpeningStatus.CLOSED),)),
    ),
    (
        "closure-reartrunk",
        {"value": True},
        VehicleState(storage=(Opening(type="rear", status=OpeningStatus.OPEN),)),
    ),
    (
        "internalcombustionengine-fuellevel",
        {"unit": "percent", "value": 33},
        VehicleState(fuel_percent=33.0),
    ),
    (
        "internalcombustionengine-amountremaining",
        {"unit": "liters", "value": 21.5},
        VehicleState(fuel_amount_l=21.5),
    ),
    (
        "internalcombustionengine-amountremaining",
        {"unit": "gallons", "value": 10},
        VehicleState(fuel_amount_l=37.854118),
    ),
    (
        "internalcombustionengine-range",
        {"unit": "kilometers", "value": 410},
        VehicleState(fuel_range_km=410.0),
    ),
    (
        "internalcombustionengine-oillife",
        {"unit": "percent", "value": 64},
        VehicleState(oil_life_percent=64.0),
    ),
    (
        "wheel-tires",
        {
            "values": [
                {"row": 0, "column": 0, "tirePressure": 240},
                {"row": 0, "column": 1, "tirePressure": 241},
                {"row": 1, "column": 0, "tirePressure": 242},
                {"row": 1, "column": 1, "tirePressure": 243, "unit": "kilopascals"},
            ],
            "rowCount": 2,
            "columnCount": 2,
            "unit": "kPa",
        },
        VehicleState(
            tire_front_left_kpa=240.0,
            tire_front_right_kpa=241.0,
            tire_back_left_kpa=242.0,
            tire_back_right_kpa=243.0,
        ),
    ),
    (
        "wheel-tires",
        {
            "unit": "psi",
            "frontLeft": 36,
            "frontRight": 36,
            "backLeft": None,
            "backRight": 2.5,
        },
        VehicleState(
            tire_front_left_kpa=248.211263,
            tire_front_right_kpa=248.211263,
            tire_back_right_kpa=17.236893,
        ),
    ),
    (
        "wheel-tires",
        {"values": [{"row": 0, "column": 0, "pressure": 2.4, "unit": "bar"}]},
        VehicleState(tire_front_left_kpa=240.0),
    ),
    ("connectivitystatus-isonline", {"value": True}, VehicleState(is_online=True)),
    ("connectivitystatus-isasleep", {"value": False}, VehicleState(is_asleep=False)),
    (
        "vehicleidentification-vin",
        {"value": "5YJYGDEE1LF000000"},
        VehicleState(vin="5YJYGDEE1LF000000"),
    ),
    ("charge-detailedchargingstatus", {"value": "BALANCING_CELLS"}, VehicleState()),
    (
        "diagnostics-dtclist",
        {"values": [{"code": "P0300", "timestamp": "2023-10-15T08:00:00Z"}]},
        VehicleState(
            trouble_codes=(
                DiagnosticTroubleCode(
                    code="P0300", timestamp=datetime(2023, 10, 15, 8, tzinfo=UTC)
                ),
            )
        ),
    ),
    # --- the rest of the SMARTCAR_V3.md §4 catalogue, bodies as [S28] shows them ---
    (
        "tractionbattery-isheateractive",
        {"value": True},
        VehicleState(is_battery_heater_active=True),
    ),
    (
        "tractionbattery-maxrangechargecounter",
        {"unit": "count", "value": 3},
        VehicleState(max_range_charge_count=3),
    ),
    # Alone (no charge-ischarging in the read), it also tells is_charging by v2's rule.
    (
        "charge-detailedchargingstatus",
        {"value": "FULLY_CHARGED"},
        VehicleState(charge_state=ChargeState.FULLY_CHARGED, is_charging=False),
    ),
    (
        "charge-detailedchargingstatus",
        {"value": "CHARGING"},
        VehicleState(charge_state=ChargeState.CHARGING, is_charging=True),
    ),
    (
        "charge-ischargingcablelatched",
        {"value": True},
        VehicleState(is_charging_cable_latched=True),
    ),
    (
        "charge-ischargingportflapopen",
        {"value": True},
        VehicleState(
            charging_port=(Opening(type="chargingPort", status=OpeningStatus.OPEN),)
        ),
    ),
    (
        "charge-isfastchargerpresent",
        {"value": False},
        VehicleState(is_fast_charger_present=False),
    ),
    (
        "charge-amperagemax",
        {"unit": "amps", "value": 32},
        VehicleState(charge_current_max_a=32.0),
    ),
    (
        "charge-amperagerequested",
        {"unit": "ampere", "value": 16},
        VehicleState(charge_current_requested_a=16.0),
    ),
    (
        "charge-chargerate",
        {"unit": "km/h", "value": 50},
        VehicleState(charge_rate_km_per_h=50.0),
    ),
    (
        "charge-chargerate",
        {"unit": "miles_per_hour", "value": 10},
        VehicleState(charge_rate_km_per_h=16.09344),
    ),
    (
        "charge-energyadded",
        {"unit": "kilowatt_hours", "value": 12.5},
        VehicleState(energy_added_kwh=12.5),
    ),
    (
        "charge-chargerphases",
        {"unit": "count", "value": 3},
        VehicleState(charger_phases=3),
    ),
    (
        "charge-chargingconnectortype",
        {"value": "J1772"},
        VehicleState(charging_connector_type="J1772"),
    ),
    ("charge-fastchargertype", {"value": "CCS"}, VehicleState(fast_charger_type="CCS")),
    (
        "charge-chargeportstatuscolor",
        {"value": "GREEN"},
        VehicleState(charge_port_status_color="GREEN"),
    ),
    (
        "motion-currentspeed",
        {"unit": "kph", "value": 42},
        VehicleState(speed_km_per_h=42.0),
    ),
    ("transmission-gearstate", {"value": "PARK"}, VehicleState(gear=GearState.PARK)),
    ("transmission-gearstate", {"value": "SPORT"}, VehicleState()),
    (
        "transmission-drivemode",
        {"canonical": "ECO", "oemDisplayName": "Eco Pro"},
        VehicleState(drive_mode="ECO"),
    ),
    (
        "lowvoltagebattery-status",
        {"value": "WARN"},
        VehicleState(low_voltage_battery_status=LowVoltageBatteryStatus.WARN),
    ),
    (
        "closure-tailgate",
        {"isOpen": True, "isLocked": False},
        VehicleState(
            storage=(
                Opening(type="tailgate", status=OpeningStatus.OPEN, is_locked=False),
            )
        ),
    ),
    (
        "closure-enginecover",
        {"isOpen": False},
        VehicleState(is_engine_cover_open=False),
    ),
    (
        "connectivitystatus-isdigitalkeypaired",
        {"value": True},
        VehicleState(is_digital_key_paired=True),
    ),
    (
        "connectivitysoftware-currentfirmwareversion",
        {"value": "2024.4.5"},
        VehicleState(software_version="2024.4.5"),
    ),
    (
        "climate-externaltemperature",
        {"unit": "celsius", "value": 21.5},
        VehicleState(exterior_temperature_c=21.5),
    ),
    (
        "climate-internaltemperature",
        {"unit": "degrees-celsius", "value": 19},
        VehicleState(interior_temperature_c=19.0),
    ),
    (
        "climate-internaltemperature",
        {"unit": "fahrenheit", "value": 212},
        VehicleState(interior_temperature_c=100.0),
    ),
    (
        "hvac-cabintargettemperature",
        {"unit": "celsius", "value": 22},
        VehicleState(cabin_target_temperature_c=22.0),
    ),
    (
        "hvac-iscabinhvacactive",
        {"value": True},
        VehicleState(is_cabin_hvac_active=True),
    ),
    (
        "hvac-isfrontdefrosteractive",
        {"value": False},
        VehicleState(is_front_defroster_active=False),
    ),
    (
        "hvac-isreardefrosteractive",
        {"value": True},
        VehicleState(is_rear_defroster_active=True),
    ),
    (
        "hvac-issteeringheateractive",
        {"value": False},
        VehicleState(is_steering_heater_active=False),
    ),
    (
        "vehicleidentification-nickname",
        {"value": "QueenLiz"},
        VehicleState(nickname="QueenLiz"),
    ),
    (
        "vehicleidentification-exteriorcolor",
        {"value": "Pearl White"},
        VehicleState(exterior_color="Pearl White"),
    ),
    (
        "vehicleidentification-trim",
        {"value": "Long Range"},
        VehicleState(trim="Long Range"),
    ),
    (
        "vehicleuseraccount-role",
        {"value": "Driver"},
        VehicleState(account_role="Driver"),
    ),
    (
        "vehicleuseraccount-permissions",
        {"values": ["vehicle_cmds", "vehicle_device_data"]},
        VehicleState(account_permissions=("vehicle_cmds", "vehicle_device_data")),
    ),
    (
        "surveillance-isenabled",
        {"value": True},
        VehicleState(is_surveillance_enabled=True),
    ),
    (
        "surveillance-brand",
        {"value": "Sentry Mode"},
        VehicleState(surveillance_brand="Sentry Mode"),
    ),
    (
        "diagnostics-dtccount",
        {"unit": "count", "value": 2},
        VehicleState(trouble_code_count=2),
    ),
    ("service-isinservice", {"value": False}, VehicleState(is_in_service=False)),
    *(
        (
            code,
            {"status": "ALERT", "description": "Check the system"},
            VehicleState(
                system_statuses=(
                    SystemStatus(
                        system_id=code,
                        status=SystemHealth.ALERT,
                        description="Check the system",
                    ),
                )
            ),
        )
        for code in DIAGNOSTIC_SYSTEMS
    ),
]


@pytest.mark.parametrize(
    ("code", "body", "expected"),
    TABLE,
    ids=[f"{row[0]}-{i}" for i, row in enumerate(TABLE)],
)
def test_signal_table_maps_each_code_into_vehicle_state_units(
    code: str, body: dict[str, Any], expected: VehicleState
) -> None:
    result = parse_signals([signal(code, body, meta={})])

    assert result.errors == {}
    assert result.state == expected
    # The signal's fact owns at least its table fields, and everything it filled.
    (fact,) = result.facts
    assert fact.fields >= SIGNALS[code].fields
    assert expected.known_fields() <= {field_of(key) for key in fact.fields}


def test_every_code_in_the_table_is_exercised() -> None:
    assert {row[0] for row in TABLE} == set(SIGNALS)


def test_flat_webhook_signals_read_like_v3_resources_and_age_falls_back_to_retrieved_at() -> (
    None
):
    result = parse_signals(
        [
            {
                "code": "odometer-traveleddistance",
                "body": {"unit": "kilometers", "value": 10},
                "status": {"value": "SUCCESS"},
                "meta": {"retrievedAt": "2025-01-02T03:04:05+00:00"},
            },
            {"code": "charge-voltage", "body": {"unit": "volts", "value": 1}},
        ]
    )

    assert result.state == VehicleState(
        odometer_km=10.0,
        charge_voltage_v=1.0,
        data_age=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
    )


def test_front_and_rear_trunk_both_land_in_storage() -> None:
    result = parse_signals(
        [
            signal("closure-fronttrunk", {"isOpen": True}),
            signal("closure-reartrunk", {"isOpen": False}),
            signal("closure-fronttrunk", {"isOpen": False}),
        ]
    )

    assert result.state.storage == (
        Opening(type="front", status=OpeningStatus.CLOSED),
        Opening(type="rear", status=OpeningStatus.CLOSED),
    )


def test_each_signal_is_a_fact_owning_its_fields_with_its_own_age() -> None:
    result = parse_signals(
        [
            {
                "code": "closure-reartrunk",
                "body": {"isOpen": True},
                "meta": {"oemUpdatedAt": "2026-10-14T11:00:00Z"},
            },
            {
                "code": "tractionbattery-stateofcharge",
                "body": {"unit": "percent", "value": None},
                "meta": {"retrievedAt": "2026-10-14T11:30:00Z"},
            },
        ]
    )

    rear, battery = result.facts
    assert (rear.source, rear.fields) == ("closure-reartrunk", {"storage.rear"})
    assert rear.values.storage == (Opening(type="rear", status=OpeningStatus.OPEN),)
    assert rear.age == datetime(2026, 10, 14, 11, 0, tzinfo=UTC)
    # Reported as null: the fact owns the field and says it is unknown now.
    assert battery.fields == {"battery_percent"}
    assert battery.values.battery_percent is None
    assert battery.age == datetime(2026, 10, 14, 11, 30, tzinfo=UTC)


def test_combining_keeps_openings_when_the_newer_state_has_none() -> None:
    doors = (Opening(type="frontLeft", status=OpeningStatus.OPEN),)

    combined = combine_states(VehicleState(doors=doors), VehicleState(is_locked=True))

    assert combined == VehicleState(doors=doors, is_locked=True)


@pytest.mark.parametrize(
    "body",
    [
        {"unit": "percent", "value": "75"},
        {"unit": "percent", "value": True},
        {"value": 1, "unit": 5},
    ],
    ids=["text", "boolean", "unit-number"],
)
def test_signal_body_of_the_wrong_type_is_an_error_for_that_code(
    body: dict[str, Any],
) -> None:
    result = parse_signals([signal("tractionbattery-stateofcharge", body)])

    assert isinstance(
        result.errors["tractionbattery-stateofcharge"], SmartcarResponseError
    )
    assert result.state == VehicleState()


def test_signal_with_an_unreadable_timestamp_is_an_error_for_that_code() -> None:
    result = parse_signals(
        [signal("charge-voltage", {"value": 1}, meta={"oemUpdatedAt": "yesterday"})]
    )

    assert isinstance(result.errors["charge-voltage"], SmartcarResponseError)


@pytest.mark.parametrize(
    ("code", "body", "expected"),
    [row for row in TABLE if any("." in key for key in SIGNALS[row[0]].fields)],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_each_dotted_ownership_key_names_the_items_of_its_type(
    code: str, body: dict[str, Any], expected: VehicleState
) -> None:
    (fact,) = parse_signals([signal(code, body, meta={})]).facts

    for key in fact.fields:
        name, _, item_type = key.partition(".")
        items = getattr(fact.values, name) or ()
        # Whatever the signal filled under a dotted key is exactly the item of that type.
        assert all(item.type == item_type for item in items), (key, items)
        assert items == (getattr(expected, name) or ())
