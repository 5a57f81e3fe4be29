"""Simulator settings: credentials, token lifetimes and the knobs of the simulated cars.

Defaults (documented in the package docstring and printed by ``python -m simulator``):

- client id ``sim-client-id``, client secret ``sim-client-secret``
- management token (webhook signing key, management API) ``sim-management-token``
- redirect URIs: none configured means *any* ``http``/``https`` URI is accepted. Smartcar only
  accepts URIs registered in its dashboard; configure ``redirect_uris`` to get that strictness.
- access token 2 h, refresh token 60 days, refresh-token grace after first use 60 s, code 10 min.
"""

from collections.abc import Callable
import dataclasses
from dataclasses import dataclass, field
import os

DEFAULT_CLIENT_ID = "sim-client-id"
DEFAULT_CLIENT_SECRET = "sim-client-secret"
DEFAULT_MANAGEMENT_TOKEN = "sim-management-token"
DEFAULT_USER_ID = "5e1b9a4c-7d2f-4c3e-9b8a-1f0e2d3c4b5a"
# V3 API credentials (Dashboard -> API Credentials): distinct from the Connect client id, which
# is the Application ID (SMARTCAR_V3.md section 2.2).
DEFAULT_API_CLIENT_ID = "client_sim-api-client"
DEFAULT_API_CLIENT_SECRET = "sec_sim-api-secret"

# Where sources disagree, one switch per conflict picks the variant (SMARTCAR_V3.md section 6).
IAM_CREDENTIALS = ("any", "form", "json", "basic")
CONNECT_REDIRECTS = ("code+user_id", "user_id", "code")
V3_USER_TOKENS = ("accept", "reject")
V2_RETIRED = ("off", "version", "gone")
VEHICLE_ENVELOPES = ("auto", "data", "bare")
SIGNAL_TIMESTAMPS = ("epoch_ms", "iso")
SIGNALS_PAGE_META = ("page", "pageNumber")

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
    # --- V3 (SMARTCAR_V3.md) ---
    api_client_id: str = DEFAULT_API_CLIENT_ID
    api_client_secret: str = DEFAULT_API_CLIENT_SECRET
    # Application tokens from POST /oauth2/token: 1 h, no refresh token.
    application_token_lifetime: float = 3600.0
    # How the token request may carry the API credentials: every documented variant, or one.
    iam_credentials: str = "any"
    # What Connect's redirect carries on approval.
    connect_redirect: str = "code+user_id"
    # Whether per-user Connect tokens still work on /v3 (section 1.2: disputed).
    v3_user_tokens: str = "accept"
    # v2 switched off: 404 RESOURCE_NOT_FOUND:VERSION ("version") or 410 Gone ("gone").
    v2_retired: str = "off"
    # GET /v3/vehicles/{id}: {data:{...}} (docs), bare resource (pre-launch SDK), or
    # "auto" = data for application tokens, bare for per-user tokens.
    vehicle_envelope: str = "auto"
    signal_timestamps: str = "epoch_ms"
    signals_page_meta: str = "page"
    # The v3 signal store refreshes from the car this often unless the car is subscribed to a
    # webhook ("typically updated once every 24 hours"); None = every read sees the car now.
    signal_refresh_seconds: float | None = None
    # 3P reading: the store is empty until the car was subscribed to a webhook.
    signal_store_needs_subscription: bool = False
    # The application's request bucket (RATE_LIMIT:SMARTCAR_API, 120 refilling 2/min);
    # None = no limit (the default: benchmarks replay months in an instant; ``--v3`` sets 120).
    app_rate_limit: int | None = None
    app_rate_refill_per_minute: float = 2.0
    # How long a v3 command takes in the car; above long_running_after it answers 202.
    command_duration_seconds: float = 2.0
    long_running_after: float = 175.0
    # JSON file the state is kept in across restarts (None = memory only).
    state_file: str | None = None

    def v3_profile(self) -> SimulatorConfig:
        """The V3 platform as the newest Smartcar docs describe it (``--v3``)."""
        return dataclasses.replace(
            self,
            v3_user_tokens="reject",
            vehicle_envelope="data",
            signal_refresh_seconds=86400.0,
            app_rate_limit=120,
        )

    def __post_init__(self) -> None:
        for name, allowed in (
            ("iam_credentials", IAM_CREDENTIALS),
            ("connect_redirect", CONNECT_REDIRECTS),
            ("v3_user_tokens", V3_USER_TOKENS),
            ("v2_retired", V2_RETIRED),
            ("vehicle_envelope", VEHICLE_ENVELOPES),
            ("signal_timestamps", SIGNAL_TIMESTAMPS),
            ("signals_page_meta", SIGNALS_PAGE_META),
        ):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}")

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


def _optional_float(raw: str) -> float | None:
    return None if raw.lower() in {"none", "off", "live"} else float(raw)


def _flag(raw: str) -> bool:
    return raw.lower() in {"1", "true", "yes", "on"}


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
    "api_client_id": str,
    "api_client_secret": str,
    "application_token_lifetime": float,
    "iam_credentials": str,
    "connect_redirect": str,
    "v3_user_tokens": str,
    "v2_retired": str,
    "vehicle_envelope": str,
    "signal_timestamps": str,
    "signals_page_meta": str,
    "signal_refresh_seconds": _optional_float,
    "signal_store_needs_subscription": _flag,
    "app_rate_limit": _optional_int,
    "app_rate_refill_per_minute": float,
    "command_duration_seconds": float,
    "long_running_after": float,
    "state_file": str,
}
