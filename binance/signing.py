"""HMAC-SHA256 request signing, shared by the REST client and the simulator.

Pure functions, no I/O. Two payload rules exist on Binance:

* REST (``/api``, ``/sapi``): the signature covers the exact query string
  concatenated (no separator) with the request body. Since 2026 every value
  must be percent-encoded *before* signing, so the bytes signed are the bytes
  sent. :func:`encode_params` produces that encoding and :func:`sign_query`
  appends the signature.
* WebSocket API: the parameters are JSON values, so there is no wire query
  string. The payload is every parameter except ``signature``, sorted by
  name, joined as ``name=value`` with ``&`` (:func:`ws_api_signature_payload`).

HMAC signatures are hexadecimal and not case sensitive.
"""
import hashlib
import hmac
import json
from typing import Any, Iterable, Mapping, Optional, Tuple, Union
from urllib.parse import quote

__all__ = [
    'Params', 'encode_params', 'encode_value', 'hmac_sha256_hex', 'sign_query',
    'ws_api_signature_payload', 'verify_signature', 'split_signature',
]

#: A mapping (insertion order kept) or a sequence of ``(name, value)`` pairs.
Params = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]

# RFC 3986 unreserved characters stay as they are; everything else, including
# every non-ASCII byte of the UTF-8 encoding, becomes %XX.
_SAFE = '-_.~'


def encode_value(value: Any) -> str:
    """The text form of one parameter value, before percent-encoding.

    Booleans become ``true``/``false`` (as Binance spells them), lists and
    tuples a compact JSON array (``symbols=["BTCUSDT","BNBBTC"]``), anything
    else ``str(value)``.
    """
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), separators=(',', ':'), ensure_ascii=False)
    if isinstance(value, bytes):
        return value.decode('utf-8')
    return str(value)


def _pairs(params: Optional[Params]) -> 'list[Tuple[str, Any]]':
    if params is None:
        return []
    items = params.items() if isinstance(params, Mapping) else params
    return [(str(k), v) for k, v in items if v is not None]


def encode_params(params: Optional[Params]) -> str:
    """Build the query string Binance expects, in the order given.

    Names and values are UTF-8 percent-encoded (RFC 3986: only letters,
    digits and ``-_.~`` are left as they are). Pairs whose value is ``None``
    are left out.

    Args:
        params: a dict (insertion order kept) or a list of ``(name, value)``.

    Returns:
        ``name=value&name=value`` (empty string for no parameters).
    """
    return '&'.join('{}={}'.format(quote(name, safe=_SAFE), quote(encode_value(value), safe=_SAFE))
                    for name, value in _pairs(params))


def _as_bytes(data: Union[str, bytes]) -> bytes:
    return data if isinstance(data, bytes) else data.encode('utf-8')


def hmac_sha256_hex(secret: Union[str, bytes], payload: Union[str, bytes]) -> str:
    """Lower-case hex HMAC-SHA256 of ``payload`` keyed with ``secret``."""
    return hmac.new(_as_bytes(secret), _as_bytes(payload), hashlib.sha256).hexdigest()


def sign_query(params: Optional[Params], secret: Union[str, bytes]) -> str:
    """Encode ``params`` and append ``&signature=<hex>`` computed over them.

    Args:
        params: the request parameters, usually ending with ``timestamp``
            (and ``recvWindow``); order is kept.
        secret: the API secret.

    Returns:
        The full query string (or form body) to send.
    """
    query = encode_params(params)
    signature = hmac_sha256_hex(secret, query)
    return '{}&signature={}'.format(query, signature) if query else 'signature=' + signature


def ws_api_signature_payload(params: Optional[Params]) -> str:
    """The payload a WebSocket API request signs.

    Every parameter except ``signature``, sorted by name, as ``name=value``
    joined with ``&``; values are not percent-encoded (they travel inside
    JSON, not in a URL).
    """
    pairs = sorted((name, value) for name, value in _pairs(params) if name != 'signature')
    return '&'.join('{}={}'.format(name, encode_value(value)) for name, value in pairs)


def verify_signature(secret: Union[str, bytes], payload: Union[str, bytes],
                     signature: Union[str, bytes, None]) -> bool:
    """Check an HMAC-SHA256 hex signature in constant time (case-insensitive).

    Returns ``False`` (never raises) for a missing or malformed signature.
    """
    if not signature:
        return False
    expected = hmac_sha256_hex(secret, payload).encode('ascii')
    try:
        given = _as_bytes(signature).lower()
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(expected, given)


def split_signature(query: bytes, body: bytes = b'') -> Tuple[bytes, Optional[str]]:
    """Separate the ``signature`` parameter from a raw request.

    This is what a server needs: the signature payload is the raw query string
    concatenated with the raw body, both without the ``signature`` pair.

    Args:
        query: the raw query string, as received (without ``?``).
        body: the raw ``application/x-www-form-urlencoded`` body.

    Returns:
        ``(payload, signature)``; ``signature`` is ``None`` when absent. When
        the query string carries one, it wins (Binance's rule for parameters
        present in both).
    """
    query, from_query = _remove_signature(query)
    body, from_body = _remove_signature(body)
    signature = from_query if from_query is not None else from_body
    return query + body, signature


def _remove_signature(raw: bytes) -> Tuple[bytes, Optional[str]]:
    if b'signature=' not in raw:
        return raw, None
    kept, found = [], None
    for part in raw.split(b'&'):
        if part.startswith(b'signature='):
            if found is None:
                found = part[len(b'signature='):].decode('ascii', 'replace')
        else:
            kept.append(part)
    return b'&'.join(kept), found
