"""A tiny OpenID Connect provider for the staff OIDC tests: discovery, a login form,
authorization code with PKCE (S256), a signed ID token carrying `acr`/`amr`, userinfo and
JWKS, over real HTTP on a loopback port. (The suite's full provider for families is the
npm `oidc-provider`; this one only needs what a staff IdP does.)"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Account:
    password: str
    claims: dict[str, Any]


@dataclass
class OidcOp:
    client_id: str = "samverkan"
    client_secret: str = "hemlig-klient"
    accounts: dict[str, Account] = field(default_factory=dict)
    audience_override: str | None = None  # the next ID token is for another client

    def start(self) -> OidcOp:
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._server = make_server("127.0.0.1", 0, self._app, server_class=WSGIServer, handler_class=_Quiet)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        self._pending: dict[str, dict[str, str]] = {}
        self._codes: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, dict[str, Any]] = {}
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _json(self, start_response: Any, data: Any, status: str = "200 OK") -> list[bytes]:
        body = json.dumps(data).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def _app(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ["REQUEST_METHOD"]
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        form: dict[str, str] = {}
        if method == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = {k: v[0] for k, v in parse_qs(environ["wsgi.input"].read(length).decode()).items()}
        if path == "/.well-known/openid-configuration":
            return self._json(
                start_response,
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/auth",
                    "token_endpoint": f"{self.issuer}/token",
                    "userinfo_endpoint": f"{self.issuer}/userinfo",
                    "jwks_uri": f"{self.issuer}/jwks",
                    "response_types_supported": ["code"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                    "code_challenge_methods_supported": ["S256"],
                    "acr_values_supported": ["http://id.elegnamnden.se/loa/1.0/loa3"],
                },
            )
        if path == "/jwks":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._key.public_key()))
            return self._json(start_response, {"keys": [public | {"kid": "k1", "use": "sig", "alg": "RS256"}]})
        if path == "/auth" and method == "GET":
            if query.get("client_id") != self.client_id or query.get("code_challenge_method") != "S256":
                return self._json(start_response, {"error": "invalid_request"}, "400 Bad Request")
            key = secrets.token_urlsafe(12)
            self._pending[key] = query
            page = (
                '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Test-OP</title></head><body>'
                f'<form method="post" action="/login"><input type="hidden" name="key" value="{key}">'
                '<label for="u">Användarnamn</label><input id="u" name="username">'
                '<label for="p">Lösenord</label><input id="p" name="password" type="password">'
                "<button>Logga in</button></form></body></html>"
            ).encode()
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [page]
        if path == "/login" and method == "POST":
            request = self._pending.pop(form.get("key", ""), None)
            account = self.accounts.get(form.get("username", ""))
            if request is None or account is None or account.password != form.get("password"):
                start_response("401 Unauthorized", [("Content-Type", "text/plain")])
                return [b"fel"]
            code = secrets.token_urlsafe(16)
            self._codes[code] = {"request": request, "claims": account.claims}
            target = request["redirect_uri"] + "?" + urlencode({"code": code, "state": request.get("state", "")})
            start_response("302 Found", [("Location", target)])
            return [b""]
        if path == "/token" and method == "POST":
            return self._token(start_response, form, environ)
        if path == "/userinfo":
            token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            if token not in self._tokens:
                return self._json(start_response, {"error": "invalid_token"}, "401 Unauthorized")
            claims = self._tokens[token]
            return self._json(start_response, {k: v for k, v in claims.items() if k not in {"acr", "amr"}})
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [html.escape(path).encode()]

    def _token(self, start_response: Any, form: dict[str, str], environ: dict[str, Any]) -> list[bytes]:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        basic = environ.get("HTTP_AUTHORIZATION", "")
        if basic.startswith("Basic "):
            client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return self._json(start_response, {"error": "invalid_client"}, "401 Unauthorized")
        grant = self._codes.pop(form.get("code", ""), None)
        if grant is None or form.get("redirect_uri") != grant["request"]["redirect_uri"]:
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant["request"].get("code_challenge"):
            return self._json(start_response, {"error": "invalid_grant"}, "400 Bad Request")
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience_override or self.client_id, "iat": now, "exp": now + 300}
        self.audience_override = None
        if grant["request"].get("nonce"):
            claims["nonce"] = grant["request"]["nonce"]
        claims |= grant["claims"]
        access = secrets.token_urlsafe(16)
        self._tokens[access] = grant["claims"]
        id_token = jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": "k1"})
        return self._json(
            start_response, {"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": id_token}
        )

    def redirect_path(self, location: str) -> str:
        parts = urlsplit(location)
        return parts.path + ("?" + parts.query if parts.query else "")
