"""Smartcar Connect (``/oauth/authorize``) and the token endpoint (``POST /oauth/token``).

Connect:

- ``GET /oauth/authorize?response_type=code&client_id&redirect_uri&scope&state&mode&approval_prompt
  &single_select&single_select_vin&make&flags&user&country`` renders a consent page listing the
  simulated cars (filtered by ``make`` / ``single_select_vin``) with Approve and Deny.
- An unknown ``client_id``, a ``redirect_uri`` that is not allowed (with no configured list, any
  ``http``/``https`` URI is allowed), ``response_type`` other than ``code`` (or the re-auth
  page's ``vehicle_id`` / ``none``: no code, ``user_id`` (+ ``vehicle_id``) on the redirect;
  ``none`` without ``redirect_uri`` ends on a completion page) or an empty/invalid
  ``scope`` render an error page (400), never a redirect.
- ``GET|POST /oauth/authorize/approve`` (same parameters, plus the cars picked: repeated
  ``vehicle=<id>`` or ``vehicle_<id>=<id>`` fields as the page's checkboxes send them; none picked:
  every offered car, or the first with ``single_select=true``) redirects (302) to
  ``redirect_uri?code=…&user_id=…&state=…`` (``connect_redirect`` switch: ``code+user_id``
  (default, [S4] and the 2026-06 live report), ``user_id`` only (newest docs [S8]), ``code``
  only (older builds); ``external_id`` is echoed when sent); ``GET|POST /oauth/authorize/deny`` redirects to
  ``?error=access_denied&error_description=…&state=…``. A forced Connect error (control API) makes
  approve redirect with that error instead; no offered car gives ``no_vehicles``.

Token endpoint: form-encoded, client credentials only in an HTTP Basic ``Authorization`` header
(a secret in the body without Basic is ``401 invalid_client``), ``grant_type=authorization_code``
or ``refresh_token``; errors are ``{error, error_description}``.
"""

import base64
import binascii
from dataclasses import dataclass
import hmac
import html
import re
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDict, MultiMapping
from yarl import URL

from .keys import SIMULATOR
from .state import Simulator
from .tokens import OAuthError

_PERMISSION = re.compile(r"^(read|control)_[a-z_]+$")
# "code" (every build); "vehicle_id" and "none" (the newest re-auth page [S9b]).
RESPONSE_TYPES = ("code", "vehicle_id", "none")
_MODES = frozenset({"live", "simulated", "test"})
_PASSED_ON = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "mode",
    "approval_prompt",
    "single_select",
    "single_select_vin",
    "make",
    "flags",
    "user",
    "country",
    "external_id",
)


class ConnectError(Exception):
    """A request Connect cannot even redirect back for: shown as an error page."""


@dataclass(frozen=True, kw_only=True)
class AuthorizeRequest:
    """A validated Connect request."""

    redirect_uri: str
    scope: tuple[str, ...]
    state: str | None
    mode: str
    single_select: bool
    single_select_vin: str | None
    make: str | None
    params: dict[str, str]
    response_type: str = "code"


def _redirect_allowed(sim: Simulator, redirect_uri: str) -> bool:
    if sim.config.redirect_uris:
        return redirect_uri in sim.config.redirect_uris
    url = URL(redirect_uri)
    return url.scheme in {"http", "https"} and bool(url.host)


def parse_authorize(sim: Simulator, query: MultiMapping[str]) -> AuthorizeRequest:
    """Validate Connect parameters; ConnectError for anything that cannot redirect."""
    if query.get("client_id") != sim.config.client_id:
        raise ConnectError("Unknown client_id.")
    response_type = query.get("response_type")
    if response_type not in RESPONSE_TYPES:
        raise ConnectError("response_type must be 'code' (or vehicle_id / none).")
    redirect_uri = query.get("redirect_uri", "")
    # With response_type=none the flow may end on Smartcar's own page (re-auth docs [S9b]).
    optional = response_type == "none" and not redirect_uri
    if not optional and (not redirect_uri or not _redirect_allowed(sim, redirect_uri)):
        raise ConnectError("This redirect_uri is not registered for the application.")
    scope = tuple(
        item.removeprefix("required:") for item in query.get("scope", "").split()
    )
    if not scope or not all(_PERMISSION.match(item) for item in scope):
        raise ConnectError("scope must be a space-separated list of permissions.")
    mode = query.get("mode", "live")
    if mode not in _MODES:
        raise ConnectError("mode must be live, simulated or test.")
    if query.get("approval_prompt", "auto") not in {"auto", "force"}:
        raise ConnectError("approval_prompt must be auto or force.")
    return AuthorizeRequest(
        redirect_uri=redirect_uri,
        scope=tuple(dict.fromkeys(scope)),
        state=query.get("state"),
        mode=mode,
        single_select=query.get("single_select", "").lower() == "true",
        single_select_vin=query.get("single_select_vin"),
        make=query.get("make"),
        params={name: query[name] for name in _PASSED_ON if name in query},
        response_type=str(response_type),
    )


