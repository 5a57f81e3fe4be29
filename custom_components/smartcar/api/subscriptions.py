"""V3 Management API: subscribe a vehicle to a webhook, list, read and remove subscriptions.

`https://management.api.smartcar.com/v3` (SMARTCAR_V3.md §3.5). The docs [S19] put subscriptions
at `/subscriptions…`; the launch blog [S1] at `/webhooks/{webhookId}/subscriptions` (open question
6), so the layout is a `SubscriptionPaths` choice, the docs' by default. Creating answers 202
"subscription creation in progress"; 409 means the subscription already exists, which is what the
caller wanted, so it is a success here. Webhooks themselves are made in the Dashboard (no API).

The bearer is "the same access token" as the Vehicle API [S2]: pass the `ApplicationTokenSource`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

import aiohttp
from yarl import URL

from . import _json as j
from .errors import ResourceNotFoundError, SmartcarError
from .models import EMPTY_META, ResponseMeta
from .origins import Origins
from .transport import (
    API_V3_VERSION,
    MAX_PAGES,
    TokenProvider,
    _Answer,
    _required,
    _segment,
    _shape_checked,
    _Transport,
    _url,
    next_page,
    send_authorized,
)

# The largest page of `GET /subscriptions` (3P: max 100, default 25).
SUBSCRIPTIONS_PAGE_SIZE: Final = 100


class SubscriptionPaths(StrEnum):
    """Where subscriptions live (open question 6 of SMARTCAR_V3.md)."""

    # `POST /subscriptions`, `GET /subscriptions?filter[…]`, `GET|DELETE /subscriptions/{id}`.
    DOCS = "docs"
    # `POST|GET /webhooks/{webhookId}/subscriptions`; the blog's DELETE path was cut off, so
    # `DELETE /webhooks/{webhookId}/subscriptions/{subscriptionId}` is inferred.
    BLOG = "blog"


class SubscribeOutcome(StrEnum):
    """How a subscribe request ended (every one of them means "subscribed")."""

    ACCEPTED = "accepted"  # 202: creation in progress
    CREATED = "created"  # 200/201
    ALREADY_SUBSCRIBED = "already_subscribed"  # 409


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscription:
    """One vehicle subscribed to one webhook."""

    subscription_id: str | None
    webhook_id: str | None = None
    user_id: str | None = None
    vehicle_id: str | None = None
    make: str | None = None
    model: str | None = None
    year: int | None = None
    mode: str | None = None
    powertrain_type: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscribeResult:
    """What subscribing answered."""

    outcome: SubscribeOutcome
    message: str | None = None
    subscription: Subscription | None = None
    meta: ResponseMeta = EMPTY_META


def _related(relationships: j.JsonObject, name: str) -> str | None:
    # By relationship name: the docs' example labels every relationship `type: "webhook"`.
    relation = j.opt_object(relationships, name)
    data = j.opt_object(relation, "data") if relation else None
    return j.opt_id(data, "id") if data else None


def parse_subscription(item: object) -> Subscription:
    """One subscription resource `{id, attributes{vehicle}, relationships, meta}` [S19]."""
    obj = j.as_object(item, "subscription")
    resource = j.opt_object(obj, "data") or obj
    attributes = j.opt_object(resource, "attributes") or {}
    relationships = j.opt_object(resource, "relationships") or {}
    vehicle = j.opt_object(attributes, "vehicle") or {}
    meta = j.opt_object(resource, "meta") or {}
    year = vehicle.get("year")
    return Subscription(
        subscription_id=j.opt_id(resource, "id"),
        webhook_id=_related(relationships, "webhook")
        or j.opt_str(attributes, "webhookId"),
        user_id=_related(relationships, "user") or j.opt_str(attributes, "userId"),
        vehicle_id=_related(relationships, "vehicle")
        or j.opt_str(attributes, "vehicleId"),
        make=j.opt_str(vehicle, "make"),
        model=j.opt_str(vehicle, "model"),
        year=int(year)
        if isinstance(year, str) and year.isdigit()
        else j.opt_int(vehicle, "year"),
        mode=j.opt_str(vehicle, "mode"),
        powertrain_type=j.opt_str(vehicle, "powertrainType"),
        created_at=j.opt_datetime(meta, "createdAt"),
        updated_at=j.opt_datetime(meta, "updatedAt"),
    )


class SmartcarManagementV3:
    """The v3 Management API's subscriptions, with a bearer token from `get_access_token`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        get_access_token: TokenProvider,
        *,
        origins: Origins | None = None,
        paths: SubscriptionPaths = SubscriptionPaths.DOCS,
        timeout: float = 60,
    ) -> None:
        """Use `session`, and `get_access_token()` before each request."""
        self._transport = _Transport(session, timeout)
        self._get_access_token = get_access_token
        self.origins = origins or Origins.from_environment()
        self.paths = SubscriptionPaths(paths)

    def __repr__(self) -> str:
        """Name the origin and the layout; never a token."""
        return (
            f"SmartcarManagementV3(origin={self.origins.management_v3!r}, "
            f"paths={self.paths.value!r})"
        )

    def _url(self, *segments: str) -> URL:
        return _url(self.origins.management_v3, API_V3_VERSION, *segments)

    def _collection(self, webhook_id: str | None) -> URL:
        if self.paths is SubscriptionPaths.BLOG:
            if webhook_id is None:
                raise SmartcarError("the blog's paths need a webhook id")
            return self._url(
                "webhooks", _segment("webhook_id", webhook_id), "subscriptions"
            )
        return self._url("subscriptions")

    async def _send(
        self,
        method: str,
        url: URL,
        *,
        json_body: object = None,
        allow_empty: bool = True,
    ) -> _Answer:
        return await send_authorized(
            self._transport,
            self._get_access_token,
            method,
            url,
            headers={"Accept": "application/json"},
            json_body=json_body,
            allow_empty=allow_empty,
        )

    async def subscribe(
        self, webhook_id: str, vehicle_id: str, user_id: str
    ) -> SubscribeResult:
        """POST a subscription `{data: {attributes: {webhookId, userId, vehicleId}}}`.

        202 (in progress), 200/201 (made) and 409 (it already exists) are all success.
        """
        attributes = {
            "webhookId": _required("webhook_id", webhook_id),
            "userId": _required("user_id", user_id),
            "vehicleId": _required("vehicle_id", vehicle_id),
        }
        try:
            answer = await self._send(
                "POST",
                self._collection(webhook_id),
                json_body={"data": {"attributes": attributes}},
            )
        except SmartcarError as err:
            if err.status != 409:
                raise
            return SubscribeResult(
                outcome=SubscribeOutcome.ALREADY_SUBSCRIBED, message=err.description
            )
        with _shape_checked(answer, "subscription"):
            body = j.as_object(answer.body, "subscription") if answer.body else {}
            meta = j.opt_object(body, "meta") or {}
            data = j.opt_object(body, "data")
            return SubscribeResult(
                outcome=(
                    SubscribeOutcome.ACCEPTED
                    if answer.status == 202
                    else SubscribeOutcome.CREATED
                ),
                message=j.opt_str(meta, "message"),
                subscription=parse_subscription(data) if data else None,
                meta=answer.meta,
            )

    async def list_subscriptions(
        self,
        *,
        webhook_id: str | None = None,
        vehicle_id: str | None = None,
        user_id: str | None = None,
        mode: str | None = None,
    ) -> tuple[Subscription, ...]:
        """GET the subscriptions, every page, filtered as documented (`filter[webhookId]`…)."""
        filters: Mapping[str, str | None] = {
            "filter[webhookId]": webhook_id,
            "filter[vehicleId]": vehicle_id,
            "filter[userId]": user_id,
            "filter[vehicle.mode]": mode,
        }
        query: dict[str, str | int] = {
            key: _required(key, value) for key, value in filters.items() if value
        }
        query |= {"page[number]": 1, "page[size]": SUBSCRIPTIONS_PAGE_SIZE}
        subscriptions: list[Subscription] = []
        seen: set[URL] = set()
        url: URL | None = self._collection(webhook_id).update_query(query)
        while url is not None and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            answer = await self._send("GET", url, allow_empty=False)
            with _shape_checked(answer, "subscriptions"):
                body = j.as_object(answer.body, "subscriptions")
                items = j.as_list(body.get("data"), "data")
                subscriptions.extend(parse_subscription(item) for item in items)
                url = (
                    next_page(url, body, self.origins.management_v3) if items else None
                )
        return tuple(subscriptions)

    async def get_subscription(self, subscription_id: str) -> Subscription:
        """GET /subscriptions/{subscriptionId}."""
        answer = await self._send(
            "GET",
            self._url("subscriptions", _segment("subscription_id", subscription_id)),
            allow_empty=False,
        )
        with _shape_checked(answer, "subscription"):
            return parse_subscription(answer.body)

    async def delete_subscription(
        self, subscription_id: str, *, webhook_id: str | None = None
    ) -> bool:
        """DELETE one subscription; False when Smartcar no longer had it (404)."""
        segment = _segment("subscription_id", subscription_id)
        url = (
            self._collection(webhook_id) / segment
            if self.paths is SubscriptionPaths.BLOG
            else self._url("subscriptions", segment)
        )
        try:
            await self._send("DELETE", url)
        except ResourceNotFoundError:
            return False
        return True

    async def unsubscribe(
        self, webhook_id: str, vehicle_id: str, *, user_id: str | None = None
    ) -> int:
        """Remove every subscription of the vehicle to the webhook; return how many went."""
        found = await self.list_subscriptions(
            webhook_id=webhook_id, vehicle_id=vehicle_id, user_id=user_id
        )
        removed = 0
        for subscription in found:
            # A server that ignores a filter must not cost another car its subscription.
            if subscription.vehicle_id not in {None, vehicle_id}:
                continue
            if subscription.webhook_id not in {None, webhook_id}:
                continue
            if subscription.subscription_id and await self.delete_subscription(
                subscription.subscription_id, webhook_id=webhook_id
            ):
                removed += 1
        return removed


__all__ = [
    "SUBSCRIPTIONS_PAGE_SIZE",
    "SmartcarManagementV3",
    "SubscribeOutcome",
    "SubscribeResult",
    "Subscription",
    "SubscriptionPaths",
    "parse_subscription",
]
