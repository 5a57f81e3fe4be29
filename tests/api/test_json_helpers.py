"""The JSON readers under every parser: times, numbers and text are checked, never guessed."""

from datetime import UTC, datetime

import pytest

from custom_components.smartcar.api import _json as j
from custom_components.smartcar.api.errors import error_from_response, parse_retry_after
from custom_components.smartcar.api.models import Charge
from custom_components.smartcar.api.parsers import meta_from_headers, parse_charge


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            "2024-05-04T07:20:50.844Z",
            datetime(2024, 5, 4, 7, 20, 50, 844000, tzinfo=UTC),
        ),
        ("2024-05-04T09:20:50+02:00", datetime(2024, 5, 4, 7, 20, 50, tzinfo=UTC)),
        ("2024-05-04T07:20:50", datetime(2024, 5, 4, 7, 20, 50, tzinfo=UTC)),
        (1758668712404, datetime(2025, 9, 23, 23, 5, 12, 404000, tzinfo=UTC)),
        (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        (1700000000.5, datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC)),
        ("yesterday", None),
        (True, None),
        (None, None),
        ([2024], None),
        (float("nan"), None),
        (float("inf"), None),
        (1e300, None),
    ],
    ids=[
        "iso-z",
        "iso-offset",
        "iso-naive-is-utc",
        "epoch-ms",
        "epoch-s",
        "epoch-fraction",
        "text",
        "boolean",
        "null",
        "array",
        "nan",
        "infinite",
        "overflow",
    ],
)
def test_timestamps_are_iso_text_or_epoch_numbers(
    value: object, expected: datetime | None
) -> None:
    assert j.parse_timestamp(value) == expected


def test_unreadable_response_headers_are_dropped_not_fatal() -> None:
    meta = meta_from_headers({"SC-Data-Age": "garbage", "sc-unit-system": "metric"})

    assert meta.data_age is None
    assert meta.unit_system == "metric"
    assert meta_from_headers(None).request_id is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("text", "text"),
        (None, None),
        (True, "true"),
        (False, "false"),
        (12, "12"),
        (1.5, "1.5"),
        ({"b": 1, "a": [1, 2]}, '{"a":[1,2],"b":1}'),
    ],
)
def test_service_values_are_kept_as_text(value: object, expected: str | None) -> None:
    assert j.scalar_text(value) == expected


def test_json_decoding_failures_are_shape_errors() -> None:
    with pytest.raises(j.ShapeError):
        j.loads(b"{")
    with pytest.raises(j.ShapeError):
        j.loads(b"\xff")
    assert j.loads('{"a": null}') == {"a": None}


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (j.opt_str, 5),
        (j.opt_bool, "true"),
        (j.opt_float, "1.0"),
        (j.opt_int, 1.5),
        (j.opt_object, []),
        (j.opt_list, {}),
        (j.req_str, ""),
        (j.req_float, None),
        (j.opt_datetime, "soon"),
    ],
)
def test_readers_refuse_the_wrong_json_type(reader: object, value: object) -> None:
    with pytest.raises(j.ShapeError):
        reader({"key": value}, "key")  # type: ignore[operator]


def test_identifiers_may_be_numbers_but_not_booleans() -> None:
    assert j.opt_id({"id": 42}, "id") == "42"
    assert j.opt_id({"id": "abc"}, "id") == "abc"
    with pytest.raises(j.ShapeError):
        j.opt_id({"id": True}, "id")


def test_shape_errors_never_echo_the_value() -> None:
    with pytest.raises(j.ShapeError) as caught:
        j.opt_str({"vin": {"secret": "5YJ3E1EA1KF000000"}}, "vin")

    assert "5YJ3E1EA1KF000000" not in str(caught.value)
    assert "an object" in str(caught.value)


def test_charge_without_a_state_is_unknown() -> None:
    assert parse_charge({"isPluggedIn": False}, meta_from_headers({})) == Charge(
        is_plugged_in=False, state=None
    )


def test_retry_after_http_date_without_a_zone_is_utc() -> None:
    now = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)

    assert parse_retry_after("Wed, 01 Jan 2025 12:00:30 -0000", now=now) == 30.0


def test_error_without_headers_has_no_request_id_or_retry_after() -> None:
    error = error_from_response(429, {"type": "RATE_LIMIT", "code": "SMARTCAR_API"})

    assert (error.request_id, error.retry_after, error.status) == (None, None, 429)
