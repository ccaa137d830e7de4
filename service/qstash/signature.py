"""QStash signature checks for the QStash-facing routes, with the official `qstash.Receiver`."""

from __future__ import annotations

from aiohttp import web
from qstash import Receiver

from service.errors import NotAuthenticated
from service.logs import get_logger
from service.metrics import Metrics

log = get_logger("service.qstash.signature")

HEADER = "Upstash-Signature"


class SignatureVerifier:
    """Accepts a token signed with the current or the next key, for an exact URL.

    The URL is always the one built from the configured public base URL: trusting the
    request's Host header would let anyone replay a token minted for another endpoint.
    """

    def __init__(self, current_key: str, next_key: str, metrics: Metrics) -> None:
        self._receiver = Receiver(current_signing_key=current_key, next_signing_key=next_key)
        self._metrics = metrics

    async def verified_body(self, request: web.Request, url: str) -> str:
        """The request body once its signature checks out; NotAuthenticated (401) otherwise."""
        signature = request.headers.get(HEADER)
        if not signature:
            self._refuse("missing", request)
            raise NotAuthenticated(f"missing {HEADER} header")
        raw = await request.read()
        try:
            body = raw.decode("utf-8")
            self._receiver.verify(signature=signature, body=body, url=url)
        except Exception as error:
            # SignatureError, but also KeyError (no `body` claim) or a decoding error: all
            # mean the same to a caller, so they get the same 401.
            self._refuse("invalid", request, detail=str(error) or type(error).__name__)
            raise NotAuthenticated("invalid QStash signature") from None
        return body

    def _refuse(self, reason: str, request: web.Request, **fields: str) -> None:
        self._metrics.signature_failures.labels(reason=reason).inc()
        log.warning("signature_refused", kind=reason, path=request.path, **fields)