def offered_vehicles(sim: Simulator, connect: AuthorizeRequest) -> list[str]:
    """The cars the user can pick on the consent screen."""
    vehicles = list(sim.fleet.values())
    if connect.make:
        vehicles = [v for v in vehicles if v.make.lower() == connect.make.lower()]
    if connect.single_select_vin:
        vehicles = [v for v in vehicles if v.vin == connect.single_select_vin]
    return [v.vehicle_id for v in vehicles]


def field_name(vehicle_id: str, connect: AuthorizeRequest) -> str:
    """Form field of a car: one per car (``vehicle_<id>``), or ``vehicle`` for a radio group."""
    return "vehicle" if connect.single_select else f"vehicle_{vehicle_id}"


def selected_vehicles(params: MultiMapping[str]) -> list[str]:
    """Cars picked on the form: ``vehicle=<id>`` (repeatable) and ``vehicle_<id>=<id>`` fields."""
    picked = list(params.getall("vehicle", []))
    picked += [
        key.removeprefix("vehicle_") for key in params if key.startswith("vehicle_")
    ]
    return list(dict.fromkeys(picked))


def _redirect(connect: AuthorizeRequest, values: dict[str, str]) -> web.HTTPException:
    if connect.state is not None:
        values["state"] = connect.state
    if not connect.redirect_uri:
        # response_type=none without a redirect_uri: the outcome stays on Connect's page.
        return web.HTTPOk(
            text=f"<!doctype html><p id='outcome'>{html.escape(urlencode(values))}</p>",
            content_type="text/html",
        )
    return web.HTTPFound(str(URL(connect.redirect_uri).update_query(values)))


def _error_page(message: str) -> web.Response:
    body = (
        "<!doctype html><html><head><title>Smartcar Connect (simulator) - error</title></head>"
        f"<body><h1>Something went wrong</h1><p id='error'>{html.escape(message)}</p></body></html>"
    )
    return web.Response(text=body, status=400, content_type="text/html")


async def _parameters(request: web.Request) -> MultiMapping[str]:
    if request.method == "POST":
        form = await request.post()
        return _strings(form)
    return request.query


def _strings(form: MultiMapping[Any]) -> MultiMapping[str]:
    return MultiDict(
        (key, value) for key, value in form.items() if isinstance(value, str)
    )


async def authorize(request: web.Request) -> web.Response:
    """The consent page."""
    sim = request.app[SIMULATOR]
    try:
        connect = parse_authorize(sim, request.query)
    except ConnectError as error:
        return _error_page(str(error))
    vehicles = offered_vehicles(sim, connect)
    query = urlencode(connect.params)
    kind = "radio" if connect.single_select else "checkbox"
    rows = "".join(
        f"<li><label><input type='{kind}' name='{field_name(vid, connect)}' value='{vid}'"
        f"{' checked' if index == 0 or not connect.single_select else ''}> "
        f"{html.escape(sim.fleet[vid].make)} {html.escape(sim.fleet[vid].model)} "
        f"{sim.fleet[vid].year}</label></li>"
        for index, vid in enumerate(vehicles)
    )
    hidden = "".join(
        f"<input type='hidden' name='{html.escape(name)}' value='{html.escape(value)}'>"
        for name, value in connect.params.items()
    )
    permissions = "".join(f"<li>{html.escape(item)}</li>" for item in connect.scope)
    body = f"""<!doctype html>
<html><head><title>Smartcar Connect (simulator)</title></head>
<body>
<h1>Connect your vehicles</h1>
<p>The application asks for:</p><ul id="permissions">{permissions}</ul>
<form id="approve" method="post" action="/oauth/authorize/approve">
{hidden}
<ul id="vehicles">{rows or "<li>No compatible vehicles</li>"}</ul>
<button type="submit" name="action" value="approve">Approve</button>
</form>
<form id="deny" method="post" action="/oauth/authorize/deny">
{hidden}
<button type="submit" name="action" value="deny">Deny</button>
</form>
<p><a id="approve-link" href="/oauth/authorize/approve?{html.escape(query)}">Approve (link)</a>
<a id="deny-link" href="/oauth/authorize/deny?{html.escape(query)}">Deny (link)</a></p>
</body></html>"""
    return web.Response(text=body, content_type="text/html")


