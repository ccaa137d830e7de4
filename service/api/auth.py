"""Who is calling: Bearer JWTs verified against a JWKS (Clerk-style), or dev tokens when asked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx
import jwt

from service.api.jwks import JwksCache, JwksUnavailable
from service.clock import Clock
from service.config.settings import AuthMode, Settings
from service.errors import NotAuthenticated
from service.logs import get_logger

log = get_logger("service.api.auth")

ALGORITHMS = ["RS256", "ES256"]
LEEWAY_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: str
    is_admin: bool


class Authenticator(Protocol):
    async def authenticate(self, authorization: str | None) -> Principal: ...


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise NotAuthenticated("missing Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("Authorization must be 'Bearer <token>'")
    return token.strip()


class DevAuthenticator:
    """`Bearer dev:<userId>`: for local development only, never on unless configured."""

    def __init__(self, admins: frozenset[str]) -> None:
        self._admins = admins

    async def authenticate(self, authorization: str | None) -> Principal:
        token = _bearer(authorization)
        prefix, _, user_id = token.partition(":")
        if prefix != "dev" or not user_id.strip():
            raise NotAuthenticated("dev mode expects 'Bearer dev:<userId>'")
        user_id = user_id.strip()
        return Principal(user_id, user_id in self._admins)


class JwtAuthenticator:
    """RS256/ES256 JWTs whose `sub` is the user id, checked for issuer, expiry and audience."""

    def __init__(
        self, jwks: JwksCache, *, issuer: str, audience: str | None, admins: frozenset[str]
    ) -> None:
        self._jwks = jwks
        self._issuer = issuer
        self._audience = audience
        self._admins = admins

    async def authenticate(self, authorization: str | None) -> Principal:
        token = _bearer(authorization)
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise NotAuthenticated("malformed token") from None
        kid = header.get("kid")
        if header.get("alg") not in ALGORITHMS or not isinstance(kid, str):
            raise NotAuthenticated("token must be RS256 or ES256 signed with a key id")
        try:
            key = await self._jwks.key(kid)
        except JwksUnavailable:
            raise NotAuthenticated("cannot verify tokens right now (key set unavailable)") from None
        if key is None:
            raise NotAuthenticated("token signed with an unknown key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                issuer=self._issuer,
                audience=self._audience,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "sub", "iss"], "verify_aud": bool(self._audience)},
            )
        except jwt.ExpiredSignatureError:
            raise NotAuthenticated("token expired") from None
        except jwt.PyJWTError as error:
            raise NotAuthenticated(f"invalid token: {error}") from None
        user_id = claims.get("sub")
        if not isinstance(user_id, str) or not user_id:
            raise NotAuthenticated("token has no subject")
        return Principal(user_id, user_id in self._admins)


def build_authenticator(settings: Settings, http: httpx.AsyncClient, clock: Clock) -> Authenticator:
    if settings.auth_mode is AuthMode.DEV:
        log.warning(
            "dev_auth_enabled",
            note="AUTH_MODE=dev: any 'Bearer dev:<userId>' is trusted; never use in production",
        )
        return DevAuthenticator(settings.admin_user_ids)
    # Settings refuses AUTH_MODE=jwt without both.
    assert settings.auth_jwks_url is not None
    assert settings.auth_issuer is not None
    return JwtAuthenticator(
        JwksCache(http, settings.auth_jwks_url, clock),
        issuer=settings.auth_issuer,
        audience=settings.auth_audience,
        admins=settings.admin_user_ids,
    )
