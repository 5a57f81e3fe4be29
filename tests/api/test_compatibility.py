"""The compatibility matrix (Smartcar's "by region and make" reference, the SDKs' compatibility)."""

import base64

from aiohttp import ClientSession
import pytest

from custom_components.smartcar.api import AuthenticationError
from custom_components.smartcar.api.compatibility import (
    CompatibleModel,
    SmartcarCompatibility,
    parse_compatibility_matrix,
)

from .conftest import Canned, FakeSmartcar

MATRIX = "/api/v2.0/compatibility/matrix"
# The reference's own example answer.
DOCS_EXAMPLE = {
    "NISSAN": [
        {
            "model": "LEAF",
            "startYear": 2018,
            "endYear": 2022,
            "type": "BEV",
            "endpoints": ["EV battery", "EV charging status", "Location"],
            "permissions": ["read_battery", "read_charge", "read_location"],
        }
    ],
    "TESLA": [
        {
            "model": "3",
            "startYear": 2017,
            "endYear": 2023,
            "type": "BEV",
            "endpoints": ["EV battery", "Lock & unlock", "Tire pressure"],
            "permissions": ["read_battery", "control_security", "read_tires"],
        }
    ],
}


def test_the_reference_example_parses_to_its_models() -> None:
    nissan, tesla = parse_compatibility_matrix(DOCS_EXAMPLE)

    assert nissan == CompatibleModel(
        make="NISSAN",
        model="LEAF",
        start_year=2018,
        end_year=2022,
        powertrain="BEV",
        endpoints=("EV battery", "EV charging status", "Location"),
        permissions=frozenset({"read_battery", "read_charge", "read_location"}),
    )
    assert tesla.permissions == {"read_battery", "control_security", "read_tires"}


@pytest.mark.parametrize(
    ("model", "year", "covered"),
    [
        ("Model 3", 2022, True),
        ("3", 2017, True),
        ("Model 3", 2024, False),
        ("Model 3", None, True),
        ("Model Y", 2022, False),
        (None, 2022, False),
    ],
)
def test_a_model_line_covers_its_model_in_its_years(
    model: str | None, year: int | None, covered: bool
) -> None:
    (_, tesla) = parse_compatibility_matrix(DOCS_EXAMPLE)

    assert tesla.covers(model, year) is covered


async def test_the_matrix_is_asked_with_basic_credentials_by_region_and_make(
    session: ClientSession, smartcar: FakeSmartcar
) -> None:
    smartcar.reply("GET", MATRIX, Canned(DOCS_EXAMPLE))
    compatibility = SmartcarCompatibility(
        session, "client-id", "client-secret", origins=smartcar.origins
    )

    models = await compatibility.get_matrix(
        "EUROPE", make="Tesla", scope=["read_battery", "read_tires"], powertrain="BEV"
    )

    assert [model.make for model in models] == ["NISSAN", "TESLA"]
    request = smartcar.only()
    expected = base64.b64encode(b"client-id:client-secret").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert dict(request.query) == {
        "region": "EUROPE",
        "make": "tesla",
        "scope": "read_battery read_tires",
        "type": "BEV",
    }
    assert "client-secret" not in repr(compatibility)


async def test_a_plan_without_the_matrix_raises_a_typed_error(
    session: ClientSession, smartcar: FakeSmartcar
) -> None:
    smartcar.reply(
        "GET",
        MATRIX,
        Canned({"type": "AUTHENTICATION", "description": "no"}, status=401),
    )
    compatibility = SmartcarCompatibility(
        session, "client-id", "client-secret", origins=smartcar.origins
    )

    with pytest.raises(AuthenticationError):
        await compatibility.get_matrix("US")
