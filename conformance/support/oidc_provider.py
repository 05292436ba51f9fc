"""A real OpenID Connect provider for openid-connect tests: oidc-provider-mock's (PyPI),
served on 127.0.0.1 and a free port from a thread, with discovery, JWKS, the authorization
code flow and token endpoint it ships, plus an RFC 7662 introspection endpoint
(`/oauth2/introspect`, client_secret_basic) that asks the provider's own userinfo endpoint
whether an access token is live.

    with OidcProvider("client", "secret") as provider:
        tokens = provider.login("alice")      # {"access_token": ..., "id_token": ...}
"""

from __future__ import annotations

import base64
import warnings
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .loopback_http import LoopbackHttpServer

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # authlib deprecation notices, on import
    import flask
    import oidc_provider_mock

REDIRECT_URI = "http://127.0.0.1/callback"


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class OidcProvider(LoopbackHttpServer):
    def __init__(
        self, client_id: str, client_secret: str, *, require_registration: bool = False
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        # only clients registered by RFC 7591 (`registration_endpoint`) may log users in
        self.require_registration = require_registration
        self.introspections = 0

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def discovery(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def introspection_endpoint(self) -> str:
        return self.issuer + "/oauth2/introspect"

    def _app(self) -> flask.Flask:
        app = oidc_provider_mock.app(require_client_registration=self.require_registration)
        expected = (
            "Basic " + base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        )

        def introspect() -> Any:
            self.introspections += 1
            if flask.request.headers.get("Authorization") != expected:
                return flask.jsonify({"error": "invalid_client"}), 401
            token = flask.request.form.get("token", "")
            userinfo = app.test_client().get(
                "/userinfo", headers={"Authorization": f"Bearer {token}"}
            )
            if userinfo.status_code != 200:
                return flask.jsonify({"active": False})
            claims = userinfo.get_json()
            return flask.jsonify({"active": True, "client_id": self.client_id, **claims})

        app.add_url_rule("/oauth2/introspect", "introspect", introspect, methods=["POST"])
        return app

    def make_server(self, port: int) -> BaseWSGIServer:
        return make_server(
            "127.0.0.1", port, self._app(), threaded=True, request_handler=_QuietHandler
        )

    def login(self, subject: str, client: tuple[str, str] | None = None) -> dict[str, Any]:
        """The tokens the provider issues to this client (or `client`: id, secret) for
        `subject` (authorization code flow: the user consents, the client redeems the code)."""
        client_id, client_secret = client or (self.client_id, self.client_secret)
        with httpx.Client(base_url=self.issuer, timeout=10) as http:
            consent = http.post(
                "/oauth2/authorize",
                params={
                    "client_id": client_id,
                    "redirect_uri": REDIRECT_URI,
                    "response_type": "code",
                    "scope": "openid email",
                },
                data={"sub": subject},
            )
            assert consent.status_code == 302, consent.text
            code = parse_qs(urlsplit(consent.headers["location"]).query)["code"][0]
            tokens = http.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT_URI,
                },
                auth=(client_id, client_secret),
            )
            assert tokens.status_code == 200, tokens.text
            return tokens.json()
