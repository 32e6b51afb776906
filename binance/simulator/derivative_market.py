"""The markets of the derivatives venues: USDⓈ-M and COIN-M perpetuals, European options.

Pure code, no Twisted. The engine is spot's (:mod:`binance.simulator.market`:
the same order book, random order flow and statistics); what differs:

* book update ids jump by 1 to 3 per book update, so consecutive diff-depth
  events are linked by ``pu`` (the previous event's ``u``), never by
  ``U == u + 1``, as on Binance futures;
* every book update records its time (``T`` of futures events), and the REST
  snapshot is ``{"lastUpdateId", "E", "T", "bids", "asks"}``;
* futures report liquidations (every few aggregate trades, deterministically)
  and have mark, index and funding prices derived from the book;
* options are listed from the clock (expiry a week ahead) and quoted with
  Black-Scholes on the underlying's index price.

Each venue's order flow is seeded with ``'<venue>:<seed>'``, so a symbol listed
on two venues trades differently on each.
"""
import collections
import datetime
import random
from typing import Callable, Deque, Dict, Iterable, List, NamedTuple, Optional, Tuple, Union

from .derivative_streams import COINM_STREAMS, OPTIONS_STREAMS, USDM_STREAMS
from .fixedpoint import E8, format_e8, parse_e8
from .market import AggTrade, Market, SymbolMarket
from .market_symbols import SymbolSpec
from .option_pricing import YEAR_MS, Greeks, black_scholes
from .stats import Trade

__all__ = [
    'DerivativeSymbolMarket', 'FuturesMarket', 'CoinFuturesMarket', 'OptionsMarket',
    'OptionContract', 'USDM_SYMBOLS', 'COINM_SYMBOLS', 'OPTION_UNDERLYINGS', 'FUTURES_DEPTH_LIMIT',
    'FUNDING_INTERVAL_MS', 'option_symbol', 'parse_option_symbol', 'contract_usd', 'next_funding_ms',
]

#: Largest ``limit`` of a futures depth snapshot.
FUTURES_DEPTH_LIMIT = 1000
#: Funding every 8 hours (00:00, 08:00, 16:00 UTC).
FUNDING_INTERVAL_MS = 8 * 3600 * 1000
_MAX_FUNDING_E8 = 750000          # +-0.75 %, Binance's usual cap
_LIQUIDATIONS_KEPT = 64

#: USDⓈ-M perpetuals listed by default.
USDM_SYMBOLS = (
    SymbolSpec('BTCUSDT', 'BTC', 'USDT', '95000.00', '0.10', '0.001', '0.05'),
    SymbolSpec('ETHUSDT', 'ETH', 'USDT', '3300.00', '0.01', '0.001', '1'),
    SymbolSpec('BNBUSDT', 'BNB', 'USDT', '800.00', '0.010', '0.01', '5'),
)
#: COIN-M perpetuals listed by default (quantities in contracts).
COINM_SYMBOLS = (
    SymbolSpec('BTCUSD_PERP', 'BTC', 'USD', '95000.0', '0.1', '1', '20'),
    SymbolSpec('ETHUSD_PERP', 'ETH', 'USD', '3300.00', '0.01', '1', '50'),
)
#: USD value of one COIN-M contract, per base asset (others: 10).
_CONTRACT_USD = {'BTC': 100, 'ETH': 10}


class OptionUnderlying(NamedTuple):
    """An options underlying: its reference price, strike spacing and price grid."""

    symbol: str
    base: str
    price: int
    strike_step: int
    tick_size: str


#: Options underlyings listed by default, three strikes each around the price.
OPTION_UNDERLYINGS = (
    OptionUnderlying('BTCUSDT', 'BTC', 95000, 5000, '5'),
    OptionUnderlying('ETHUSDT', 'ETH', 3300, 100, '0.1'),
)
_OPTION_STEP = '0.01'
_OPTION_TYPICAL_QTY = '1'
# an options book needs room below its reference price for the random bids
_MIN_OPTION_TICKS = 200


