"""Edges of the v3 readers: empty and wrong bodies, the UNAVAILABLE switch, loose command bodies."""

from typing import Any

from aiohttp import ClientSession
import pytest

from custom_components.smartcar.api import (
    ApplicationTokenSource,
    CommandOutcome,
    SmartcarClient,
    SmartcarError,
    SmartcarManagementV3,
    SmartcarResponseError,
    SubscriptionPaths,
    TokenRequestStyle,
    VehicleState,
    VehicleStateError,
    signals as signals_module,
)
from custom_components.smartcar.api.commands import parse_command_execution
from custom_components.smartcar.api.errors import error_from_body
from custom_components.smartcar.api.signals import parse_signals

from .conftest import Canned, FakeSmartcar, TokenSource


def one(code: str, body: dict[str, Any], status: str = "SUCCESS") -> Any:
    return parse_signals([{"code": code, "body": body, "status": {"value": status}}])


@pytest.mark.parametrize(
    ("code", "body"),
    [
        ("charge-chargerphases", {"unit": "count", "value": 1.5}),
        ("climate-externaltemperature", {"unit": "kelvin", "value": 290}),
        ("diagnostics-abs", {"status": "BROKEN"}),
        ("vehicleuseraccount-permissions", {"values": [1]}),
    ],
    ids=["fractional-count", "unknown-temperature-unit", "unknown-health", "not-text"],
)
def test_a_body_this_client_cannot_read_is_an_error_for_that_signal_only(
    code: str, body: dict[str, Any]
) -> None:
    result = one(code, body)

    assert isinstance(result.errors[code], SmartcarResponseError)
    assert result.facts == ()


@pytest.mark.parametrize(
    "code",
    [
        "charge-chargerphases",
        "climate-externaltemperature",
        "diagnostics-abs",
        "transmission-gearstate",
        "transmission-drivemode",
        "vehicleuseraccount-permissions",
    ],
)
def test_an_empty_body_owns_its_fields_as_unknown(code: str) -> None:
    result = one(code, {})

    assert result.errors == {}
    (fact,) = result.facts
    assert fact.values == VehicleState()


def test_unavailable_can_be_switched_to_keep_the_last_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signals_module, "UNAVAILABLE_IS_UNKNOWN", False)

    result = one("tractionbattery-stateofcharge", {}, status="UNAVAILABLE")

    assert result.facts == ()
    assert result.errors == {}


def test_command_status_as_plain_text_and_json_api_errors_in_the_body() -> None:
    result = parse_command_execution(
        {
            "data": {"attributes": {"status": "REJECTED"}},
            "errors": [{"type": "VEHICLE_STATE", "code": "IN_MOTION"}],
        },
        http_status=202,
    )

    assert result.outcome is CommandOutcome.FAILED
    assert isinstance(result.error, VehicleStateError)
    assert result.error.code == "IN_MOTION"


def test_a_failure_without_a_reason_still_raises() -> None:
    result = parse_command_execution(
        {"data": {"attributes": {"status": {"value": "FAILED"}}}}, http_status=202
    )

    assert result.error is None
    with pytest.raises(SmartcarError, match="FAILED"):
        result.raise_for_outcome()


async def test_an_empty_202_without_location_is_pending(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> None:
    smartcar.reply(
        "POST",
        "/v3api/v3/vehicles/car/commands/charge/stop",
        Canned(text="", status=202),
    )
    client = SmartcarClient(session, tokens, origins=smartcar.origins, user_id="u")

    result = await client.stop_charge_v3("car")

    assert result.outcome is CommandOutcome.PENDING
    assert result.http_status == 202


def test_detail_items_that_are_not_text_are_kept_as_text() -> None:
    error = error_from_body({"type": "VALIDATION", "detail": [5, None]})

    assert error.details == ({"message": "5"},)


def test_client_repr_names_the_user_not_the_token(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> None:
    client = SmartcarClient(session, tokens, origins=smartcar.origins, user_id="user-7")

    assert "user-7" in repr(client)
    assert "token" not in repr(client).lower()


def test_token_source_says_its_style(session: ClientSession) -> None:
    tokens = ApplicationTokenSource(
        session, "client_1", "sec_1", style=TokenRequestStyle.JSON
    )

    assert tokens.style is TokenRequestStyle.JSON


async def test_blog_layout_needs_a_webhook_id_to_list(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> None:
    blog = SmartcarManagementV3(
        session, tokens, origins=smartcar.origins, paths=SubscriptionPaths.BLOG
    )

    with pytest.raises(SmartcarError):
        await blog.list_subscriptions(vehicle_id="car")
    assert smartcar.requests == []


async def test_unsubscribe_keeps_a_subscription_to_another_webhook(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> None:
    smartcar.reply(
        "GET",
        "/mgmt3/v3/subscriptions",
        Canned(
            {
                "data": [
                    {
                        "id": "sub-other-webhook",
                        "relationships": {
                            "webhook": {"data": {"id": "wh_other"}},
                            "vehicle": {"data": {"id": "car"}},
                        },
                    }
                ],
                "meta": {"totalCount": 1},
            }
        ),
    )
    management = SmartcarManagementV3(session, tokens, origins=smartcar.origins)

    assert await management.unsubscribe("wh_mine", "car") == 0
    assert [request.method for request in smartcar.requests] == ["GET"]
