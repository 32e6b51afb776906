"""Listed symbols: their static description and their exchange information.

Pure code. A :class:`SymbolSpec` fixes a symbol's assets, reference price,
tick size and step size; :func:`exchange_info` renders specs as Binance's
``GET /api/v3/exchangeInfo`` body.
"""
import random
from typing import Iterable, NamedTuple, Union

from .fixedpoint import format_e8, parse_e8

__all__ = ['SymbolSpec', 'DEFAULT_SYMBOLS', 'RATE_LIMITS', 'symbol_spec', 'check_precision',
           'exchange_info']

#: Rate limits announced by :func:`exchange_info` (Binance's values).
RATE_LIMITS = (
    {'rateLimitType': 'REQUEST_WEIGHT', 'interval': 'MINUTE', 'intervalNum': 1, 'limit': 6000},
    {'rateLimitType': 'ORDERS', 'interval': 'SECOND', 'intervalNum': 10, 'limit': 50},
    {'rateLimitType': 'ORDERS', 'interval': 'DAY', 'intervalNum': 1, 'limit': 160000},
    {'rateLimitType': 'RAW_REQUESTS', 'interval': 'MINUTE', 'intervalNum': 5, 'limit': 300000},
)

_ORDER_TYPES = ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS', 'STOP_LOSS_LIMIT',
                'TAKE_PROFIT', 'TAKE_PROFIT_LIMIT']
_QUOTE_ASSETS = ('USDT', 'USDC', 'FDUSD', 'BTC', 'ETH', 'BNB', 'EUR', 'TRY')


class SymbolSpec(NamedTuple):
    """Static description of one symbol.

    ``tick_size`` and ``step_size`` are decimal strings whose decimals add up
    to at most 8, so ``price * qty`` is exact in 8 decimals.
    """

    symbol: str
    base_asset: str
    quote_asset: str
    price: str
    tick_size: str
    step_size: str
    typical_qty: str


#: Symbols listed when ``Market(symbols=None)``.
DEFAULT_SYMBOLS = (
    SymbolSpec('BNBBTC', 'BNB', 'BTC', '0.008500', '0.000001', '0.01', '5'),
    SymbolSpec('ETHBTC', 'ETH', 'BTC', '0.03500', '0.00001', '0.001', '2'),
    SymbolSpec('NEOBTC', 'NEO', 'BTC', '0.0001500', '0.0000001', '0.1', '100'),
    SymbolSpec('LTCBTC', 'LTC', 'BTC', '0.001100', '0.000001', '0.01', '20'),
    SymbolSpec('BTCUSDT', 'BTC', 'USDT', '95000.00', '0.01', '0.00001', '0.05'),
    SymbolSpec('ETHUSDT', 'ETH', 'USDT', '3300.00', '0.01', '0.0001', '1'),
    SymbolSpec('BNBUSDT', 'BNB', 'USDT', '800.00', '0.01', '0.001', '5'),
)
_DEFAULT_BY_NAME = {spec.symbol: spec for spec in DEFAULT_SYMBOLS}


def symbol_spec(symbol: Union[str, SymbolSpec]) -> SymbolSpec:
    """The spec of a symbol: a listed default, or a generic one derived from the name.

    Raises:
        ValueError: the name is empty, not upper-case or not alphanumeric.
    """
    if isinstance(symbol, SymbolSpec):
        check_precision(symbol)
        return symbol
    if not isinstance(symbol, str) or not symbol or symbol != symbol.upper() \
            or not symbol.isalnum():
        raise ValueError('symbols are upper-case letters and digits, got {!r}'.format(symbol))
    if symbol in _DEFAULT_BY_NAME:
        return _DEFAULT_BY_NAME[symbol]
    quote = next((q for q in _QUOTE_ASSETS if symbol.endswith(q) and symbol != q), symbol[-3:])
    base = symbol[:-len(quote)] or symbol
    # A stable price per name, independent of the seed, between 1 and 100.
    price = 10000 + random.Random('price:' + symbol).randrange(990000)
    return SymbolSpec(symbol, base, quote, format_e8(price * 10 ** 4), '0.0001', '0.01', '10')


def check_precision(spec: SymbolSpec) -> None:
    """Check that prices times quantities are exact in 8 decimals.

    Raises:
        ValueError: tick and step sizes have more than 8 decimals together.
    """
    decimals = [len(s.partition('.')[2].rstrip('0')) for s in (spec.tick_size, spec.step_size)]
    if sum(decimals) > 8:
        raise ValueError('{}: tick and step decimals must add up to 8 at most'.format(spec.symbol))




def exchange_info(specs: Iterable[SymbolSpec], server_time: int) -> dict:
    """The ``GET /api/v3/exchangeInfo`` body for ``specs``, all ``TRADING``."""
    return {
        'timezone': 'UTC',
        'serverTime': server_time,
        'rateLimits': [dict(limit) for limit in RATE_LIMITS],
        'exchangeFilters': [],
        'symbols': [_symbol_info(spec) for spec in specs],
    }


def _symbol_info(spec: SymbolSpec) -> dict:
    return {
        'symbol': spec.symbol,
        'status': 'TRADING',
        'baseAsset': spec.base_asset,
        'baseAssetPrecision': 8,
        'quoteAsset': spec.quote_asset,
        'quotePrecision': 8,
        'quoteAssetPrecision': 8,
        'baseCommissionPrecision': 8,
        'quoteCommissionPrecision': 8,
        'orderTypes': list(_ORDER_TYPES),
        'icebergAllowed': True,
        'ocoAllowed': True,
        'otoAllowed': True,
        'quoteOrderQtyMarketAllowed': True,
        'allowTrailingStop': False,
        'cancelReplaceAllowed': False,
        'isSpotTradingAllowed': True,
        'isMarginTradingAllowed': True,
        'filters': [
            {'filterType': 'PRICE_FILTER', 'minPrice': format_e8(parse_e8(spec.tick_size)),
             'maxPrice': '1000000.00000000', 'tickSize': format_e8(parse_e8(spec.tick_size))},
            {'filterType': 'LOT_SIZE', 'minQty': format_e8(parse_e8(spec.step_size)),
             'maxQty': '9000000.00000000', 'stepSize': format_e8(parse_e8(spec.step_size))},
            {'filterType': 'NOTIONAL', 'minNotional': '0.00000000', 'applyMinToMarket': False,
             'maxNotional': '9000000000.00000000', 'applyMaxToMarket': False,
             'avgPriceMins': 5},
        ],
        'permissions': [],
        'permissionSets': [['SPOT', 'MARGIN']],
        'defaultSelfTradePreventionMode': 'NONE',
        'allowedSelfTradePreventionModes': ['NONE'],
    }
