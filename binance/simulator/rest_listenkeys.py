"""Listen keys of the derivatives venues: ``POST``/``PUT``/``DELETE /fapi|dapi|eapi/v1/listenKey``.

``USER_STREAM`` endpoints: the ``X-MBX-APIKEY`` header, no signature. A key
is valid for ``listen_key_validity`` (60 minutes on Binance); ``POST``
returns the account's valid key (extending it) or a new one, ``PUT`` extends
it, ``DELETE`` ends it and closes the connections using it. The key is found
from the API key, so ``PUT`` and ``DELETE`` need no parameter; a
``listenKey`` parameter, if sent, must be the account's key. An account
without a valid key gets ``-1125``; when a key lapses its connections receive
``listenKeyExpired``.

Where the keys are used: USDⓈ-M on ``/fstream/private/ws?listenKey=<key>``,
options on ``/fstream/private/ws/<key>``, COIN-M on ``/dstream/ws/<key>``.
"""
from typing import Any, Callable, Dict, Tuple

from . import auth
from .apierrors import ApiError
from .venues import COINM, OPTIONS, USDM

__all__ = ['routes', 'ACCOUNTS', 'listen_key_missing']

#: API path -> the account scope (venue) of its listen keys.
ACCOUNTS = {'/fapi/v1/listenKey': USDM, '/dapi/v1/listenKey': COINM, '/eapi/v1/listenKey': OPTIONS}
_WEIGHT = 1


def listen_key_missing(path: str) -> ApiError:
    """-1125 as the derivatives APIs word it, pointing to ``POST <path>``."""
    return ApiError(400, -1125, 'This listenKey does not exist. Please use POST {} to recreate '
                                'listenKey.'.format(path))


def _account_key(api: Any, call: Any) -> Tuple[str, str, str]:
    """``(api_key, account, listen_key)`` of a keepalive or close; -1125 without a valid key."""
    auth.check_api_key(api.accounts.api_keys, call.api_key)
    account = ACCOUNTS[call.path]
    key = api.accounts.live_listen_key(call.api_key, account)
    sent = call.params.get('listenKey')
    if key is None or (sent and sent != key):
        raise listen_key_missing(call.path)
    return call.api_key, account, key


def create(api: Any, call: Any) -> Dict[str, str]:
    """``POST``: the account's valid key (extended) or a new one."""
    auth.check_api_key(api.accounts.api_keys, call.api_key)
    return {'listenKey': api.accounts.create_listen_key(call.api_key, ACCOUNTS[call.path])}


def keepalive(api: Any, call: Any) -> Dict[str, str]:
    """``PUT``: extend the key; USDⓈ-M answers with it, COIN-M and options with ``{}``."""
    api_key, account, key = _account_key(api, call)
    api.accounts.keepalive_listen_key(api_key, key, account)
    return {'listenKey': key} if account == USDM else {}


def close(api: Any, call: Any) -> Dict[str, str]:
    """``DELETE``: end the key and close its connections (no ``listenKeyExpired``)."""
    api_key, account, key = _account_key(api, call)
    api.accounts.close_listen_key(api_key, key, account)
    return {}


def routes() -> Dict[Tuple[str, str], Tuple[Callable[[Any, Any], Any], int]]:
    """``(method, path) -> (handler, weight)`` of every derivatives listen-key endpoint."""
    table: Dict[Tuple[str, str], Tuple[Callable[[Any, Any], Any], int]] = {}
    for path in ACCOUNTS:
        table['POST', path] = (create, _WEIGHT)
        table['PUT', path] = (keepalive, _WEIGHT)
        table['DELETE', path] = (close, _WEIGHT)
    return table
