"""Simulator settings: credentials, token lifetimes and the knobs of the simulated cars.

Defaults (documented in the package docstring and printed by ``python -m simulator``):

- client id ``sim-client-id``, client secret ``sim-client-secret``
- management token (webhook signing key, management API) ``sim-management-token``
- redirect URIs: none configured means *any* ``http``/``https`` URI is accepted. Smartcar only
  accepts URIs registered in its dashboard; configure ``redirect_uris`` to get that strictness.
- access token 2 h, refresh token 60 days, refresh-token grace after first use 60 s, code 10 min.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
import os

DEFAULT_CLIENT_ID = "sim-client-id"
DEFAULT_CLIENT_SECRET = "sim-client-secret"
DEFAULT_MANAGEMENT_TOKEN = "sim-management-token"
DEFAULT_USER_ID = "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a"

ENV_PREFIX = "SMARTCAR_SIM_"


@dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    """Everything that shapes one simulator instance."""

    client_id: str = DEFAULT_CLIENT_ID
    client_secret: str = DEFAULT_CLIENT_SECRET
    # Empty: any http(s) redirect URI is accepted (documented default of the simulator).
    redirect_uris: tuple[str, ...] = ()
    management_token: str = DEFAULT_MANAGEMENT_TOKEN
    user_id: str = DEFAULT_USER_ID
    access_token_lifetime: float = 7200.0
    refresh_token_lifetime: float = 60 * 24 * 3600.0
    refresh_token_grace: float = 60.0
    authorization_code_lifetime: float = 600.0
    # Fraction of the battery added per minute while charging (0.01 = 1 %/min).
    charge_rate_per_minute: float = 0.01
    # Monthly billed requests per vehicle before BILLING:VEHICLE_REQUEST_LIMIT; None = unlimited.
    vehicle_request_limit: int | None = None
    # Seed mixed into generated tokens, codes and ids so runs are reproducible.
    seed: str = "smartcar-simulator"
    webhook_ids: tuple[str, ...] = field(default=("sim-webhook",))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SimulatorConfig:
        """Read ``SMARTCAR_SIM_*`` variables (unset ones keep their default)."""
        env = dict(os.environ if environ is None else environ)
        values: dict[str, object] = {}
        for name, caster in _ENV_FIELDS.items():
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is not None and raw != "":
                values[name] = caster(raw)
        return cls(**values)  # type: ignore[arg-type]  # values typed per field above


def split_list(raw: str) -> tuple[str, ...]:
    """Split a comma or whitespace separated list."""
    return tuple(item for item in raw.replace(",", " ").split() if item)


def _optional_int(raw: str) -> int | None:
    return None if raw.lower() in {"none", "off"} else int(raw)


_ENV_FIELDS: dict[str, Callable[[str], object]] = {
    "client_id": str,
    "client_secret": str,
    "redirect_uris": split_list,
    "management_token": str,
    "user_id": str,
    "access_token_lifetime": float,
    "refresh_token_lifetime": float,
    "refresh_token_grace": float,
    "authorization_code_lifetime": float,
    "charge_rate_per_minute": float,
    "vehicle_request_limit": _optional_int,
    "seed": str,
    "webhook_ids": split_list,
}
