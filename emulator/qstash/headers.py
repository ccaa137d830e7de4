"""Parse QStash's Upstash-* request headers into a message template; bad values name the header."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from typing import TypeVar

from emulator.durations import parse_duration
from emulator.qstash.errors import bad_request
from emulator.qstash.models import CallbackSpec, FlowControl, Headers, Redaction, Template
from emulator.qstash.retry import RetryDelay

K = TypeVar("K")
V = TypeVar("V")
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})
# Request headers never passed on by Upstash-Header-Forward: they describe the hop to QStash.
_HOP_HEADERS = frozenset(
    {
        "authorization",
        "host",
        "content-length",
        "connection",
        "transfer-encoding",
        "accept-encoding",
    }
)
_CALLBACK_CONFIG = frozenset({"method", "timeout", "retries", "retry-delay", "delay"})


@lru_cache(maxsize=1024)
def canonical(name: str) -> str:
    """Go's textproto.CanonicalMIMEHeaderKey: `x-foo-bar` -> `X-Foo-Bar`."""
    return "-".join(part[:1].upper() + part[1:].lower() for part in name.split("-"))


_SHARED: dict[tuple[tuple[str, tuple[str, ...]], ...], Headers] = {}
_SHARED_MAX = 4096


_STRINGS: dict[str, str] = {}


def _first_copy(cache: dict[K, V], key: K, value: V) -> V:
    """The copy first seen under `key`; caches beyond their size simply stop sharing."""
    found = cache.get(key)
    if found is not None:
        return found
    if len(cache) < _SHARED_MAX:
        cache[key] = value
    return value


def same(value: str) -> str:
    """One shared copy of a string that many messages repeat (destination URLs, caller IPs)."""
    return _first_copy(_STRINGS, value, value)


def share(headers: Headers | None) -> Headers | None:
    """One shared (never mutated) map per distinct header set.

    Most publishers send the same few headers on every message; sharing the map keeps 100k
    pending messages small. Unusual sets beyond the cache size simply stay unshared.
    """
    if not headers:
        return None
    key = tuple((name, tuple(values)) for name, values in headers.items())
    return _first_copy(_SHARED, key, headers)


def parse_bool(header: str, value: str) -> bool:
    """Go strconv.ParseBool, which QStash uses (Python's SDK sends `True`/`False`)."""
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise bad_request(
        f'invalid {header} header: strconv.ParseBool: parsing "{value}": invalid syntax'
    )


