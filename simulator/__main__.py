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
from .config import (
    CONNECT_REDIRECTS,
    IAM_CREDENTIALS,
    SIGNAL_TIMESTAMPS,
    SIGNALS_PAGE_META,
    V2_RETIRED,
    V3_USER_TOKENS,
    VEHICLE_ENVELOPES,
    SimulatorConfig,
)

ORIGIN_VARIABLES = (
    "SMARTCAR_API_ORIGIN",
    "SMARTCAR_API_V3_ORIGIN",
    "SMARTCAR_AUTH_ORIGIN",
    "SMARTCAR_CONNECT_ORIGIN",
    "SMARTCAR_MANAGEMENT_API_ORIGIN",
    # V3 hosts (iam.smartcar.com, management.api.smartcar.com/v3): no SDK names them.
    "SMARTCAR_IAM_ORIGIN",
    "SMARTCAR_MANAGEMENT_API_V3_ORIGIN",
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
    v3 = parser.add_argument_group(
        "V3 (SMARTCAR_V3.md; one switch per documented variant)"
    )
    v3.add_argument(
        "--v3",
        action="store_true",
        help="the V3 platform as the newest docs describe it: per-user tokens refused on "
        "/v3, {data:...} vehicle envelope, signals refreshed once a day, the 120-request "
        "application bucket",
    )
    v3.add_argument("--api-client-id", help="API Credentials client id")
    v3.add_argument("--api-client-secret", help="API Credentials secret")
    v3.add_argument(
        "--application-token-lifetime", type=float, help="seconds (default 3600)"
    )
    v3.add_argument(
        "--iam-credentials",
        choices=IAM_CREDENTIALS,
        help="how POST /oauth2/token takes the credentials (default any)",
    )
    v3.add_argument(
        "--connect-redirect",
        choices=CONNECT_REDIRECTS,
        help="what Connect's redirect carries (default code+user_id)",
    )
    v3.add_argument(
        "--v3-user-tokens",
        choices=V3_USER_TOKENS,
        help="per-user Connect tokens on /v3 (default accept)",
    )
    v3.add_argument(
        "--v2-retired",
        choices=V2_RETIRED,
        help="v2 switched off: 404 RESOURCE_NOT_FOUND:VERSION or 410 (default off)",
    )
    v3.add_argument("--vehicle-envelope", choices=VEHICLE_ENVELOPES)
    v3.add_argument("--signal-timestamps", choices=SIGNAL_TIMESTAMPS)
    v3.add_argument("--signals-page-meta", choices=SIGNALS_PAGE_META)
    v3.add_argument(
        "--signal-refresh-seconds",
        type=_optional_float,
        help="signal store refresh interval unless subscribed (live = every read)",
    )
    v3.add_argument(
        "--signal-store-needs-subscription",
        action="store_true",
        default=None,
        help="empty signal store until the car was subscribed to a webhook (3P reading)",
    )
    v3.add_argument(
        "--app-rate-limit",
        type=_optional_int,
        help="application bucket size (default off; 120 with --v3)",
    )
    v3.add_argument("--app-rate-refill-per-minute", type=float, help="default 2")
    v3.add_argument(
        "--command-duration-seconds", type=float, help="v3 command time (default 2)"
    )
    v3.add_argument(
        "--long-running-after",
        type=float,
        help="longer commands answer 202 and stream (default 175)",
    )
    parser.add_argument(
        "--state-file", help="keep the state in this JSON file across restarts"
    )
    args = parser.parse_args(argv)
    config = SimulatorConfig.from_env(environ)
    if args.v3:
        config = config.v3_profile()
    overrides: dict[str, Any] = {
        name: value
        for name, value in vars(args).items()
        if name not in {"host", "port", "v3"} and value is not None
    }
    for name in ("signal_refresh_seconds", "app_rate_limit"):
        if overrides.get(name) == _OFF:
            overrides[name] = None
    if "redirect_uris" in overrides:
        overrides["redirect_uris"] = tuple(overrides["redirect_uris"])
    return dataclasses.replace(config, **overrides), args.host, args.port


_OFF = "off"


def _optional_float(raw: str) -> float | str:
    return _OFF if raw.lower() in {"none", "off", "live"} else float(raw)


def _optional_int(raw: str) -> int | str:
    return _OFF if raw.lower() in {"none", "off"} else int(raw)


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
        f"# V3 API credentials {config.api_client_id} / {config.api_client_secret}\n"
    )
    sys.stdout.flush()
    run(create_app(config), host=host, port=port, print=None)


if __name__ == "__main__":
    main()
