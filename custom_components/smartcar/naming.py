"""How cars and accounts are named: carmakers as they write themselves, entry titles."""

from collections.abc import Iterable
import re
import unicodedata

# Smartcar sends makes in capitals ("TESLA", "MERCEDES-BENZ"); carmakers write them otherwise.
# Keyed by the make reduced to its letters and digits (see `_key`), so "LAND ROVER",
# "LAND_ROVER" and "Land-Rover" find the same row. Makes missing here are title-cased, which
# is right for most ("POLESTAR" -> "Polestar"); this table holds the ones it gets wrong and the
# common ones, so that a car is never shown in capitals.
_MAKES: dict[str, str] = {
    "ACURA": "Acura",
    "ALFAROMEO": "Alfa Romeo",
    "AUDI": "Audi",
    "BMW": "BMW",
    "BUICK": "Buick",
    "BYD": "BYD",
    "CADILLAC": "Cadillac",
    "CHEVROLET": "Chevrolet",
    "CHRYSLER": "Chrysler",
    "CITROEN": "Citroën",
    "CUPRA": "Cupra",
    "DODGE": "Dodge",
    "DS": "DS",
    "FIAT": "Fiat",
    "FORD": "Ford",
    "GENESIS": "Genesis",
    "GMC": "GMC",
    "HONDA": "Honda",
    "HYUNDAI": "Hyundai",
    "JAGUAR": "Jaguar",
    "JEEP": "Jeep",
    "KIA": "Kia",
    "LANDROVER": "Land Rover",
    "LEXUS": "Lexus",
    "LINCOLN": "Lincoln",
    "LUCID": "Lucid",
    "MAZDA": "Mazda",
    "MCLAREN": "McLaren",
    "MERCEDES": "Mercedes-Benz",
    "MERCEDESBENZ": "Mercedes-Benz",
    "MG": "MG",
    "MINI": "MINI",
    "NISSAN": "Nissan",
    "OPEL": "Opel",
    "PEUGEOT": "Peugeot",
    "POLESTAR": "Polestar",
    "PORSCHE": "Porsche",
    "RAM": "Ram",
    "RENAULT": "Renault",
    "RIVIAN": "Rivian",
    "SEAT": "SEAT",
    "SKODA": "Skoda",
    "SMART": "Smart",
    "SUBARU": "Subaru",
    "TESLA": "Tesla",
    "TOYOTA": "Toyota",
    "VAUXHALL": "Vauxhall",
    "VOLKSWAGEN": "Volkswagen",
    "VOLVO": "Volvo",
    "VW": "Volkswagen",
}

ENTRY_TITLE = "Smartcar"
ENTRY_TITLE_SIMULATED = "Smartcar (simulated)"


def _key(make: str) -> str:
    """Reduce a make to its letters and digits, in capitals, without accents."""
    decomposed = unicodedata.normalize("NFKD", make)
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[^0-9A-Z]", "", letters.upper())


def display_make(make: str | None) -> str | None:
    """Return the make as its carmaker writes it ("TESLA" -> "Tesla", "BMW" stays)."""
    if make is None or not (make := " ".join(make.split())):
        return None
    if (known := _MAKES.get(_key(make))) is not None:
        return known
    if make.isupper() or make.islower():
        return make.title()
    # Mixed case: the sender already wrote it the carmaker's way.
    return make


def entry_title(models: Iterable[str | None], *, simulated: bool = False) -> str:
    """Title of an account's entry: its cars' models ("Smartcar: Model 3, Corolla").

    Each model appears once, in the order given; without any, just "Smartcar".
    """
    prefix = ENTRY_TITLE_SIMULATED if simulated else ENTRY_TITLE
    names = dict.fromkeys(
        name for model in models if model and (name := " ".join(model.split()))
    )
    if not names:
        return prefix
    return f"{prefix}: {', '.join(names)}"
