"""``python -m simulator``: run the Smartcar simulator and print the origins to export.

Options override ``SMARTCAR_SIM_*`` environment variables (``SMARTCAR_SIM_CLIENT_ID``,
``SMARTCAR_SIM_CLIENT_SECRET``, ``SMARTCAR_SIM_REDIRECT_URIS`` (comma/space separated),
``SMARTCAR_SIM_MANAGEMENT_TOKEN``, ``SMARTCAR_SIM_ACCESS_TOKEN_LIFETIME``,
``SMARTCAR_SIM_REFRESH_TOKEN_GRACE``, ``SMARTCAR_SIM_CHARGE_RATE_PER_MINUTE``,
``SMARTCAR_SIM_VEHICLE_REQUEST_LIMIT``, ...), which override the defaults.
"""

import argparse
from collections.abc import Callable, Sequence
import dataclasses
import sys
from typing import Any

from aiohttp import web

from .app import create_app
from .config import SimulatorConfig

ORIGIN_VARIABLES = (
    "SMARTCAR_API_ORIGIN",
    "SMARTCAR_API_V3_ORIGIN",
    "SMARTCAR_AUTH_ORIGIN",
    "SMARTCAR_CONNECT_ORIGIN",
    "SMARTCAR_MANAGEMENT_API_ORIGIN",
)


def parse_args(
    argv: Sequence[str], environ: dict[str, str] | None = None
) -> tuple[SimulatorConfig, str, int]:
    parser = argparse.ArgumentParser(prog="python -m simulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--client-id")
    parser.add_argument("--client-secret")
    parser.add_argument(
        "--redirect-uri",
        action="append",
        dest="redirect_uris",
        help="allowed redirect URI (repeatable; none = any http(s) URI)",
    )
    parser.add_argument("--management-token")
    parser.add_argument(
        "--access-token-lifetime", type=float, help="seconds (default 7200)"
    )
    parser.add_argument(
        "--refresh-token-grace", type=float, help="seconds (default 60)"
    )
    parser.add_argument(
        "--charge-rate-per-minute", type=float, help="fraction (default 0.01)"
    )
    parser.add_argument(
        "--vehicle-request-limit", type=int, help="monthly billed requests"
    )
    args = parser.parse_args(argv)
    config = SimulatorConfig.from_env(environ)
    overrides: dict[str, Any] = {
        name: value
        for name, value in vars(args).items()
        if name not in {"host", "port"} and value is not None
    }
    if "redirect_uris" in overrides:
        overrides["redirect_uris"] = tuple(overrides["redirect_uris"])
    return dataclasses.replace(config, **overrides), args.host, args.port


def exports(host: str, port: int) -> str:
    """Shell lines pointing every Smartcar origin at the simulator."""
    origin = f"http://{host}:{port}"
    return "".join(f"export {name}={origin}\n" for name in ORIGIN_VARIABLES)


def main(
    argv: Sequence[str] | None = None,
    *,
    run: Callable[..., Any] = web.run_app,
    environ: dict[str, str] | None = None,
) -> None:
    config, host, port = parse_args(sys.argv[1:] if argv is None else argv, environ)
    sys.stdout.write(exports(host, port))
    sys.stdout.write(
        f"# client id {config.client_id}, client secret {config.client_secret}, "
        f"management token {config.management_token}\n"
    )
    sys.stdout.flush()
    run(create_app(config), host=host, port=port, print=None)


if __name__ == "__main__":
    main()
