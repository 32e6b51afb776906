"""Spot market data: python-binance 0.7.11's methods on today's ``/api/v3`` endpoints."""
from typing import Any, Dict, Iterator, List, Optional

from ..exceptions import BinanceAPIException
from .endpoint import API, NONE, WWW, Endpoint, EndpointMethods, calls
from .history import iter_aggregate_trades, iter_klines

__all__ = ['MarketData']

_KLINE_PARAMS = ('symbol', 'interval', 'startTime', 'endTime', 'timeZone', 'limit')
_KLINE_ROW = ('``[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, '
              'takerBuyBase, takerBuyQuote, ignore]`` rows, oldest first.')


class MarketData(EndpointMethods):
    """Public spot market data (no API key needed)."""

    ping = Endpoint('GET', API, 'v3/ping', weight=1, kwargs=False,
                    summary='Test connectivity.', returns='``{}``')
    get_server_time = Endpoint('GET', API, 'v3/time', weight=1, kwargs=False,
                               summary='The server time.', returns='``{"serverTime": <ms>}``')
    get_exchange_info = Endpoint(
        'GET', API, 'v3/exchangeInfo', weight=20,
        params=('symbol', 'symbols', 'permissions', 'showPermissionSets', 'symbolStatus'),
        summary='Trading rules, rate limits and symbols.',
        returns='``{"timezone", "serverTime", "rateLimits", "exchangeFilters", "symbols"}``')
    get_all_tickers = Endpoint('GET', API, 'v3/ticker/price', weight=4, kwargs=False,
                               summary='Latest price of every symbol.',
                               returns='``[{"symbol", "price"}, ...]``')
    get_orderbook_tickers = Endpoint(
        'GET', API, 'v3/ticker/bookTicker', weight=4, params=('symbol', 'symbols'),
        summary='Best bid and ask of every symbol.',
        returns='``[{"symbol", "bidPrice", "bidQty", "askPrice", "askQty"}, ...]``')
    get_order_book = Endpoint(
        'GET', API, 'v3/depth', weight='5 (limit <= 100) to 250 (limit > 1000)',
        params=('symbol', 'limit'), required=('symbol',),
        summary='Order book snapshot (limit default 100, at most 5000).',
        returns='``{"lastUpdateId", "bids": [[price, qty], ...], "asks": [...]}``')
    get_recent_trades = Endpoint(
        'GET', API, 'v3/trades', weight=25, params=('symbol', 'limit'), required=('symbol',),
        was='GET /api/v1/trades', summary='Recent trades (limit default 500, at most 1000).',
        returns='``[{"id", "price", "qty", "quoteQty", "time", "isBuyerMaker", "isBestMatch"}, ...]``')
    get_historical_trades = Endpoint(
        'GET', API, 'v3/historicalTrades', security=NONE, weight=25,
        params=('symbol', 'limit', 'fromId'), required=('symbol',),
        summary='Older trades, from a trade id (limit default 500, at most 1000).',
        returns='The same rows as :meth:`get_recent_trades`.')
    get_aggregate_trades = Endpoint(
        'GET', API, 'v3/aggTrades', weight=4,
        params=('symbol', 'fromId', 'startTime', 'endTime', 'limit'), required=('symbol',),
        summary='Aggregate trades: fills of one taker order at one price, summed.',
        returns='``[{"a", "p", "q", "f", "l", "T", "m", "M"}, ...]`` (see ``Client.AGG_*``).')
    get_klines = Endpoint('GET', API, 'v3/klines', weight=2, params=_KLINE_PARAMS,
                          required=('symbol', 'interval'),
                          summary='Kline (candlestick) rows (limit default 500, at most 1000).',
                          returns=_KLINE_ROW)
    get_avg_price = Endpoint('GET', API, 'v3/avgPrice', weight=2, params=('symbol',),
                             required=('symbol',), summary='Current average price (5 minutes).',
                             returns='``{"mins": 5, "price", "closeTime"}``')
    get_ticker = Endpoint(
        'GET', API, 'v3/ticker/24hr', weight='2 with symbol, 80 without',
        params=('symbol', 'symbols', 'type'),
        summary='24 hour price change statistics of one symbol, or of all.',
        returns='A dict with ``priceChange``, ``lastPrice``, ``bidPrice``, ``volume``... '
                '(a list of them without ``symbol``).')
    get_symbol_ticker = Endpoint(
        'GET', API, 'v3/ticker/price', weight='2 with symbol, 4 without',
        params=('symbol', 'symbols'), summary='Latest price of one symbol, or of all.',
        returns='``{"symbol", "price"}`` (a list of them without ``symbol``).')
    get_orderbook_ticker = Endpoint(
        'GET', API, 'v3/ticker/bookTicker', weight='2 with symbol, 4 without',
        params=('symbol', 'symbols'), summary='Best bid and ask of one symbol, or of all.',
        returns='``{"symbol", "bidPrice", "bidQty", "askPrice", "askQty"}``')
    get_products = Endpoint(
        'GET', WWW, 'bapi/asset/v2/public/asset-service/product/get-products', weight=1,
        kwargs=False, fixed={'includeEtf': 'true'},
        was='GET https://www.binance.com/exchange-api/v1/public/asset-service/product/get-products',
        summary="The website's product list (not part of the documented API).",
        returns='``{"code", "message", "data": [{"s": symbol, ...}], "success"}``')

    @calls('GET /api/v3/exchangeInfo')
    def get_symbol_info(self, symbol: str) -> Optional[Dict[str, Any]]:
        """One symbol's entry of the exchange information, or ``None`` if unknown.

        Args:
            symbol: e.g. ``'BNBBTC'`` (case does not matter, as in 0.7.11).

        Returns:
            The ``symbols`` entry, or ``None`` for a symbol Binance does not list.

        Raises:
            TypeError: ``symbol`` is not a string.
            BinanceAPIException: another error than an unknown symbol.
        """
        if not isinstance(symbol, str):
            raise TypeError('symbol must be a string, not {}'.format(type(symbol).__name__))
        symbol = symbol.upper()
        try:
            info = self.get_exchange_info(symbol=symbol)
        except BinanceAPIException as exc:
            if exc.code == -1121:  # Invalid symbol.
                return None
            raise
        for entry in info.get('symbols', []):
            if entry.get('symbol') == symbol:
                return entry
        return None

    @calls('GET /api/v3/aggTrades (paged)')
    def aggregate_trade_iter(self, symbol: str, start_str: Any = None,
                             last_id: Optional[int] = None) -> Iterator[Dict[str, Any]]:
        """Every aggregate trade from a time or after an id, up to the newest, paged.

        Args:
            symbol: e.g. ``'BNBBTC'``.
            start_str: first trade time: milliseconds, a date string such as
                ``"30 minutes ago UTC"`` or a ``datetime``.
            last_id: yield the trades after this aggregate trade id
                (not together with ``start_str``). With neither, start at the
                symbol's first trade.

        Yields:
            Aggregate trade dicts, oldest first.

        Raises:
            ValueError: both ``start_str`` and ``last_id`` given, or a date
                string that cannot be read.
        """
        return iter_aggregate_trades(self.get_aggregate_trades, symbol, start_str, last_id,
                                     now_ms=self.timestamp)

    @calls('GET /api/v3/klines (paged)')
    def get_historical_klines(self, symbol: str, interval: str, start_str: Any,
                              end_str: Any = None, limit: int = 500) -> List[List[Any]]:
        """Every kline of a range, fetched ``limit`` rows per request.

        Args:
            symbol: e.g. ``'BNBBTC'``.
            interval: e.g. ``Client.KLINE_INTERVAL_1MINUTE``.
            start_str: first open time: milliseconds, a date string
                (``"1 day ago UTC"``, ``"January 01, 2018"``) or a ``datetime``.
            end_str: last open time, the same forms; ``None`` for up to now.
            limit: rows per request (Binance's maximum is 1000).

        Returns:
            Kline rows, oldest first.

        Raises:
            TypeError, ValueError: a bad ``start_str``, ``end_str`` or ``limit``.
        """
        return list(iter_klines(self.get_klines, symbol, interval, start_str, end_str, limit))

    @calls('GET /api/v3/klines (paged)')
    def get_historical_klines_generator(self, symbol: str, interval: str, start_str: Any,
                                        end_str: Any = None) -> Iterator[List[Any]]:
        """Like :meth:`get_historical_klines`, yielding rows as pages arrive (1000 per page).

        Args:
            symbol: e.g. ``'BNBBTC'``.
            interval: e.g. ``'1h'``.
            start_str: first open time (milliseconds, date string or ``datetime``).
            end_str: last open time, or ``None`` for up to now.

        Yields:
            Kline rows, oldest first.
        """
        return iter_klines(self.get_klines, symbol, interval, start_str, end_str, 1000)
