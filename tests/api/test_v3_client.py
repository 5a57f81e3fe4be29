"""v3 client: sc-user-id, vehicle attributes, Connections, commands and their outcomes.

Shapes come from the shared examples (SMARTCAR_V3.md §3); each test names its source.
"""

import json
from typing import Any

from aiohttp import ClientSession
import pytest

from custom_components.smartcar.api import (
    CommandOutcome,
    NotCapableError,
    SmartcarClient,
    SmartcarInvalidInputError,
    SmartcarResponseError,
    V3Command,
    ValidationError,
    VehicleStateError,
)
from custom_components.smartcar.api.models import (
    Connection,
    ResponseMeta,
    VehicleAttributes,
)
from custom_components.smartcar.api.parsers import parse_vehicle_attributes

from .conftest import Canned, FakeSmartcar, Recorded, TokenSource
from .examples import example

VEHICLE_ID = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
USER_ID = "218eda3b-0656-49a8-8f3d-360cdad07334"
V3 = "/v3api/v3"
COMMANDS = f"{V3}/vehicles/{VEHICLE_ID}/commands"


class FakeTime:
    """A monotonic clock and a sleep that only moves it (no real waiting)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def v3(
    session: ClientSession,
    smartcar: FakeSmartcar,
    tokens: TokenSource,
    fake_time: FakeTime,
) -> SmartcarClient:
    """A client bound to one user, with a fake clock for following commands."""
    return SmartcarClient(
        session,
        tokens,
        origins=smartcar.origins,
        user_id=USER_ID,
        clock=fake_time.clock,
        sleep=fake_time.sleep,
    )


def empty_signals() -> Canned:
    return Canned({"data": [], "meta": {"totalCount": 0}})


# --- sc-user-id --------------------------------------------------------------------------------


async def test_bound_user_goes_in_sc_user_id_on_signals_s15(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", f"{V3}/vehicles/{VEHICLE_ID}/signals", empty_signals())

    await v3.get_signals(VEHICLE_ID)

    assert smartcar.only().headers["sc-user-id"] == USER_ID


async def test_per_call_user_wins_over_the_bound_one(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", f"{V3}/vehicles/{VEHICLE_ID}/signals", empty_signals())

    await v3.get_signals(VEHICLE_ID, user_id="other-user")

    assert smartcar.only().headers["sc-user-id"] == "other-user"


async def test_for_user_binds_a_copy_and_leaves_the_original_unbound(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", f"{V3}/vehicles/{VEHICLE_ID}/signals", empty_signals())

    bound = client.for_user(USER_ID)
    await bound.get_signals(VEHICLE_ID)
    await client.get_signals(VEHICLE_ID)

    first, second = smartcar.requests
    assert first.headers["sc-user-id"] == USER_ID
    # A per-user Connect token carries its user: without one the header is left out (§6.1).
    assert "sc-user-id" not in second.headers
    assert bound.user_id == USER_ID
    assert client.user_id is None


def test_an_empty_user_id_is_refused(client: SmartcarClient) -> None:
    with pytest.raises(SmartcarInvalidInputError):
        client.for_user("")


async def test_missing_user_answer_t1_is_a_validation_error_with_its_detail(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"{V3}/vehicles/{VEHICLE_ID}/signals",
        Canned(
            {
                "errors": [
                    {
                        "status": "400",
                        "type": "VALIDATION",
                        "code": "MISSING_PARAMETER",
                        "detail": "missing userId",
                    }
                ]
            },
            status=400,
        ),
    )

    with pytest.raises(ValidationError) as raised:
        await client.get_signals(VEHICLE_ID)

    assert raised.value.kind == "VALIDATION:MISSING_PARAMETER"
    assert str(raised.value) == "missing userId"


# --- vehicle attributes -----------------------------------------------------------------------


async def test_vehicle_docs_example_s18_with_powertrain_and_mode(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET", f"{V3}/vehicles/vehicle123", Canned(example("vehicle-get-docs.json"))
    )

    vehicle = await client.get_vehicle_v3("vehicle123")

    assert vehicle == VehicleAttributes(
        id="vehicle123",
        make="Toyota",
        model="Camry",
        year=2020,
        powertrain_type="ICE",
        mode="live",
    )
    # The vehicle resource takes no sc-user-id [S18], [T1].
    assert "sc-user-id" not in smartcar.only().headers


async def test_vehicle_java_sdk_fixture_without_data_wrapper(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"{V3}/vehicles/{VEHICLE_ID}",
        Canned(example("vehicle-get-java-sdk-fixture.json")),
    )

    vehicle = await client.get_vehicle_v3(VEHICLE_ID)

    assert (vehicle.make, vehicle.model, vehicle.year) == ("TESLA", "Model 3", 2019)
    assert (vehicle.powertrain_type, vehicle.mode) == (None, None)


def test_vehicle_year_as_text_of_the_java_sdk_signals_fixture() -> None:

    included = example("signals-list-java-sdk-fixture.json")["included"]["vehicle"]

    vehicle = parse_vehicle_attributes(included, ResponseMeta())

    assert (vehicle.make, vehicle.model, vehicle.year) == ("TESLA", "Model Y", 2021)


# --- Connections ------------------------------------------------------------------------------


async def test_connections_fixture_t4_parses_to_its_values(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"{V3}/connections",
        Canned(example("connections-list-trooperthorn-fixture.json")),
    )

    connections = await client.list_connections_v3()

    (connection,) = connections
    assert connection.user_id == USER_ID
    assert connection.vehicle_id == VEHICLE_ID
    assert connection.connection_id == "553c49e4-08b0-4d28-b83c-fe9d539af4aa"
    assert connection.mode == "live"
    assert (connection.make, connection.model, connection.year) == (
        "TESLA",
        "Model S",
        2014,
    )
    assert connection.powertrain_type == "BEV"
    assert "control_charge" in connection.permissions
    assert connection.connected_at is not None
    assert connection.connected_at.isoformat() == "2025-05-03T02:45:45.349000+00:00"
    request = smartcar.only()
    assert request.query == {"page[number]": "1", "page[size]": "100"}


async def test_connections_are_filtered_as_documented_t1(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", f"{V3}/connections", Canned({"data": [], "meta": {}}))

    await client.list_connections_v3(
        user_id=USER_ID, vehicle_id=VEHICLE_ID, mode="simulated"
    )

    assert smartcar.only().query == {
        "filter[userId]": USER_ID,
        "filter[vehicleId]": VEHICLE_ID,
        "filter[vehicle.mode]": "simulated",
        "page[number]": "1",
        "page[size]": "100",
    }


def connection(number: int) -> dict[str, Any]:
    item = json.loads(
        json.dumps(example("connections-list-trooperthorn-fixture.json")["data"][0])
    )
    item["id"] = f"connection-{number}"
    item["relationships"]["vehicle"]["data"]["id"] = f"vehicle-{number}"
    return item


async def test_connections_follow_links_next_then_page_numbers(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    base = smartcar.origins.api_v3

    def pages(request: Recorded) -> Canned:
        number = request.query["page[number]"]
        if number == "1":
            # An absolute next link on the v3 origin, like the fixture's `links.self`.
            return Canned(
                {
                    "data": [connection(1)],
                    "meta": {"pageNumber": 1, "pageSize": 1, "totalCount": 3},
                    "links": {
                        "next": f"{base}/v3/connections?page%5Bnumber%5D=2&page%5Bsize%5D=1"
                    },
                }
            )
        if number == "2":
            # No link: the next page by `meta.pageNumber` counts.
            return Canned(
                {
                    "data": [connection(2)],
                    "meta": {"pageNumber": 2, "pageSize": 1, "totalCount": 3},
                    "links": {"next": None},
                }
            )
        return Canned(
            {
                "data": [connection(3)],
                "meta": {"pageNumber": 3, "pageSize": 1, "totalCount": 3},
            }
        )

    smartcar.handle("GET", f"{V3}/connections", pages)

    connections = await client.list_connections_v3()

    assert [item.vehicle_id for item in connections] == [
        "vehicle-1",
        "vehicle-2",
        "vehicle-3",
    ]
    assert [request.query["page[number]"] for request in smartcar.requests] == [
        "1",
        "2",
        "3",
    ]


async def test_one_connection_s17_by_connection_id(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    connection_id = "32c4139a-e4aa-4c6c-b357-3ae9022dbf1b"
    smartcar.reply(
        "GET",
        f"{V3}/connections/{connection_id}",
        Canned(example("connection-get.json")),
    )

    found = await client.get_connection_v3(connection_id)

    assert found == Connection(
        user_id="1e258add-fb21-4293-b9ab-cf8a61f7a880",
        vehicle_id="a6a425d6-c661-4b21-af7a-d6b75f80f3b0",
        connected_at=found.connected_at,
        mode="live",
        connection_id=connection_id,
        permissions=("read_vehicle_info", "read_odometer"),
        make="Tesla",
        model="Model S",
        year=2020,
        powertrain_type="BEV",
        updated_at=found.updated_at,
    )
    assert found.connected_at is not None
    assert found.connected_at.isoformat() == "2024-01-01T00:00:00+00:00"


async def test_a_connection_without_a_user_is_a_response_error(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"{V3}/connections",
        Canned({"data": [{"id": "c", "relationships": {}}], "meta": {}}),
    )

    with pytest.raises(SmartcarResponseError):
        await client.list_connections_v3()


# --- commands ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.lock_v3(VEHICLE_ID), "security/lock"),
        (lambda c: c.unlock_v3(VEHICLE_ID), "security/unlock"),
        (lambda c: c.start_charge_v3(VEHICLE_ID), "charge/start"),
        (lambda c: c.stop_charge_v3(VEHICLE_ID), "charge/stop"),
        (lambda c: c.open_charge_port_v3(VEHICLE_ID), "charge-port/open"),
        (lambda c: c.close_charge_port_v3(VEHICLE_ID), "charge-port/close"),
    ],
    ids=["lock", "unlock", "start", "stop", "open-port", "close-port"],
)
async def test_each_command_posts_to_its_v3_path_with_sc_user_id_s12_t1(
    v3: SmartcarClient, smartcar: FakeSmartcar, call: Any, path: str
) -> None:
    smartcar.reply(
        "POST", f"{COMMANDS}/{path}", Canned(example("command-unlock-200-sync.json"))
    )

    result = await call(v3)

    assert result.outcome is CommandOutcome.DONE
    request = smartcar.only()
    assert request.headers["sc-user-id"] == USER_ID
    assert request.headers["Authorization"] == "Bearer access-token-1"
    assert request.body == b""


async def test_unlock_200_sync_example_s13_is_done_with_its_execution(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/security/unlock",
        Canned(example("command-unlock-200-sync.json")),
    )

    result = await v3.unlock_v3(VEHICLE_ID)

    assert result.outcome is CommandOutcome.DONE
    assert result.command is V3Command.UNLOCK
    assert result.execution_id == "exec_9876543210"
    assert result.command_type == "security-unlock"
    assert result.status == "SUCCESS"
    assert result.execution_mode == "sync"
    assert result.executed_at is not None
    assert result.executed_at.isoformat() == "2024-01-01T12:00:00+00:00"
    assert result.completed_at is not None
    assert result.completed_at.isoformat() == "2024-01-01T12:00:02+00:00"
    result.raise_for_outcome()


async def test_set_charge_limit_sends_the_documented_body_s14(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/charge/set-limit",
        Canned(example("command-set-charge-limit-200-sync.json")),
    )

    result = await v3.set_charge_limit_v3(VEHICLE_ID, 80)

    assert smartcar.only().json() == example("command-set-charge-limit-request.json")
    assert result.outcome is CommandOutcome.DONE
    assert result.command_type == "charge-set-limit"
    assert result.parameters == {"percent": 80}


@pytest.mark.parametrize("percent", [49, 101, 80.5, float("nan"), True])
async def test_charge_limit_outside_50_to_100_is_refused_before_sending(
    v3: SmartcarClient, smartcar: FakeSmartcar, percent: float
) -> None:
    with pytest.raises(SmartcarInvalidInputError):
        await v3.set_charge_limit_v3(VEHICLE_ID, percent)
    assert smartcar.requests == []


async def test_set_destination_sends_data_attributes_t1(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/navigation/set-destination",
        Canned(example("command-unlock-200-sync.json")),
    )

    await v3.send_destination_v3(VEHICLE_ID, 48.8584, 2.2945)

    assert smartcar.only().json() == {
        "data": {"attributes": {"latitude": 48.8584, "longitude": 2.2945}}
    }


@pytest.mark.parametrize(
    ("latitude", "longitude"), [(91, 0), (0, -181), (float("inf"), 0)]
)
async def test_destination_out_of_range_is_refused_before_sending(
    v3: SmartcarClient, smartcar: FakeSmartcar, latitude: float, longitude: float
) -> None:
    with pytest.raises(SmartcarInvalidInputError):
        await v3.send_destination_v3(VEHICLE_ID, latitude, longitude)
    assert smartcar.requests == []


def execution(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "data": {
            "id": "exec_1",
            "type": "command-execution",
            "attributes": {
                "commandType": "security-lock",
                "status": {"value": status, **extra},
            },
            "links": {"self": f"/vehicles/{VEHICLE_ID}/commands/executions/exec_1"},
        }
    }


async def test_202_whose_body_holds_the_outcome_t1_streamed_is_done_at_once(
    v3: SmartcarClient, smartcar: FakeSmartcar, fake_time: FakeTime
) -> None:
    smartcar.reply(
        "POST", f"{COMMANDS}/security/lock", Canned(execution("SUCCESS"), status=202)
    )

    result = await v3.lock_v3(VEHICLE_ID)

    assert result.outcome is CommandOutcome.DONE
    assert result.http_status == 202
    assert fake_time.sleeps == []


async def test_202_still_running_is_followed_at_its_link_until_done_s12(
    v3: SmartcarClient, smartcar: FakeSmartcar, fake_time: FakeTime
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/security/lock",
        Canned(execution("IN_PROGRESS"), status=202, headers={"Retry-After": "10"}),
    )
    smartcar.reply(
        "GET",
        f"{COMMANDS}/executions/exec_1",
        Canned(execution("IN_PROGRESS"), status=202),
        Canned(execution("SUCCESS")),
    )

    result = await v3.lock_v3(VEHICLE_ID)

    assert result.outcome is CommandOutcome.DONE
    assert [request.method for request in smartcar.requests] == ["POST", "GET", "GET"]
    assert all(r.headers["sc-user-id"] == USER_ID for r in smartcar.requests)
    # Retry-After of the first answer, then the default pause.
    assert fake_time.sleeps == [10.0, 5.0]


async def test_202_still_running_after_the_bound_is_pending(
    v3: SmartcarClient, smartcar: FakeSmartcar, fake_time: FakeTime
) -> None:
    smartcar.reply(
        "POST", f"{COMMANDS}/security/lock", Canned(execution("PENDING"), status=202)
    )
    smartcar.reply(
        "GET", f"{COMMANDS}/executions/exec_1", Canned(execution("PENDING"), status=202)
    )

    result = await v3.lock_v3(VEHICLE_ID)

    assert result.outcome is CommandOutcome.PENDING
    assert sum(fake_time.sleeps) <= 180
    assert fake_time.now <= 180
    assert len(smartcar.requests) == 1 + len(fake_time.sleeps)
    result.raise_for_outcome()  # pending is not a failure


async def test_202_with_nowhere_to_follow_is_pending_at_once(
    v3: SmartcarClient, smartcar: FakeSmartcar, fake_time: FakeTime
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/charge/start",
        Canned(
            {"data": {"attributes": {"status": {"value": "IN_PROGRESS"}}}}, status=202
        ),
    )

    result = await v3.start_charge_v3(VEHICLE_ID)

    assert result.outcome is CommandOutcome.PENDING
    assert len(smartcar.requests) == 1
    assert fake_time.sleeps == []


async def test_202_location_header_is_followed_only_on_the_v3_origin(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/charge/start",
        Canned(
            {"data": {"attributes": {"status": {"value": "IN_PROGRESS"}}}},
            status=202,
            headers={"Location": "https://elsewhere.example/steal"},
        ),
    )

    result = await v3.start_charge_v3(VEHICLE_ID)

    assert result.outcome is CommandOutcome.PENDING
    assert len(smartcar.requests) == 1


async def test_202_that_fails_carries_the_cars_reason_as_a_typed_error(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/charge/start",
        Canned(
            execution(
                "FAILED",
                error={
                    "type": "VEHICLE_STATE",
                    "code": "CHARGING_PLUG_NOT_CONNECTED",
                    "title": "Plug not connected",
                    "detail": "The charging cable is not plugged in.",
                },
            ),
            status=202,
        ),
    )

    result = await v3.start_charge_v3(VEHICLE_ID)

    assert result.outcome is CommandOutcome.FAILED
    assert isinstance(result.error, VehicleStateError)
    assert result.error.code == "CHARGING_PLUG_NOT_CONNECTED"
    assert result.error.description == "The charging cable is not plugged in."
    with pytest.raises(VehicleStateError):
        result.raise_for_outcome()


async def test_a_refusal_as_http_409_raises_the_typed_error_with_its_reason(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/security/lock",
        Canned(
            {
                "errors": [
                    {
                        "status": "409",
                        "type": "VEHICLE_STATE",
                        "code": "DOOR_OPEN",
                        "detail": "A door is open.",
                    }
                ]
            },
            status=409,
        ),
    )

    with pytest.raises(VehicleStateError) as raised:
        await v3.lock_v3(VEHICLE_ID)

    assert (raised.value.code, raised.value.description) == (
        "DOOR_OPEN",
        "A door is open.",
    )


async def test_a_command_the_car_cannot_do_s12_is_not_capable(
    v3: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{COMMANDS}/charge-port/open",
        Canned({"type": "COMPATIBILITY", "code": "VEHICLE_NOT_CAPABLE"}, status=501),
    )

    with pytest.raises(NotCapableError):
        await v3.open_charge_port_v3(VEHICLE_ID)


async def test_a_client_bound_to_a_user_names_it_on_the_vehicle_read_too(
    client: SmartcarClient, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET", f"{V3}/vehicles/vehicle123", Canned(example("vehicle-get-docs.json"))
    )

    await client.for_user("user-1").get_vehicle_v3("vehicle123")

    assert smartcar.only().headers["sc-user-id"] == "user-1"