async def approve(request: web.Request) -> web.Response:
    """The user approved: redirect with a code (or a forced Connect error)."""
    sim = request.app[SIMULATOR]
    params = await _parameters(request)
    try:
        connect = parse_authorize(sim, params)
    except ConnectError as error:
        return _error_page(str(error))
    forced = sim.take_connect_fault()
    if forced is not None:
        raise _redirect(
            connect, {"error": forced.error, "error_description": forced.description}
        )
    offered = offered_vehicles(sim, connect)
    chosen = [vid for vid in selected_vehicles(params) if vid in offered] or offered
    if connect.single_select:
        chosen = chosen[:1]
    if not chosen:
        raise _redirect(
            connect,
            {
                "error": "no_vehicles",
                "error_description": "No compatible vehicles were found for this account.",
            },
        )
    external_id = connect.params.get("external_id")
    grant = sim.tokens.create_grant(
        user_id=sim.config.user_id,
        vehicle_ids=chosen,
        scope=connect.scope,
        mode=connect.mode,
        now=sim.now(),
        external_id=external_id,
    )
    values: dict[str, str] = {}
    variant = sim.config.connect_redirect
    if connect.response_type != "code":
        # Re-auth style: no code; the user (and the car, for vehicle_id) come back.
        values["user_id"] = grant.user_id
        if connect.response_type == "vehicle_id":
            values["vehicle_id"] = chosen[0]
        if external_id is not None:
            values["external_id"] = external_id
        if not connect.redirect_uri:
            return _completion_page()
        raise _redirect(connect, values)
    if variant in {"code+user_id", "code"}:
        values["code"] = sim.tokens.issue_code(grant, connect.redirect_uri, sim.now())
    if variant in {"code+user_id", "user_id"}:
        values["user_id"] = grant.user_id
        if external_id is not None:
            values["external_id"] = external_id
    raise _redirect(connect, values)


def _completion_page() -> web.Response:
    body = (
        "<!doctype html><html><head><title>Smartcar Connect (simulator)</title></head>"
        "<body><h1 id='done'>Your vehicle is connected.</h1>"
        "<p>You can close this page.</p></body></html>"
    )
    return web.Response(text=body, content_type="text/html")


async def deny(request: web.Request) -> web.Response:
    """The user denied access."""
    sim = request.app[SIMULATOR]
    try:
        connect = parse_authorize(sim, await _parameters(request))
    except ConnectError as error:
        return _error_page(str(error))
    raise _redirect(
        connect,
        {
            "error": "access_denied",
            "error_description": "User denied access to the requested scope of permissions.",
        },
    )


# Token endpoint.


def _oauth_error(error: OAuthError) -> web.Response:
    headers = {"Cache-Control": "no-store"}
    if error.error == "invalid_client":
        headers["WWW-Authenticate"] = 'Basic realm="Smartcar"'
    return web.json_response(
        {"error": error.error, "error_description": error.description},
        status=error.status,
        headers=headers,
    )


def _check_client(sim: Simulator, header: str | None, form: MultiMapping[Any]) -> None:
    if not header or not header.startswith("Basic "):
        if "client_secret" in form:
            raise OAuthError(
                "invalid_client",
                "Client credentials must be sent in an HTTP Basic Authorization header.",
                401,
            )
        raise OAuthError("invalid_client", "Missing client credentials.", 401)
    try:
        decoded = base64.b64decode(
            header.removeprefix("Basic ").strip(), validate=True
        ).decode()
    except binascii.Error, UnicodeDecodeError:
        raise OAuthError(
            "invalid_client", "Malformed Basic credentials.", 401
        ) from None
    client_id, _, secret = decoded.partition(":")
    id_ok = hmac.compare_digest(client_id.encode(), sim.config.client_id.encode())
    secret_ok = hmac.compare_digest(secret.encode(), sim.config.client_secret.encode())
    if not (id_ok and secret_ok):
        raise OAuthError("invalid_client", "Invalid client credentials.", 401)


