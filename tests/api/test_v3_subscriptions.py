"""v3 Management API subscriptions [S19] (and the blog's layout [S1]), with the app token."""

from aiohttp import ClientSession
import pytest

from custom_components.smartcar.api import (
    ServerError,
    SmartcarManagementV3,
    SubscribeOutcome,
    SubscriptionPaths,
)

from .conftest import Canned, FakeSmartcar, Recorded, TokenSource
from .examples import example

MGMT = "/mgmt3/v3"
WEBHOOK_ID = "wh_5a8e5e38"
VEHICLE_ID = "36ab27d0-fd9d-4455-823a-ce30af709ffc"
USER_ID = "218eda3b-0656-49a8-8f3d-360cdad07334"


@pytest.fixture
def management(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> SmartcarManagementV3:
    return SmartcarManagementV3(session, tokens, origins=smartcar.origins)


async def test_subscribe_202_in_progress_s19_with_the_documented_body(
    management: SmartcarManagementV3, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{MGMT}/subscriptions",
        Canned(example("subscription-create-202.json"), status=202),
    )

    result = await management.subscribe(WEBHOOK_ID, VEHICLE_ID, USER_ID)

    assert result.outcome is SubscribeOutcome.ACCEPTED
    assert result.message == "subscription creation in progress"
    request = smartcar.only()
    assert request.headers["Authorization"] == "Bearer access-token-1"
    assert request.json() == {
        "data": {
            "attributes": {
                "webhookId": WEBHOOK_ID,
                "userId": USER_ID,
                "vehicleId": VEHICLE_ID,
            }
        }
    }


async def test_subscribe_409_already_subscribed_t2_is_success(
    management: SmartcarManagementV3, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{MGMT}/subscriptions",
        Canned(
            {"errors": [{"status": "409", "detail": "Subscription already exists"}]},
            status=409,
        ),
    )

    result = await management.subscribe(WEBHOOK_ID, VEHICLE_ID, USER_ID)

    assert result.outcome is SubscribeOutcome.ALREADY_SUBSCRIBED
    assert result.message == "Subscription already exists"


async def test_subscribe_failure_other_than_409_raises(
    management: SmartcarManagementV3, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "POST",
        f"{MGMT}/subscriptions",
        Canned({"errors": [{"status": "500", "code": "internal_error"}]}, status=500),
    )

    with pytest.raises(ServerError):
        await management.subscribe(WEBHOOK_ID, VEHICLE_ID, USER_ID)


async def test_get_subscription_example_s19_reads_relationships_by_name(
    management: SmartcarManagementV3, smartcar: FakeSmartcar
) -> None:
    subscription_id = "3c90c3cc-0d44-4b50-8888-8dd25736052a"
    smartcar.reply(
        "GET",
        f"{MGMT}/subscriptions/{subscription_id}",
        Canned(example("subscription-get.json")),
    )

    found = await management.get_subscription(subscription_id)

    assert found.subscription_id == subscription_id
    assert (found.webhook_id, found.user_id, found.vehicle_id) == (subscription_id,) * 3
    assert (found.make, found.model, found.year) == ("TESLA", "Model 3", 2023)
    assert (found.mode, found.powertrain_type) == ("live", "BEV")
    assert found.created_at is not None
    assert found.created_at.isoformat() == "2023-11-07T05:31:56+00:00"


def listed(subscription_id: str, vehicle_id: str) -> dict[str, object]:
    return {
        "type": "subscription",
        "id": subscription_id,
        "attributes": {"vehicle": {"make": "TESLA"}},
        "relationships": {
            "webhook": {"data": {"type": "webhook", "id": WEBHOOK_ID}},
            "vehicle": {"data": {"type": "vehicle", "id": vehicle_id}},
        },
    }


async def test_list_follows_every_page_with_the_documented_filters_s19(
    management: SmartcarManagementV3, smartcar: FakeSmartcar
) -> None:
    def pages(request: Recorded) -> Canned:
        number = int(request.query["page[number]"])
        return Canned(
            {
                "data": [listed(f"sub-{number}", VEHICLE_ID)],
                "meta": {"pageNumber": number, "pageSize": 1, "totalCount": 2},
            }
        )

    smartcar.handle("GET", f"{MGMT}/subscriptions", pages)

    found = await management.list_subscriptions(
        webhook_id=WEBHOOK_ID, vehicle_id=VEHICLE_ID, mode="simulated"
    )

    assert [item.subscription_id for item in found] == ["sub-1", "sub-2"]
    assert smartcar.requests[0].query == {
        "filter[webhookId]": WEBHOOK_ID,
        "filter[vehicleId]": VEHICLE_ID,
        "filter[vehicle.mode]": "simulated",
        "page[number]": "1",
        "page[size]": "100",
    }


async def test_unsubscribe_deletes_only_this_cars_subscriptions(
    management: SmartcarManagementV3, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        f"{MGMT}/subscriptions",
        Canned(
            {
                "data": [
                    listed("sub-mine", VEHICLE_ID),
                    # A server ignoring the filter: another car's subscription stays.
                    listed("sub-other", "another-car"),
                ],
                "meta": {"pageNumber": 1, "pageSize": 100, "totalCount": 2},
            }
        ),
    )
    smartcar.reply("DELETE", f"{MGMT}/subscriptions/sub-mine", Canned(status=204))

    removed = await management.unsubscribe(WEBHOOK_ID, VEHICLE_ID)

    assert removed == 1
    assert [(r.method, r.path) for r in smartcar.requests] == [
        ("GET", f"{MGMT}/subscriptions"),
        ("DELETE", f"{MGMT}/subscriptions/sub-mine"),
    ]


async def test_deleting_a_subscription_smartcar_no_longer_has_is_not_an_error(
    management: SmartcarManagementV3, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "DELETE",
        f"{MGMT}/subscriptions/gone",
        Canned({"errors": [{"status": "404", "code": "not_found"}]}, status=404),
    )

    assert await management.delete_subscription("gone") is False


async def test_blog_layout_s1_puts_subscriptions_under_the_webhook(
    session: ClientSession, smartcar: FakeSmartcar, tokens: TokenSource
) -> None:
    blog = SmartcarManagementV3(
        session, tokens, origins=smartcar.origins, paths=SubscriptionPaths.BLOG
    )
    base = f"{MGMT}/webhooks/{WEBHOOK_ID}/subscriptions"
    smartcar.reply(
        "POST", base, Canned(example("subscription-create-202.json"), status=202)
    )
    smartcar.reply(
        "GET",
        base,
        Canned({"data": [listed("sub-1", VEHICLE_ID)], "meta": {"totalCount": 1}}),
    )
    smartcar.reply("DELETE", f"{base}/sub-1", Canned(status=204))

    subscribed = await blog.subscribe(WEBHOOK_ID, VEHICLE_ID, USER_ID)
    removed = await blog.unsubscribe(WEBHOOK_ID, VEHICLE_ID)

    assert subscribed.outcome is SubscribeOutcome.ACCEPTED
    assert removed == 1
    assert [r.path for r in smartcar.requests] == [base, base, f"{base}/sub-1"]


def test_repr_names_the_origin_not_the_token(
    management: SmartcarManagementV3,
) -> None:
    assert "access-token" not in repr(management)
    assert "mgmt3" in repr(management)
