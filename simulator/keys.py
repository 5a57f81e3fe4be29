"""Application keys shared by the route modules."""

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .state import Simulator

SIMULATOR: web.AppKey[Simulator] = web.AppKey("simulator")