class DerivativeSymbolMarket(SymbolMarket):
    """A futures or options symbol: jumping update ids, liquidations, book-derived prices.

    Args:
        spec: the symbol's description.
        seed: the venue's market seed.
        now: time of creation in ms.
        liquidation_every: every aggregate trade whose id is a multiple of
            this is reported as a liquidation (0: none, as on options).
    """

    def __init__(self, spec: SymbolSpec, seed: object, now: int, liquidation_every: int = 0) -> None:
        # set before the engine builds its book (which takes update ids)
        self._ids = random.Random('{!r}:{}:update-ids'.format(seed, spec.symbol))
        prices = random.Random('{!r}:{}:prices'.format(seed, spec.symbol))
        #: How far the index lies below the mark price, in e8 of the price (0.01 % to 0.06 %).
        self.basis_e8 = 10000 + prices.randrange(50000)
        self._liquidation_every = liquidation_every
        #: The latest liquidations (aggregate trades of liquidated positions), oldest first.
        self.liquidations: Deque[AggTrade] = collections.deque(maxlen=_LIQUIDATIONS_KEPT)
        super().__init__(spec, seed, now)

    def _id_step(self) -> int:
        return 1 + int(self._ids.random() * 3)

    def _record_fills(self, fills: List[Tuple[int, int]], taker_side: str, now: int,
                      split: bool) -> List[Trade]:
        first_new = len(self._aggs)
        trades = super()._record_fills(fills, taker_side, now, split)
        every = self._liquidation_every
        if every:
            self.liquidations.extend(agg for agg in self._aggs[first_new:] if agg.id % every == 0)
        return trades

    # -- prices ------------------------------------------------------------

    def mid_price_e8(self) -> int:
        """Middle of the best bid and ask in e8 (the last trade or the reference price if a side is empty)."""
        bid, ask = self.book.best_bid(), self.book.best_ask()
        if bid is not None and ask is not None:
            return (bid[0] + ask[0]) * self.tick_e8 // 2
        last = self.stats.last_trade
        if last is not None:
            return last.price
        return parse_e8(self.spec.price)

    def mark_price_e8(self) -> int:
        """The mark price in e8: the middle of the book."""
        return self.mid_price_e8()

    def index_price_e8(self) -> int:
        """The index price in e8: the mark price less this symbol's basis."""
        mark = self.mark_price_e8()
        return mark - mark * self.basis_e8 // E8

    def funding_rate_e8(self) -> int:
        """The funding rate in e8: the premium of mark over index, capped at 0.75 %."""
        index = self.index_price_e8()
        if index <= 0:
            return 0
        premium = (self.mark_price_e8() - index) * E8 // index
        return max(-_MAX_FUNDING_E8, min(_MAX_FUNDING_E8, premium))

    def liquidations_after(self, agg_id: int) -> List[AggTrade]:
        """Liquidations with an aggregate trade id above ``agg_id``, oldest first."""
        return [agg for agg in self.liquidations if agg.id > agg_id]

    @property
    def last_agg_id(self) -> int:
        """The id of the latest aggregate trade (before any, one less than the first)."""
        return self._next_agg_id - 1


