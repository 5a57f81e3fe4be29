"""Grants, authorization codes, access and refresh tokens, and connections.

- An authorization code is single-use and expires (10 min); the ``redirect_uri`` of the token
  request must equal the one used at authorize.
- Access tokens expire (2 h). Refresh tokens live 60 days and rotate: every refresh issues a new
  pair; the refresh token used keeps working only for ``refresh_token_grace`` seconds after its
  first use, then ``invalid_grant``.
- The scope granted at authorize is bound to the grant, and so to every token issued from it.
- A connection is (user, vehicle); disconnecting removes the car from every grant of that user.
"""

from dataclasses import dataclass, field
import hashlib
from typing import Any
import uuid

from .clock import iso


class OAuthError(Exception):
    """A token endpoint error (``{error, error_description}``)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


@dataclass(kw_only=True)
class Grant:
    """What one Connect approval granted: a user, cars and a scope."""

    grant_id: str
    user_id: str
    vehicle_ids: list[str]
    scope: tuple[str, ...]
    mode: str
    created_at: float


@dataclass(kw_only=True)
class AuthorizationCode:
    code: str
    grant: Grant
    redirect_uri: str
    expires_at: float
    used: bool = False


@dataclass(kw_only=True)
class AccessToken:
    token: str
    grant: Grant
    expires_at: float
    revoked: bool = False


@dataclass(kw_only=True)
class RefreshToken:
    token: str
    grant: Grant
    expires_at: float
    first_used_at: float | None = None
    revoked: bool = False


@dataclass(kw_only=True)
class Connection:
    user_id: str
    vehicle_id: str
    connected_at: float
    mode: str
    connection_id: str = ""
    external_id: str | None = None
    updated_at: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "userId": self.user_id,
            "vehicleId": self.vehicle_id,
            "connectedAt": iso(self.connected_at),
            "mode": self.mode,
        }


@dataclass(kw_only=True)
class TokenPair:
    access: AccessToken
    refresh: RefreshToken

    def as_json(self, now: float) -> dict[str, Any]:
        return {
            "access_token": self.access.token,
            "token_type": "Bearer",
            "expires_in": round(self.access.expires_at - now),
            "refresh_token": self.refresh.token,
        }


@dataclass(kw_only=True)
class TokenLifetimes:
    access: float
    refresh: float
    grace: float
    code: float


@dataclass
class TokenStore:
    """Every grant, code, token and connection of one simulator."""

    lifetimes: TokenLifetimes
    seed: str
    grants: list[Grant] = field(default_factory=list)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    connections: dict[tuple[str, str], Connection] = field(default_factory=dict)
    # V3 application tokens (client credentials): token -> expiry.
    application_tokens: dict[str, float] = field(default_factory=dict)
    application_token_grants: int = 0
    code_exchanges: int = 0
    refreshes: int = 0
    _counter: int = 0

    def new_id(self, kind: str) -> str:
        """A deterministic, opaque, UUID-shaped identifier."""
        self._counter += 1
        digest = hashlib.sha256(f"{self.seed}:{kind}:{self._counter}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    # Grants and codes.

    def create_grant(
        self,
        *,
        user_id: str,
        vehicle_ids: list[str],
        scope: tuple[str, ...],
        mode: str,
        now: float,
        external_id: str | None = None,
    ) -> Grant:
        grant = Grant(
            grant_id=self.new_id("grant"),
            user_id=user_id,
            vehicle_ids=list(vehicle_ids),
            scope=scope,
            mode=mode,
            created_at=now,
        )
        self.grants.append(grant)
        for vehicle_id in vehicle_ids:
            existing = self.connections.get((user_id, vehicle_id))
            if existing is not None:
                existing.updated_at = now
                if external_id is not None:
                    existing.external_id = external_id
                continue
            self.connections[(user_id, vehicle_id)] = Connection(
                user_id=user_id,
                vehicle_id=vehicle_id,
                connected_at=now,
                mode=mode,
                connection_id=self.new_id("connection"),
                external_id=external_id,
            )
        return grant

    def scope_of(self, user_id: str, vehicle_id: str) -> tuple[str, ...]:
        """Permissions the user granted for a car (union over their Connect approvals)."""
        granted: dict[str, None] = {}
        for grant in self.grants:
            if grant.user_id == user_id and vehicle_id in grant.vehicle_ids:
                granted.update(dict.fromkeys(grant.scope))
        return tuple(granted)

    # Application tokens (V3).

    def issue_application_token(self, now: float, lifetime: float) -> str:
        token = self.new_id("application-token")
        self.application_tokens[token] = now + lifetime
        self.application_token_grants += 1
        return token

    def application_token_valid(self, token: str, now: float) -> bool:
        expires_at = self.application_tokens.get(token)
        return expires_at is not None and now < expires_at

    def issue_code(self, grant: Grant, redirect_uri: str, now: float) -> str:
        code = self.new_id("code")
        self.codes[code] = AuthorizationCode(
            code=code,
            grant=grant,
            redirect_uri=redirect_uri,
            expires_at=now + self.lifetimes.code,
        )
        return code

    def exchange_code(
        self, code: str, redirect_uri: str | None, now: float
    ) -> TokenPair:
        record = self.codes.get(code)
        if record is None:
            raise OAuthError("invalid_grant", "Invalid or unknown authorization code.")
        if record.used:
            raise OAuthError(
                "invalid_grant", "Authorization code has already been used."
            )
        if now >= record.expires_at:
            raise OAuthError("invalid_grant", "Authorization code has expired.")
        if redirect_uri != record.redirect_uri:
            raise OAuthError(
                "invalid_grant", "redirect_uri does not match the authorize request."
            )
        record.used = True
        self.code_exchanges += 1
        return self._issue_pair(record.grant, now)

    def refresh(self, token: str, now: float) -> TokenPair:
        record = self.refresh_tokens.get(token)
        if record is None or record.revoked:
            raise OAuthError("invalid_grant", "Invalid or revoked refresh token.")
        if now >= record.expires_at:
            raise OAuthError("invalid_grant", "Refresh token has expired.")
        if record.first_used_at is None:
            record.first_used_at = now
        elif now > record.first_used_at + self.lifetimes.grace:
            raise OAuthError("invalid_grant", "Refresh token has already been used.")
        self.refreshes += 1
        return self._issue_pair(record.grant, now)

    def _issue_pair(self, grant: Grant, now: float) -> TokenPair:
        access = AccessToken(
            token=self.new_id("access"),
            grant=grant,
            expires_at=now + self.lifetimes.access,
        )
        refresh = RefreshToken(
            token=self.new_id("refresh"),
            grant=grant,
            expires_at=now + self.lifetimes.refresh,
        )
        self.access_tokens[access.token] = access
        self.refresh_tokens[refresh.token] = refresh
        return TokenPair(access=access, refresh=refresh)

    # Access checks.

    def grant_for(self, token: str, now: float) -> Grant | None:
        """The grant behind a valid access token, else None."""
        record = self.access_tokens.get(token)
        if record is None or record.revoked or now >= record.expires_at:
            return None
        return record.grant

    def connected_vehicles(self, grant: Grant) -> list[str]:
        return [
            vehicle_id
            for vehicle_id in grant.vehicle_ids
            if (grant.user_id, vehicle_id) in self.connections
        ]

    # Control.

    def expire_access_tokens(self, now: float) -> int:
        count = 0
        for record in self.access_tokens.values():
            if record.expires_at > now:
                record.expires_at = now
                count += 1
        for token, expires_at in self.application_tokens.items():
            if expires_at > now:
                self.application_tokens[token] = now
                count += 1
        return count

    def revoke_all(self) -> None:
        for access in self.access_tokens.values():
            access.revoked = True
        for refresh in self.refresh_tokens.values():
            refresh.revoked = True
        self.application_tokens.clear()

    def disconnect(self, user_id: str, vehicle_id: str) -> Connection | None:
        connection = self.connections.pop((user_id, vehicle_id), None)
        for grant in self.grants:
            if grant.user_id == user_id and vehicle_id in grant.vehicle_ids:
                grant.vehicle_ids.remove(vehicle_id)
        return connection
