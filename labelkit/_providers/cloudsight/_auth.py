"""Two-legged OAuth 1.0 (HMAC-SHA1) signing for CloudSight, on oauthlib's primitives.

The signature covers the method, the URL without its query, the five
``oauth_*`` parameters and the request parameters the caller chooses (for
CloudSight: the form fields of a URL submission and, like the official SDK,
the text fields of a file upload). Only the ``oauth_*`` parameters go into
the header. oauthlib is an optional dependency (``labelkit[oauth]``) and is
imported only when OAuth is used.
"""

from __future__ import annotations

import secrets
import time
import types
import typing
from collections.abc import Callable, Sequence

import attrs

__all__ = [
    "OAUTH_INSTALL_HINT",
    "OAuth1Signer",
    "load_oauthlib",
    "signature_base_string",
    "verify_authorization",
]

OAUTH_INSTALL_HINT = 'pip install "labelkit[oauth]"'

Params = Sequence[tuple[str, str]]


def load_oauthlib() -> tuple[types.ModuleType, types.ModuleType]:
    """oauthlib's RFC 5849 ``signature`` and ``utils`` modules, or a clear ImportError."""
    try:
        from oauthlib.oauth1.rfc5849 import (  # type: ignore[import-untyped,unused-ignore]
            signature,
            utils,
        )
    except ImportError as exc:
        raise ImportError(
            f"CloudSight OAuth signing needs the oauthlib package: {OAUTH_INSTALL_HINT}"
        ) from exc
    return signature, utils


@attrs.frozen
class _Secrets:
    # The shape oauthlib's ``sign_*_with_client`` functions read.
    client_secret: str = attrs.field(repr=False)
    resource_owner_secret: str = ""


def signature_base_string(method: str, url: str, params: Params) -> str:
    """RFC 5849 base string: method, URL without query, sorted encoded ``params``."""
    signature, _ = load_oauthlib()
    return typing.cast(
        str,
        signature.signature_base_string(
            method.upper(),
            signature.base_string_uri(url),
            signature.normalize_parameters(list(params)),
        ),
    )


def _sign(method: str, url: str, params: Params, secret: str) -> str:
    signature, _ = load_oauthlib()
    base = signature_base_string(method, url, params)
    return typing.cast(str, signature.sign_hmac_sha1_with_client(base, _Secrets(secret)))


@attrs.frozen
class OAuth1Signer:
    """Builds the ``Authorization: OAuth ...`` header of one request.

    ``key`` is the consumer key (the API key) and ``secret`` the consumer
    secret; there is no token, so the signing key is ``secret&``. Neither is
    shown in the repr.
    """

    key: str = attrs.field(repr=False)
    secret: str = attrs.field(repr=False)

    def __attrs_post_init__(self) -> None:
        load_oauthlib()

    def authorization(
        self,
        method: str,
        url: str,
        params: Params = (),
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
    ) -> str:
        """The header value for ``method url`` signing ``params`` (already strings).

        ``timestamp`` (default: now, in whole seconds) and ``nonce`` (default:
        40 hex characters from :mod:`secrets`) are parameters for test vectors.
        """
        _, utils = load_oauthlib()
        oauth = [
            ("oauth_consumer_key", self.key),
            ("oauth_nonce", nonce if nonce is not None else secrets.token_hex(20)),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", str(int(time.time()) if timestamp is None else timestamp)),
            ("oauth_version", "1.0"),
        ]
        oauth.append(("oauth_signature", _sign(method, url, [*params, *oauth], self.secret)))
        return "OAuth " + ", ".join(f'{k}="{utils.escape(v)}"' for k, v in sorted(oauth))


def verify_authorization(
    header: str,
    method: str,
    url: str,
    params: Params,
    secret_for: Callable[[str], str | None],
    *,
    now: float | None = None,
    window: float = 300.0,
) -> str | None:
    """Check an OAuth header server-side; ``None`` when valid, else the reason it is not.

    ``secret_for`` maps a consumer key to its secret (``None``: unknown key).
    The timestamp must be within ``window`` seconds of ``now``.
    """
    signature, utils = load_oauthlib()
    try:
        pairs = utils.parse_authorization_header(header)
        fields = {utils.unescape(k): utils.unescape(v) for k, v in pairs}
    except ValueError:
        return "malformed OAuth Authorization header"
    required = (
        "oauth_consumer_key",
        "oauth_nonce",
        "oauth_signature",
        "oauth_signature_method",
        "oauth_timestamp",
    )
    missing = [name for name in required if not fields.get(name)]
    if missing:
        return "missing " + ", ".join(missing)
    if fields["oauth_signature_method"] != "HMAC-SHA1":
        return "unsupported oauth_signature_method"
    if fields.get("oauth_version", "1.0") != "1.0":
        return "unsupported oauth_version"
    secret = secret_for(fields["oauth_consumer_key"])
    if secret is None:
        return "unknown consumer key"
    try:
        stamp = int(fields["oauth_timestamp"])
    except ValueError:
        return "bad oauth_timestamp"
    if abs((time.time() if now is None else now) - stamp) > window:
        return "oauth_timestamp outside the accepted window"
    oauth = [(k, v) for k, v in fields.items() if k.startswith("oauth_") and k != "oauth_signature"]
    expected = _sign(method, url, [*params, *oauth], secret)
    if not signature.safe_string_equals(expected, fields["oauth_signature"]):
        return "invalid signature"
    return None