def next_funding_ms(now: int) -> int:
    """The next funding time after ``now`` (every 8 hours from midnight UTC)."""
    return (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS


class FuturesMarket(Market):
    """The USDⓈ-M futures market: perpetuals with liquidations, mark and index prices.

    Args: as :class:`~binance.simulator.market.Market` (``symbols`` default
    :data:`USDM_SYMBOLS`).
    """

    default_symbols = USDM_SYMBOLS
    streams = USDM_STREAMS
    #: Every aggregate trade whose id is a multiple of this is a liquidation.
    liquidation_every = 13

    def _symbol_market(self, spec: SymbolSpec, seed: object, now: int) -> SymbolMarket:
        return DerivativeSymbolMarket(spec, seed, now, self.liquidation_every)

    def __getitem__(self, symbol: str) -> DerivativeSymbolMarket:
        return super().__getitem__(symbol)  # type: ignore[return-value]

    def depth_snapshot(self, symbol: str, limit: int = 500) -> dict:
        """The ``GET /fapi/v1/depth`` body: ``{"lastUpdateId", "E", "T", "bids", "asks"}``.

        ``lastUpdateId`` is the id of the book shown, so a local book built
        from this snapshot and the ``@depth`` stream (first event with
        ``U <= lastUpdateId <= u``, then ``pu`` equal to the previous ``u``)
        is the true book. ``E`` is the server time, ``T`` the time of the last
        book update. ``limit`` above 1000 gives 1000 levels.

        Raises:
            UnknownSymbolError: the symbol is not listed.
            ValueError: ``limit`` is not a positive int.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
            raise ValueError('limit must be a positive int, got {!r}'.format(limit))
        body = super().depth_snapshot(symbol, min(limit, FUTURES_DEPTH_LIMIT))
        return {'lastUpdateId': body['lastUpdateId'], 'E': self.now(), 'T': self[symbol].changed_ms,
                'bids': body['bids'], 'asks': body['asks']}

    def index_price_e8(self, symbol: str) -> int:
        """The index price of a listed symbol in e8.

        Raises:
            UnknownSymbolError: the symbol is not listed.
        """
        return self[symbol].index_price_e8()


class CoinFuturesMarket(FuturesMarket):
    """The COIN-M futures market (quantities in contracts of a fixed USD value)."""

    default_symbols = COINM_SYMBOLS
    streams = COINM_STREAMS
    liquidation_every = 11

    def contract_size(self, symbol: str) -> int:
        """USD value of one contract of ``symbol``.

        Raises:
            UnknownSymbolError: the symbol is not listed.
        """
        return contract_usd(self[symbol].spec)


def contract_usd(spec: SymbolSpec) -> int:
    """USD value of one COIN-M contract of ``spec`` (100 for BTC, 10 for the others)."""
    return _CONTRACT_USD.get(spec.base_asset, 10)


class OptionContract(NamedTuple):
    """One European option: ``<BASE>-<YYMMDD>-<strike>-<C|P>``."""

    symbol: str
    underlying: str
    strike: int
    call: bool
    expiry_ms: int
    volatility: float


def option_symbol(base: str, expiry_ms: int, strike: int, call: bool) -> str:
    """The option's symbol, e.g. ``BTC-260327-100000-C`` (expiry date in UTC)."""
    day = datetime.datetime.fromtimestamp(expiry_ms / 1000, datetime.timezone.utc)
    return '{}-{}-{}-{}'.format(base, day.strftime('%y%m%d'), strike, 'C' if call else 'P')


def parse_option_symbol(symbol: str) -> Tuple[str, int, int, bool]:
    """``(base, expiry_ms, strike, call)`` of an option symbol (expiry at 08:00 UTC).

    Raises:
        ValueError: not ``<BASE>-<YYMMDD>-<strike>-<C|P>``.
    """
    parts = symbol.split('-') if isinstance(symbol, str) else []
    if len(parts) != 4 or not parts[0].isalnum() or parts[0] != parts[0].upper() \
            or not parts[2].isdigit() or parts[3] not in ('C', 'P'):
        raise ValueError('an option symbol looks like BTC-260327-100000-C, got {!r}'.format(symbol))
    try:
        day = datetime.datetime.strptime(parts[1], '%y%m%d').replace(hour=8, tzinfo=datetime.timezone.utc)
    except ValueError:
        raise ValueError('bad expiry date in option symbol {!r}'.format(symbol)) from None
    return parts[0], int(day.timestamp() * 1000), int(parts[2]), parts[3] == 'C'


def _expiry_after(now: int) -> int:
    """08:00 UTC on the first Friday at least a week after ``now``."""
    day = datetime.datetime.fromtimestamp(now / 1000, datetime.timezone.utc) + datetime.timedelta(days=7)
    day += datetime.timedelta(days=(4 - day.weekday()) % 7)
    return int(day.replace(hour=8, minute=0, second=0, microsecond=0).timestamp() * 1000)


class OptionsMarket(Market):
    """The European options market: a call and a put per strike, quoted on the underlying's index.

    Args:
        seed: the venue's seed.
        symbols: option symbols (``BTC-260327-100000-C``; underlyings from
            :data:`OPTION_UNDERLYINGS`); default three strikes around each
            underlying's price, expiring on the first Friday a week after
            the market's creation time.
        now_ms: the time source, as for :class:`~binance.simulator.market.Market`.
        index_price_e8: ``underlying -> e8 price or None``, the underlying's
            index (the simulator passes the USDⓈ-M index); by default, and
            when it answers None, the underlying's reference price.

    Raises:
        ValueError: a malformed option symbol or an unknown underlying.
    """

    streams = OPTIONS_STREAMS

    def __init__(self, seed: object = 0, symbols: Optional[Iterable[str]] = None,
                 now_ms: Union[None, int, Callable[[], int]] = None,
                 index_price_e8: Optional[Callable[[str], Optional[int]]] = None) -> None:
        self._underlyings = {u.base: u for u in OPTION_UNDERLYINGS}
        self._index_source = index_price_e8
        self.contracts: Dict[str, OptionContract] = {}
        self._requested = None if symbols is None else list(symbols)
        super().__init__(seed, None, now_ms)
        self._stream_groups = {u.symbol.lower(): u.symbol for u in OPTION_UNDERLYINGS
                               if any(c.underlying == u.symbol for c in self.contracts.values())}

    def _default_symbols(self, now: int) -> List[SymbolSpec]:
        seed = self.seed
        if self._requested is None:
            wanted = []
            expiry = _expiry_after(now)
            for underlying in OPTION_UNDERLYINGS:
                for k in (-1, 0, 1):
                    strike = underlying.price + k * underlying.strike_step
                    for call in (True, False):
                        wanted.append(option_symbol(underlying.base, expiry, strike, call))
        else:
            wanted = self._requested
        specs = []
        for name in wanted:
            base, expiry, strike, call = parse_option_symbol(name)
            underlying = self._underlyings.get(base)
            if underlying is None:
                raise ValueError('no options underlying for {!r}; listed: {}'.format(
                    name, ', '.join(sorted(self._underlyings))))
            rng = random.Random('{!r}:{}:volatility'.format(seed, name))
            moneyness = abs(strike / underlying.price - 1.0)
            contract = OptionContract(name, underlying.symbol, strike, call, expiry,
                                      0.45 + 0.2 * rng.random() + moneyness)
            self.contracts[name] = contract
            greeks = self._greeks(contract, underlying.price * E8, now)
            tick_e8 = parse_e8(underlying.tick_size)
            ticks = max(_MIN_OPTION_TICKS, int(greeks.price * E8) // tick_e8)
            specs.append(SymbolSpec(name, base, 'USDT', format_e8(ticks * tick_e8), underlying.tick_size,
                                    _OPTION_STEP, _OPTION_TYPICAL_QTY))
        return specs

    def _symbol_market(self, spec: SymbolSpec, seed: object, now: int) -> SymbolMarket:
        return DerivativeSymbolMarket(spec, seed, now)

    def __getitem__(self, symbol: str) -> DerivativeSymbolMarket:
        return super().__getitem__(symbol)  # type: ignore[return-value]

    @property
    def underlyings(self) -> Tuple[str, ...]:
        """The underlyings that have listed options (``BTCUSDT``...)."""
        return tuple(self._stream_groups.values())

    def options_of(self, underlying: str) -> List[str]:
        """The listed options of ``underlying``, in listing order."""
        return [name for name, c in self.contracts.items() if c.underlying == underlying]

    def underlying_price_e8(self, underlying: str) -> int:
        """The index price of ``underlying`` in e8."""
        price = self._index_source(underlying) if self._index_source is not None else None
        if price is None:
            price = next(u.price for u in OPTION_UNDERLYINGS if u.symbol == underlying) * E8
        return price

    def greeks(self, symbol: str, now: Optional[int] = None) -> Greeks:
        """Black-Scholes price and greeks of a listed option at ``now`` (default: the market's time).

        Raises:
            KeyError: the option is not listed.
        """
        contract = self.contracts[symbol]
        return self._greeks(contract, self.underlying_price_e8(contract.underlying),
                            self.now() if now is None else now)

    @staticmethod
    def _greeks(contract: OptionContract, underlying_e8: int, now: int) -> Greeks:
        return black_scholes(underlying_e8 / E8, float(contract.strike), (contract.expiry_ms - now) / YEAR_MS,
                             contract.volatility, contract.call)

    def depth_snapshot(self, symbol: str, limit: int = 100) -> dict:
        """The ``GET /eapi/v1/depth`` body: ``{"bids", "asks", "T", "lastUpdateId"}``.

        Raises:
            UnknownSymbolError: the option is not listed.
            ValueError: ``limit`` is not a positive int.
        """
        body = super().depth_snapshot(symbol, limit)
        return {'bids': body['bids'], 'asks': body['asks'], 'T': self[symbol].changed_ms,
                'lastUpdateId': body['lastUpdateId']}