async def token(request: web.Request) -> web.Response:
    """``POST /oauth/token``."""
    sim = request.app[SIMULATOR]
    fault = sim.take_token_endpoint_fault()
    if fault is not None:
        headers = (
            {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        )
        return web.json_response(
            {
                "error": "server_error",
                "error_description": "Simulated token endpoint failure.",
            },
            status=fault.status,
            headers=headers,
        )
    form = await request.post()
    try:
        _check_client(sim, request.headers.get("Authorization"), form)
        pair = _grant(sim, form)
    except OAuthError as error:
        return _oauth_error(error)
    return web.json_response(
        pair, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
    )


def _grant(sim: Simulator, form: MultiMapping[Any]) -> dict[str, Any]:
    grant_type = form.get("grant_type")
    now = sim.now()
    if grant_type == "authorization_code":
        code = form.get("code")
        if not isinstance(code, str) or not code:
            raise OAuthError("invalid_request", "code is required.")
        redirect_uri = form.get("redirect_uri")
        pair = sim.tokens.exchange_code(
            code, redirect_uri if isinstance(redirect_uri, str) else None, now
        )
    elif grant_type == "refresh_token":
        refresh_token = form.get("refresh_token")
        if not isinstance(refresh_token, str) or not refresh_token:
            raise OAuthError("invalid_request", "refresh_token is required.")
        pair = sim.tokens.refresh(refresh_token, now)
    else:
        raise OAuthError(
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token.",
        )
    return pair.as_json(now)


# IAM token endpoint (V3 application tokens).


async def _iam_request(
    request: web.Request,
) -> tuple[str, dict[str, str]]:
    """How the credentials came (``form``, ``json`` or ``basic``) and the fields sent."""
    content_type = request.content_type
    fields: dict[str, str] = {}
    if content_type == "application/json":
        try:
            data = await request.json()
        except ValueError:
            raise OAuthError("invalid_request", "The body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise OAuthError("invalid_request", "The body must be a JSON object.")
        fields = {k: v for k, v in data.items() if isinstance(v, str)}
        kind = "json"
    else:
        form = await request.post()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        kind = "form"
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(
                header.removeprefix("Basic ").strip(), validate=True
            ).decode()
        except binascii.Error, UnicodeDecodeError:
            raise OAuthError(
                "invalid_client", "Malformed Basic credentials.", 401
            ) from None
        client_id, _, secret = decoded.partition(":")
        fields = {**fields, "client_id": client_id, "client_secret": secret}
        kind = "basic"
    return kind, fields


def _record_iam(sim: Simulator, status: int) -> None:
    """The token request in the ledger (V3 generation, never billed)."""
    sim.ledger.record(
        vehicle_id=None,
        at=sim.now(),
        api="v3-iam",
        method="POST",
        path="/oauth2/token",
        status=status,
        billable=False,
    )


def _check_api_credentials(sim: Simulator, kind: str, fields: dict[str, str]) -> None:
    allowed = sim.config.iam_credentials
    if allowed not in {"any", kind}:
        raise OAuthError(
            "invalid_client",
            f"This token endpoint takes the credentials as {allowed} only.",
            401,
        )
    grant_type = fields.get("grant_type")
    if not grant_type:
        raise OAuthError("invalid_request", "grant_type is required.")
    if grant_type != "client_credentials":
        raise OAuthError(
            "unsupported_grant_type", "grant_type must be client_credentials."
        )
    client_id = fields.get("client_id", "")
    secret = fields.get("client_secret", "")
    if not client_id or not secret:
        raise OAuthError("invalid_request", "client_id and client_secret are required.")
    id_ok = hmac.compare_digest(client_id.encode(), sim.config.api_client_id.encode())
    secret_ok = hmac.compare_digest(
        secret.encode(), sim.config.api_client_secret.encode()
    )
    if not (id_ok and secret_ok):
        raise OAuthError("invalid_client", "Invalid client_id or client_secret", 401)


async def application_token(request: web.Request) -> web.Response:
    """``POST /oauth2/token`` (iam.smartcar.com): the client-credentials grant.

    The API credentials (``client_…``/``sec_…``) may come as form fields, a JSON body or an HTTP
    Basic header (``iam_credentials`` = ``any``), or only one of these. Answers
    ``{access_token, token_type:"Bearer", expires_in:3600}``: one token for the application,
    no refresh token.
    """
    sim = request.app[SIMULATOR]
    fault = sim.take_token_endpoint_fault()
    if fault is not None:
        headers = (
            {} if fault.retry_after is None else {"Retry-After": str(fault.retry_after)}
        )
        return web.json_response(
            {
                "error": "server_error",
                "error_description": "Simulated token endpoint failure.",
            },
            status=fault.status,
            headers=headers,
        )
    try:
        kind, fields = await _iam_request(request)
        _check_api_credentials(sim, kind, fields)
    except OAuthError as error:
        _record_iam(sim, error.status)
        return _oauth_error(error)
    _record_iam(sim, 200)
    lifetime = sim.config.application_token_lifetime
    token = sim.tokens.issue_application_token(sim.now(), lifetime)
    return web.json_response(
        {"access_token": token, "token_type": "Bearer", "expires_in": round(lifetime)},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )
