"""Where Smartcar lives (`Origins`), and Basic auth.

The SDKs' environment variables move an origin only to this machine (the simulator): a variable
pointing anywhere else is ignored, so nothing in a production install's environment can send its
client secret or tokens to another host.
"""

import base64
from collections.abc import Mapping
from dataclasses import dataclass
import ipaddress
import logging
import os
from urllib.parse import urlsplit

_LOGGER = logging.getLogger(__name__)


def is_loopback(origin: str) -> bool:
    """Return whether an origin is on this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(origin).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def basic_auth_header(username: str, password: str) -> str:
    """Build `Basic base64(username:password)` (client credentials, or `default:<token>`)."""
    credentials = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(credentials).decode("ascii")


@dataclass(frozen=True, slots=True, kw_only=True)
class Origins:
    """Where Smartcar lives; each can be moved with the SDKs' environment variables."""

    api: str = "https://api.smartcar.com"
    api_v3: str = "https://vehicle.api.smartcar.com"
    auth: str = "https://auth.smartcar.com"
    connect: str = "https://connect.smartcar.com"
    management: str = "https://management.smartcar.com"
    # V3 (SMARTCAR_V3.md §2.1, §3): the application-token endpoint and the v3 Management API.
    iam: str = "https://iam.smartcar.com"
    management_v3: str = "https://management.api.smartcar.com"

    @classmethod
    def from_environment(
        cls, environ: os._Environ[str] | dict[str, str] | None = None
    ) -> Origins:
        """Read the origins from the environment (the SDKs' variable names).

        SMARTCAR_API_ORIGIN, SMARTCAR_API_V3_ORIGIN, SMARTCAR_AUTH_ORIGIN, SMARTCAR_CONNECT_ORIGIN
        and SMARTCAR_MANAGEMENT_API_ORIGIN; the SDKs predate V3, so SMARTCAR_IAM_ORIGIN and
        SMARTCAR_MANAGEMENT_API_V3_ORIGIN are this client's own names. Trailing slashes are
        dropped, unset or empty means the default.
        """
        source: Mapping[str, str] = os.environ if environ is None else environ
        defaults = cls()

        def pick(name: str, default: str) -> str:
            value = (source.get(name) or "").strip().rstrip("/")
            if value and not is_loopback(value):
                # Only a simulator on this machine: no variable sends credentials elsewhere.
                _LOGGER.warning("%s is not on this machine; using Smartcar's", name)
                return default
            return value or default

        return cls(
            api=pick("SMARTCAR_API_ORIGIN", defaults.api),
            api_v3=pick("SMARTCAR_API_V3_ORIGIN", defaults.api_v3),
            auth=pick("SMARTCAR_AUTH_ORIGIN", defaults.auth),
            connect=pick("SMARTCAR_CONNECT_ORIGIN", defaults.connect),
            management=pick("SMARTCAR_MANAGEMENT_API_ORIGIN", defaults.management),
            iam=pick("SMARTCAR_IAM_ORIGIN", defaults.iam),
            management_v3=pick(
                "SMARTCAR_MANAGEMENT_API_V3_ORIGIN", defaults.management_v3
            ),
        )

    @property
    def authorize_url(self) -> str:
        """Connect's authorize page."""
        return f"{self.connect}/oauth/authorize"

    @property
    def token_url(self) -> str:
        """The OAuth token endpoint."""
        return f"{self.auth}/oauth/token"

    @property
    def application_token_url(self) -> str:
        """The V3 client-credentials endpoint (application tokens, 1 h, no refresh)."""
        return f"{self.iam}/oauth2/token"
