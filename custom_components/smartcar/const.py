"""Constants of the Smartcar integration."""

from typing import Final

DOMAIN: Final = "smartcar"