def check_url(value: str, what: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise bad_request(
            f"invalid {what} url: endpoint has invalid scheme, add http:// or https://"
        )
    return value


def _duration(header: str, value: str) -> float:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise bad_request(f"invalid {header} header: {exc}") from None


def _int(header: str, value: str, *, minimum: int = 0) -> int:
    try:
        number = int(value.strip())
    except ValueError:
        raise bad_request(f"invalid {header} header: {value!r} is not an integer") from None
    if number < minimum:
        raise bad_request(f"invalid {header} header: must be at least {minimum}")
    return number


def _retry_delay(header: str, value: str) -> str:
    try:
        RetryDelay.parse(value)
    except ValueError as exc:
        raise bad_request(f"invalid {header} header: {exc}") from None
    return value


def _add(headers: Headers, name: str, value: str) -> None:
    headers.setdefault(canonical(name), []).append(value)


class _Reader:
    """Case-insensitive view of the request headers, keeping their original names."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self.items = [(name, value) for name, value in items]
        self.lower: dict[str, str] = {}
        for name, value in self.items:
            self.lower.setdefault(name.lower(), value)

    def get(self, name: str) -> str | None:
        return self.lower.get(name.lower())

    def all(self, name: str) -> list[str]:
        """Every value of a header that may be repeated, in order."""
        wanted = name.lower()
        return [value for key, value in self.items if key.lower() == wanted]


def _callback(reader: _Reader, prefix: str, url_header: str) -> CallbackSpec | None:
    url = reader.get(url_header)
    if url is None:
        return None
    spec = CallbackSpec(url=check_url(url, url_header.removeprefix("Upstash-").lower()))
    low_prefix = prefix.lower()
    forwarded: Headers = {}
    for name, value in reader.items:
        low = name.lower()
        if not low.startswith(low_prefix):
            continue
        rest = name[len(prefix) :]
        key = rest.lower()
        if key == "method":
            if value.upper() not in METHODS:
                raise bad_request(f"invalid {canonical(name)} header: unknown method {value!r}")
            spec.method = value.upper()
        elif key == "timeout":
            spec.timeout = _duration(canonical(name), value)
        elif key == "retries":
            spec.retries = _int(canonical(name), value)
        elif key == "retry-delay":
            spec.retry_delay = _retry_delay(canonical(name), value)
        elif key == "delay":
            # QStash's changelog (Mar 2025): delayed callbacks are rejected at insertion.
            raise bad_request(
                f"invalid {canonical(name)} header: delayed callbacks are not supported"
            )
        elif key.startswith("forward-"):
            _add(forwarded, rest[len("forward-") :], value)
        elif key.startswith("workflow-"):
            _add(forwarded, "Upstash-" + rest, value)
        elif key not in _CALLBACK_CONFIG:
            # The Python SDK prefixes callback_headers with `Upstash-Callback-` (not `-Forward-`);
            # we forward those too so its users get their headers (a lenient choice, see PARITY).
            _add(forwarded, rest, value)
    spec.headers = share(forwarded)
    return spec


def _flow_control(reader: _Reader) -> FlowControl | None:
    key = reader.get("Upstash-Flow-Control-Key")
    if key is None:
        return None
    control = FlowControl(key=key)
    value = reader.get("Upstash-Flow-Control-Value") or ""
    for part in filter(None, (p.strip() for p in value.split(","))):
        name, sep, raw = part.partition("=")
        name, raw = name.strip().lower(), raw.strip()
        if not sep or name not in {"parallelism", "rate", "period"}:
            raise bad_request(f"invalid Upstash-Flow-Control-Value header: unknown part {part!r}")
        if name == "period":
            seconds = _int("Upstash-Flow-Control-Value", raw) if raw.isdigit() else None
            if seconds is None:
                seconds = int(_duration("Upstash-Flow-Control-Value", raw))
            control.period = seconds
        elif name == "rate":
            control.rate = _int("Upstash-Flow-Control-Value", raw, minimum=1)
        else:
            control.parallelism = _int("Upstash-Flow-Control-Value", raw, minimum=1)
    if control.rate is not None or control.parallelism is not None:
        control.period = control.period or 1  # the live server reports period 1 by default
    return control


def parse_redaction(value: str) -> Redaction | None:
    """`body`, `header` (all) and `header[Name]`; the docs' `headers`/`headers[Name]` too."""
    body = all_headers = False
    names: list[str] = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        low = part.lower()
        if low == "body":
            body = True
        elif low in {"header", "headers"}:
            all_headers = True
        elif low.startswith(("header[", "headers[")) and low.endswith("]") and "[" in part:
            names.append(canonical(part[part.index("[") + 1 : -1].strip()))
        else:
            raise bad_request(f"invalid Upstash-Redact-Fields header: unknown field {part!r}")
    if not (body or all_headers or names):
        return None
    return Redaction(body, all_headers, tuple(names))


def parse_labels(values: Iterable[str]) -> list[str] | None:
    """`Upstash-Label: a,b` (or the header repeated): each label once, in the order given."""
    labels = (part.strip() for value in values for part in value.split(","))
    return list(dict.fromkeys(label for label in labels if label)) or None


def parse_template(items: Iterable[tuple[str, str]]) -> Template:
    """Read every publish header that applies to a URL destination."""
    reader = _Reader(items)
    template = Template()
    method = reader.get("Upstash-Method")
    if method is not None:
        if method.upper() not in METHODS:
            raise bad_request(f"invalid Upstash-Method header: unknown method {method!r}")
        template.method = method.upper()
    template.headers = forwarded_headers(reader)
    if (value := reader.get("Upstash-Retries")) is not None:
        template.retries = _int("Upstash-Retries", value)
    if (value := reader.get("Upstash-Retry-Delay")) is not None:
        template.retry_delay = _retry_delay("Upstash-Retry-Delay", value)
    if (value := reader.get("Upstash-Timeout")) is not None:
        template.timeout = _duration("Upstash-Timeout", value)
    if (value := reader.get("Upstash-Delay")) is not None:
        template.delay = _duration("Upstash-Delay", value)
    if (value := reader.get("Upstash-Not-Before")) is not None:
        template.not_before = float(_int("Upstash-Not-Before", value))
    template.callback = _callback(reader, "Upstash-Callback-", "Upstash-Callback")
    template.failure_callback = _callback(
        reader, "Upstash-Failure-Callback-", "Upstash-Failure-Callback"
    )
    if (value := reader.get("Upstash-Deduplication-Id")) is not None:
        if ":" in value:
            raise bad_request("DeduplicationId cannot contain ':'")
        template.dedup_id = value
    if (value := reader.get("Upstash-Content-Based-Deduplication")) is not None:
        template.content_dedup = parse_bool("Upstash-Content-Based-Deduplication", value)
    if labels := reader.all("Upstash-Label"):
        template.labels = parse_labels(labels)
    template.flow_control = _flow_control(reader)
    if (value := reader.get("Upstash-Redact-Fields")) is not None:
        template.redact = parse_redaction(value)
    return template


def shared_template(items: Iterable[tuple[str, str]]) -> Template:
    """parse_template for publishes, shared per distinct header set: callers must not change it.

    Publishers repeat the same headers on every message, and parsing them is a tenth of a
    publish's own work. Content-Length, the one header that changes with every body, never
    affects the template, so it is left out of the key; no header depends on the time."""
    return _template_for(tuple(item for item in items if item[0].lower() != "content-length"))


@lru_cache(maxsize=256)
def _template_for(items: tuple[tuple[str, str], ...]) -> Template:
    return parse_template(items)


def forwarded_headers(reader: _Reader) -> Headers | None:
    """Content-Type, Upstash-Forward-* (prefix stripped) and Upstash-Workflow-* pass-through."""
    forward_all = reader.get("Upstash-Header-Forward")
    everything = forward_all is not None and parse_bool("Upstash-Header-Forward", forward_all)
    headers: Headers = {}
    for name, value in reader.items:
        low = name.lower()
        if low.startswith("upstash-forward-"):
            _add(headers, name[len("upstash-forward-") :], value)
        elif low == "content-type" or low.startswith("upstash-workflow-"):  # noqa: SIM114
            _add(headers, name, value)
        elif everything and not low.startswith("upstash-") and low not in _HOP_HEADERS:
            _add(headers, name, value)
    return share(headers)


def dedup_key(template: Template, destination: str, body: bytes) -> str | None:
    """The key under which a publish is deduplicated, or None when it is not."""
    if template.dedup_id is not None:
        return "id:" + template.dedup_id
    if not template.content_dedup:
        return None
    digest = hashlib.sha256()
    for part in (destination.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    for name, values in sorted((template.headers or {}).items()):
        digest.update(f"{name}:{','.join(values)}\n".encode())
    return "content:" + digest.hexdigest()
