"""Makes as carmakers write them, and the titles of entries."""

import pytest

from custom_components.smartcar.naming import display_make, entry_title


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        # As Smartcar sends them (tests/fixtures/*/vehicle.json, the simulator's fleet).
        ("TESLA", "Tesla"),
        ("VOLKSWAGEN", "Volkswagen"),
        ("TOYOTA", "Toyota"),
        # Capitals that are the carmaker's own.
        ("BMW", "BMW"),
        ("MINI", "MINI"),
        ("Mini", "MINI"),
        ("GMC", "GMC"),
        ("SEAT", "SEAT"),
        ("DS", "DS"),
        # Spelled, spaced or joined differently.
        ("MERCEDES-BENZ", "Mercedes-Benz"),
        ("MERCEDES BENZ", "Mercedes-Benz"),
        ("LAND ROVER", "Land Rover"),
        ("LAND_ROVER", "Land Rover"),
        ("ALFA ROMEO", "Alfa Romeo"),
        ("CITROEN", "Citroën"),
        ("CITROËN", "Citroën"),
        ("  kia ", "Kia"),
        ("VW", "Volkswagen"),
        # Not in the table: title case, or the sender's own mixed case.
        ("POLESTAR", "Polestar"),
        ("ROLLS-ROYCE", "Rolls-Royce"),
        ("aston martin", "Aston Martin"),
        ("XPeng", "XPeng"),
    ],
)
def test_make_is_shown_as_its_carmaker_writes_it(sent: str, shown: str) -> None:
    assert display_make(sent) == shown


@pytest.mark.parametrize("sent", [None, "", "   "])
def test_missing_make_stays_missing(sent: str | None) -> None:
    assert display_make(sent) is None


@pytest.mark.parametrize(
    ("models", "title"),
    [
        (["Model 3", "Corolla"], "Smartcar: Model 3, Corolla"),
        (["Model 3", "Model 3", "Golf"], "Smartcar: Model 3, Golf"),
        (["RAV4 Plug-in Hybrid"], "Smartcar: RAV4 Plug-in Hybrid"),
        ([None, "  ", "ID.4 "], "Smartcar: ID.4"),
        ([], "Smartcar"),
        ([None], "Smartcar"),
    ],
)
def test_entry_is_titled_by_its_cars(models: list[str | None], title: str) -> None:
    assert entry_title(models) == title


def test_entry_of_simulated_cars_says_so() -> None:
    assert entry_title(["Model 3"], simulated=True) == "Smartcar (simulated): Model 3"
    assert entry_title([], simulated=True) == "Smartcar (simulated)"
