"""One declarative record per REST method, and the real methods made from them.

A family module (``binance/rest/market.py``...) declares its methods as
class attributes::

    class MarketData(EndpointMethods):
        get_klines = Endpoint('GET', API, 'v3/klines', weight=2,
                              params=('symbol', 'interval', 'startTime', 'endTime', 'limit'),
                              required=('symbol', 'interval'),
                              summary='Kline (candlestick) rows of a symbol.')

When the class is created, each :class:`Endpoint` is replaced by a plain
function with python-binance 0.7.11's signature (``get_klines(self,
**params)``) and a docstring naming today's endpoint, so ``help()``,
``inspect.signature`` and editors see ordinary methods. The function keeps
its record as ``.endpoint``; :func:`endpoint_table` lists every record of a
class, which is what the documentation's method table is generated from.

The calls themselves go through the client's ``_call_endpoint`` (written
once, in :mod:`binance.client`).
"""
import dataclasses
import inspect
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, Union
from urllib.parse import urlsplit

from .. import venues

__all__ = [
    'Endpoint', 'EndpointMethods', 'endpoint_table',
    'API', 'SAPI', 'FAPI', 'FDATA', 'DAPI', 'DDATA', 'EAPI', 'WWW',
    'NONE', 'MARKET_DATA', 'USER_STREAM', 'USER_DATA', 'TRADE',
]

# API bases (binance.venues.REST_APIS): where the Client sends each one is
# binance.venues' business (Client.base_url).
API, SAPI, FAPI, FDATA, DAPI, DDATA, EAPI, WWW = (
    'api', 'sapi', 'fapi', 'fdata', 'dapi', 'ddata', 'eapi', 'www')


def _production(api: str) -> Tuple[str, str]:
    """binance.com's host of ``api`` and its path prefix (``'/fapi/'``), as the docs show them."""
    parts = urlsplit(venues.rest_url(api))
    return parts.hostname or '', parts.path.rstrip('/') + '/'


# Binance's security types. The signed ones need the API secret; USER_STREAM
# needs the API key only.
NONE, MARKET_DATA, USER_STREAM, USER_DATA, TRADE = (
    'NONE', 'MARKET_DATA', 'USER_STREAM', 'USER_DATA', 'TRADE')
_SIGNED = (USER_DATA, TRADE)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """What a Client method calls, and how its arguments and answer map to 0.7.11's.

    Attributes:
        method: HTTP method (``'GET'``...).
        base: API base (:data:`API`, :data:`SAPI`, :data:`FAPI`...).
        path: path below the base, with its version (``'v3/klines'``).
        security: Binance's security type; ``USER_DATA`` and ``TRADE`` are signed.
        weight: request weight: an int, or text when it depends on the
            parameters (``'2; 80 without symbol'``).
        params: the parameters Binance documents, in its spelling.
        required: the parameters that must be given (checked before sending).
        summary: one line for the docstring and the method table.
        args: 0.7.11's positional arguments, sent as parameters of the same name.
        kwargs: 0.7.11's signature ended with ``**params``.
        fixed: parameters the method always sends (overriding the caller's).
        rename: 0.7.11 parameter name -> today's (``{'asset': 'coin'}``).
        adapt_params: further change of the parameters (after ``rename`` and ``fixed``).
        to_old: today's answer -> the shape 0.7.11 returned.
        was: the endpoint 0.7.11 called, when it differs (``'GET /wapi/v3/systemStatus.html'``).
        removed: set when Binance removed the endpoint without a replacement
            that returns its answer: what to use instead. The method then
            raises :class:`~binance.exceptions.BinanceEndpointRemovedError`.
        returns: the answer's shape, for the docstring.
        name: the method name (set when the class is made).
    """

    method: str
    base: str
    path: str
    security: str = NONE
    weight: Union[int, str] = 1
    params: Tuple[str, ...] = ()
    required: Tuple[str, ...] = ()
    summary: str = ''
    args: Tuple[str, ...] = ()
    kwargs: bool = True
    fixed: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    rename: Mapping[str, str] = dataclasses.field(default_factory=dict)
    adapt_params: Optional[Callable[[Dict[str, Any]], Dict[str, Any]]] = None
    to_old: Optional[Callable[[Any], Any]] = None
    was: str = ''
    removed: str = ''
    returns: str = ''
    name: str = ''

    def __post_init__(self) -> None:
        if self.base not in venues.REST_APIS:
            raise ValueError('base must be one of {}, not {!r}'.format(
                sorted(venues.REST_APIS), self.base))
        if self.method not in ('GET', 'POST', 'PUT', 'DELETE'):
            raise ValueError('method must be GET, POST, PUT or DELETE, not {!r}'.format(self.method))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Present only so type checkers accept calls to the methods declared
        # with Endpoint(...); EndpointMethods replaces every record by a function.
        raise TypeError('Endpoint {!r} is a table entry, not a method: declare it on a subclass '
                        'of EndpointMethods'.format(self.path))

    @property
    def signed(self) -> bool:
        """Whether requests carry ``timestamp`` and ``signature``."""
        return self.security in _SIGNED

    @property
    def needs_key(self) -> bool:
        """Whether requests need the ``X-MBX-APIKEY`` header."""
        return self.security != NONE

    @property
    def http(self) -> str:
        """``'GET /api/v3/klines'``: method and path as Binance documents them."""
        return '{} {}{}'.format(self.method, _production(self.base)[1], self.path)

    @property
    def host(self) -> str:
        """The production host (``'fapi.binance.com'``)."""
        return _production(self.base)[0]


