"""Authentication: Clerk-style JWTs verified against a JWKS served on loopback, and dev mode."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from freezegun import freeze_time
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from pytest_aiohttp import AiohttpServer

from service.api.auth import (
    LEEWAY_SECONDS,
    DevAuthenticator,
    JwtAuthenticator,
    Principal,
    build_authenticator,
)
from service.api.jwks import JwksCache
from service.clock import ManualClock
from service.config.settings import load_settings
from service.errors import NotAuthenticated
from service.store import Store
from tests.service.conftest import service_stack, settings_env

ISSUER = "https://clerk.example.test"


@dataclass
class Issuer:
    """Signs tokens with keys it publishes as a JWKS; `fetches` counts JWKS downloads."""

    url: str
    rsa_key: rsa.RSAPrivateKey
    ec_key: ec.EllipticCurvePrivateKey
    fetches: int = 0

    def token(self, *, alg: str = "RS256", kid: str | None = None, **claims: Any) -> str:
        now = int(time.time())  # PyJWT checks exp against the wall clock
        payload = {"sub": "user_2abc", "iss": ISSUER, "iat": now, "exp": now + 60, **claims}
        payload = {k: v for k, v in payload.items() if v is not None}
        key = self.rsa_key if alg == "RS256" else self.ec_key
        default_kid = "rsa-1" if alg == "RS256" else "ec-1"
        return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid or default_kid})


@dataclass(frozen=True)
class KeyRing:
    signing: rsa.RSAPrivateKey
    signing_ec: ec.EllipticCurvePrivateKey
    stranger: rsa.RSAPrivateKey  # a key the JWKS does not publish


@pytest.fixture(scope="module")
def keys() -> KeyRing:
    """Generated once per module: RSA key generation is the slow part of these tests."""
    return KeyRing(
        signing=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        signing_ec=ec.generate_private_key(ec.SECP256R1()),
        stranger=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


@pytest.fixture
async def issuer(keys: KeyRing, aiohttp_server: AiohttpServer) -> Issuer:
    rsa_key, ec_key = keys.signing, keys.signing_ec
    holder: list[Issuer] = []

    async def jwks(_: web.Request) -> web.Response:
        holder[0].fetches += 1
        keys = [
            {
                **RSAAlgorithm.to_jwk(rsa_key.public_key(), as_dict=True),
                "kid": "rsa-1",
                "alg": "RS256",
                "use": "sig",
            },
            {
                **ECAlgorithm.to_jwk(ec_key.public_key(), as_dict=True),
                "kid": "ec-1",
                "alg": "ES256",
                "use": "sig",
            },
        ]
        return web.json_response({"keys": keys})

    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", jwks)
    server = await aiohttp_server(app)
    holder.append(Issuer(str(server.make_url("/.well-known/jwks.json")), rsa_key, ec_key))
    return holder[0]


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def authenticator(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock, audience: str | None = None
) -> JwtAuthenticator:
    return JwtAuthenticator(
        JwksCache(http, issuer.url, clock),
        issuer=ISSUER,
        audience=audience,
        admins=frozenset({"user_admin"}),
    )


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
async def test_a_valid_token_names_the_user(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock, alg: str
) -> None:
    auth = authenticator(issuer, http, clock)

    principal = await auth.authenticate(f"Bearer {issuer.token(alg=alg)}")

    assert principal == Principal("user_2abc", is_admin=False)


async def test_admins_come_from_the_configured_ids(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    auth = authenticator(issuer, http, clock)
    principal = await auth.authenticate(f"Bearer {issuer.token(sub='user_admin')}")
    assert principal.is_admin


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "missing Authorization header"),
        ("Basic abc", "Authorization must be 'Bearer <token>'"),
        ("Bearer not-a-jwt", "malformed token"),
        ("Bearer dev:user-1", "malformed token"),
    ],
)
async def test_unusable_headers_are_refused(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock, header: str | None, message: str
) -> None:
    with pytest.raises(NotAuthenticated, match=message):
        await authenticator(issuer, http, clock).authenticate(header)


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"exp": 1_000_000}, "token expired"),
        ({"iss": "https://evil.example"}, "invalid token: Invalid issuer"),
        ({"sub": None}, 'invalid token: Token is missing the "sub" claim'),
        ({"kid": "unknown"}, "token signed with an unknown key"),
    ],
)
async def test_bad_tokens_are_refused(
    issuer: Issuer,
    http: httpx.AsyncClient,
    clock: ManualClock,
    claims: dict[str, Any],
    message: str,
) -> None:
    kid = claims.pop("kid", None)
    token = issuer.token(kid=kid, **claims)
    with pytest.raises(NotAuthenticated, match=message):
        await authenticator(issuer, http, clock).authenticate(f"Bearer {token}")


@pytest.mark.parametrize(
    ("expired_for", "accepted"), [(0, True), (LEEWAY_SECONDS - 1, True), (LEEWAY_SECONDS, False)]
)
async def test_an_expired_token_passes_only_within_the_clock_skew_leeway(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock, expired_for: int, accepted: bool
) -> None:
    # PyJWT reads the wall clock; frozen, the boundary is exact. The key set is fetched first
    # (the event loop keeps real time throughout: freezegun never drives it).
    auth = authenticator(issuer, http, clock)
    await auth.authenticate(f"Bearer {issuer.token()}")
    with freeze_time("2030-01-02 03:04:05", real_asyncio=True):
        token = issuer.token(exp=int(time.time()) - expired_for)
        if accepted:
            assert (await auth.authenticate(f"Bearer {token}")).user_id == "user_2abc"
        else:
            with pytest.raises(NotAuthenticated, match="token expired"):
                await auth.authenticate(f"Bearer {token}")


async def test_a_token_signed_by_another_key_is_refused(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock, keys: KeyRing
) -> None:
    forged = jwt.encode(
        {"sub": "user_2abc", "iss": ISSUER, "exp": int(time.time()) + 60},
        keys.stranger,
        algorithm="RS256",
        headers={"kid": "rsa-1"},
    )
    with pytest.raises(NotAuthenticated, match="Signature verification failed"):
        await authenticator(issuer, http, clock).authenticate(f"Bearer {forged}")


async def test_unsigned_and_hmac_tokens_are_refused(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    auth = authenticator(issuer, http, clock)
    claims = {"sub": "user_2abc", "iss": ISSUER, "exp": int(time.time()) + 60}
    unsigned = jwt.encode(claims, "", algorithm="none", headers={"kid": "rsa-1"})
    hmac = jwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": "rsa-1"})
    for token in (unsigned, hmac):
        with pytest.raises(NotAuthenticated, match="must be RS256 or ES256"):
            await auth.authenticate(f"Bearer {token}")


async def test_the_audience_is_checked_when_configured(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    auth = authenticator(issuer, http, clock, audience="scout")

    assert (await auth.authenticate(f"Bearer {issuer.token(aud='scout')}")).user_id
    with pytest.raises(NotAuthenticated, match="Audience"):
        await auth.authenticate(f"Bearer {issuer.token(aud='other')}")


async def test_the_key_set_is_cached_and_refreshed_on_the_clock(
    issuer: Issuer, http: httpx.AsyncClient, clock: ManualClock
) -> None:
    auth = authenticator(issuer, http, clock)
    for _ in range(3):
        await auth.authenticate(f"Bearer {issuer.token()}")
    assert issuer.fetches == 1

    # An unknown kid (a rotation) refetches, but at most once per refresh floor.
    with pytest.raises(NotAuthenticated):
        await auth.authenticate(f"Bearer {issuer.token(kid='rotated')}")
    assert issuer.fetches == 1
    clock.advance(30)
    for _ in range(2):
        with pytest.raises(NotAuthenticated):
            await auth.authenticate(f"Bearer {issuer.token(kid='rotated')}")
    assert issuer.fetches == 2

    clock.advance(300)
    await auth.authenticate(f"Bearer {issuer.token()}")
    assert issuer.fetches == 3


async def test_an_unreachable_key_set_is_a_401(
    http: httpx.AsyncClient, clock: ManualClock, refused_url: str, keys: KeyRing
) -> None:
    auth = JwtAuthenticator(
        JwksCache(http, f"{refused_url}/jwks.json", clock),
        issuer=ISSUER,
        audience=None,
        admins=frozenset(),
    )
    token = jwt.encode({"sub": "u"}, keys.signing, algorithm="RS256", headers={"kid": "rsa-1"})
    with pytest.raises(NotAuthenticated, match=r"key set unavailable"):
        await auth.authenticate(f"Bearer {token}")


async def test_dev_tokens_name_the_user() -> None:
    auth = DevAuthenticator(frozenset({"boss"}))

    assert await auth.authenticate("Bearer dev:alice") == Principal("alice", is_admin=False)
    assert (await auth.authenticate("bearer dev:boss")).is_admin
    with pytest.raises(NotAuthenticated, match="dev:<userId>"):
        await auth.authenticate("Bearer alice")


async def test_the_app_accepts_jwts_and_refuses_dev_tokens_in_jwt_mode(
    issuer: Issuer, sqlite_store: Store, clock: ManualClock
) -> None:
    env = {"AUTH_MODE": "jwt", "AUTH_JWKS_URL": issuer.url, "AUTH_ISSUER": ISSUER}
    async with service_stack(sqlite_store, clock, **env) as stack:
        ok = await stack.client.get(
            "/api/campaigns", headers={"Authorization": f"Bearer {issuer.token()}"}
        )
        dev = await stack.client.get("/api/campaigns", headers=stack.auth())
        dev_body = await dev.json()

    assert ok.status == 200
    assert dev.status == 401
    assert dev_body == {"error": "malformed token"}


def test_dev_mode_is_announced_loudly(
    http: httpx.AsyncClient, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="service.api.auth"):
        dev = build_authenticator(load_settings(settings_env(AUTH_MODE="dev")), http, clock)
        jwt_mode = build_authenticator(
            load_settings(
                settings_env(AUTH_MODE="jwt", AUTH_JWKS_URL="https://k.test/jwks", AUTH_ISSUER="i")
            ),
            http,
            clock,
        )

    assert isinstance(dev, DevAuthenticator)
    assert isinstance(jwt_mode, JwtAuthenticator)
    assert [r.getMessage() for r in caplog.records] == ["dev_auth_enabled"]
