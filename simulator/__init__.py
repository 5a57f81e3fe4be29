"""A faithful Smartcar simulator (Connect, token endpoint, v2, batch, v3, webhooks, management).

V3 too (``SMARTCAR_V3.md``): the IAM token endpoint, ``sc-user-id``, Connections, v3 commands,
v3 subscriptions; ``SimulatorConfig().v3_profile()`` or ``python -m simulator --v3``. The guide
is ``docs/simulator.md``.

One aiohttp server serves every Smartcar origin; see ``app.py``. Build it in-process::

    from simulator import ManualClock, Simulator, SimulatorConfig, create_app

    clock = ManualClock()
    sim = Simulator(SimulatorConfig(), clock=clock)
    app = create_app(sim)  # sim.ledger, sim.fleet, sim.faults, sim.commands ... are live state

or run it: ``python -m simulator --host 127.0.0.1 --port 8765``.

Defaults: client id ``sim-client-id``, client secret ``sim-client-secret``, management token
``sim-management-token``; any http(s) redirect URI is accepted unless ``redirect_uris`` is set.
Fleet (stable ids): Tesla Model 3 2023 (BEV) ``2f4a6c8e-0b1d-4f3a-8c5e-7a9b1c3d5e70``, Toyota
Corolla 2021 (petrol) ``6b8d0f2a-4c6e-4a1b-9d3f-5e7a9c1b3d81``, Volvo XC60 Recharge 2024 (PHEV)
``a3c5e7f9-1b2d-4e6f-8a0c-2d4f6a8c0e92``.
"""

from .app import create_app, simulator_of
from .clock import ManualClock
from .config import SimulatorConfig
from .fleet import TESLA_ID, TOYOTA_ID, VOLVO_ID
from .keys import SIMULATOR
from .state import Simulator

__all__ = [
    "SIMULATOR",
    "TESLA_ID",
    "TOYOTA_ID",
    "VOLVO_ID",
    "ManualClock",
    "Simulator",
    "SimulatorConfig",
    "create_app",
    "simulator_of",
]