def _signature(endpoint: Endpoint) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    params = [inspect.Parameter('self', kind)]
    params.extend(inspect.Parameter(name, kind) for name in endpoint.args)
    if endpoint.kwargs:
        params.append(inspect.Parameter('params', inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def _docstring(endpoint: Endpoint) -> str:
    lines = [endpoint.summary or 'Call {}.'.format(endpoint.http), '']
    if endpoint.removed:
        lines.append('Binance removed ``{}``; this method raises '
                     ':class:`~binance.exceptions.BinanceEndpointRemovedError`. {}'.format(
                         endpoint.was or endpoint.http, endpoint.removed))
        return '\n'.join(lines) + '\n'
    weight = endpoint.weight
    lines.append('Calls ``{}`` on {} (weight {}; security {}).'.format(
        endpoint.http, endpoint.host, weight, endpoint.security))
    if endpoint.was:
        lines.append('python-binance 0.7.11 called ``{}``{}.'.format(
            endpoint.was, '; the answer is converted to the shape it returned'
            if endpoint.to_old else ''))
    if endpoint.fixed:
        lines.append('Always sends {}.'.format(', '.join(
            '``{}={}``'.format(k, v) for k, v in endpoint.fixed.items())))
    if endpoint.rename:
        lines.append('0.7.11 parameter names still work: {}.'.format(', '.join(
            '``{}`` is sent as ``{}``'.format(k, v) for k, v in endpoint.rename.items())))
    lines.append('')
    lines.append('Args:')
    for name in endpoint.args:
        lines.append('    {}: sent as the ``{}`` parameter.'.format(name, name))
    if endpoint.kwargs:
        names = ['``{}``{}'.format(p, ' (required)' if p in endpoint.required else '')
                 for p in endpoint.params]
        lines.append('    **params: Binance\'s parameters{}{}; ``requests_params`` (a dict) '
                     'adds keyword arguments for this request only.'.format(
                         ': ' if names else '', ', '.join(names)))
    elif not endpoint.args:
        lines.pop()
    lines.append('')
    lines.append('Returns:')
    lines.append('    {}'.format(endpoint.returns or "Binance's answer, decoded from JSON."))
    lines.append('')
    lines.append('Raises:')
    lines.append('    BinanceAPIException: Binance answered with an error.')
    lines.append('    BinanceRateLimitError: this API base is paused after a 429 or 418 answer.')
    lines.append('    BinanceRequestException: no answer, or one that is not JSON.')
    if endpoint.required or endpoint.needs_key:
        lines.append('    ValueError: {}.'.format(' or '.join(filter(None, [
            'a required parameter is missing' if endpoint.required else '',
            'the client has no API key' + (' and secret' if endpoint.signed else '')
            if endpoint.needs_key else '']))))
    return '\n'.join(lines) + '\n'


def make_method(owner: type, name: str, endpoint: Endpoint) -> Callable[..., Any]:
    """A real method calling ``endpoint`` with 0.7.11's signature.

    Args:
        owner: the class the method is defined on (for ``__qualname__``).
        name: the method name.
        endpoint: its record (``name`` is filled in).
    """
    endpoint = dataclasses.replace(endpoint, name=name)
    signature = _signature(endpoint)
    positional = endpoint.args

    def method(self: Any, *args: Any, **params: Any) -> Any:
        bound = signature.bind(self, *args, **params)
        values = dict(bound.arguments.get('params', {}))
        for arg in positional:
            values[arg] = bound.arguments[arg]
        return self._call_endpoint(endpoint, values)

    method.__name__ = name
    method.__qualname__ = '{}.{}'.format(owner.__qualname__, name)
    method.__module__ = owner.__module__
    method.__doc__ = _docstring(endpoint)
    method.__signature__ = signature  # type: ignore[attr-defined]
    method.endpoint = endpoint  # type: ignore[attr-defined]
    return method


class EndpointMethods:
    """Base of the family classes: turns their :class:`Endpoint` attributes into methods."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if isinstance(value, Endpoint):
                setattr(cls, name, make_method(cls, name, value))

    def _call_endpoint(self, endpoint: Endpoint, params: Dict[str, Any]) -> Any:
        raise NotImplementedError  # provided by binance.client.Client


def endpoint_of(value: Any) -> Optional[Endpoint]:
    """The record behind a method made by :class:`EndpointMethods` (else ``None``)."""
    endpoint = getattr(value, 'endpoint', None)
    return endpoint if isinstance(endpoint, Endpoint) else None


def endpoint_table(cls: type) -> List[Endpoint]:
    """Every endpoint record of ``cls`` and its bases, by method name."""
    found: Dict[str, Endpoint] = {}
    for name in dir(cls):
        endpoint = endpoint_of(getattr(cls, name, None))
        if endpoint is not None:
            found[name] = endpoint
    return [found[name] for name in sorted(found)]


def calls(*endpoints: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a hand-written method with the endpoints it calls (for the method table).

    Args:
        *endpoints: e.g. ``'GET /api/v3/klines'`` (paged), as the docs should show it.
    """
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.calls = endpoints  # type: ignore[attr-defined]
        return fn
    return mark
