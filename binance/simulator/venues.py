"""The simulator's venues: spot, USDⓈ-M futures, COIN-M futures and European options.

A :class:`Venue` is one market (the same engine for all: :mod:`market`,
:mod:`orderbook`, :mod:`stats`), the :class:`~binance.simulator.feed.MarketFeed`
that publishes it and its connection rules; its name is also the account scope
of its listen keys. :func:`build_derivative_venues` makes the three derivatives venues of a
simulator, seeded from its seed; spot is the simulator's own ``market`` and
``feed``.

Where their streams are served (one port, as the URL layout fixes it):

==========  =================================================  =====================
venue       market streams                                     user data (listen key)
==========  =================================================  =====================
spot        ``/ws/...``, ``/stream?streams=``                  ``/ws/<key>`` (Binance US)
USDⓈ-M      ``/fstream/public/...``, ``/fstream/market/...``   ``/fstream/private/ws?listenKey=<key>``
options     the same ``/fstream/`` routes                      ``/fstream/private/ws/<key>``
COIN-M      ``/dstream/ws/...``, ``/dstream/stream?streams=``  ``/dstream/ws/<key>``
==========  =================================================  =====================
"""
from typing import TYPE_CHECKING, Any, Dict, Optional

from .connection_rules import ConnectionRules
from .derivative_feeds import COINM_KIT, USDM_KIT, options_kit
from .derivative_market import CoinFuturesMarket, FuturesMarket, OptionsMarket
from .feed import MarketFeed
from .market import Market

if TYPE_CHECKING:  # pragma: no cover
    from . import Simulator

__all__ = ['Venue', 'SpotVenue', 'build_derivative_venues', 'SPOT', 'USDM', 'COINM', 'OPTIONS', 'VENUES']

SPOT = 'spot'
USDM = 'usdm'
COINM = 'coinm'
OPTIONS = 'options'
#: Every venue name, in the order the simulator lists them.
VENUES = (SPOT, USDM, COINM, OPTIONS)


class Venue:
    """One venue of the simulator.

    Args:
        name: one of :data:`VENUES`.
        market: its market.
        feed: the feed publishing the market (started and stopped with the simulator).
        rules: the connection rules of its stream connections.
        retired_streams_live: whether retired stream names carry data (spot on Binance US).
    """

    def __init__(self, name: str, market: Market, feed: Any, rules: ConnectionRules,
                 retired_streams_live: bool = False) -> None:
        self.name = name
        self._market = market
        self._feed = feed
        self.rules = rules
        self._retired_live = retired_streams_live

    def __repr__(self) -> str:
        return '<Venue {} {!r}>'.format(self.name, self.market)

    @property
    def market(self) -> Market:
        """The venue's market."""
        return self._market

    @property
    def feed(self) -> Any:
        """The feed publishing :attr:`market`."""
        return self._feed

    @property
    def retired_streams_live(self) -> bool:
        """Whether retired stream names carry data."""
        return self._retired_live

    def serves(self, stream: str) -> bool:
        """Whether ``stream`` names one of this venue's streams (listed symbol, known type)."""
        return self.market.parse_stream(stream) is not None

    def carries_data(self, stream: str) -> bool:
        """Whether ``stream`` carries data on this venue (retired names only when they are live)."""
        return self.market.is_known_stream(stream, retired_live=self.retired_streams_live)


class SpotVenue(Venue):
    """Spot: the simulator's own ``market`` and ``feed`` (looked up at each use, so they may be replaced)."""

    def __init__(self, sim: 'Simulator') -> None:
        super().__init__(SPOT, None, None, ConnectionRules(sim.config))  # type: ignore[arg-type]
        self._sim = sim

    @property
    def market(self) -> Market:
        return self._sim.market

    @property
    def feed(self) -> Any:
        return self._sim.feed

    @property
    def retired_streams_live(self) -> bool:
        return bool(self._sim.config.retired_streams_live)


def build_derivative_venues(sim: 'Simulator') -> Dict[str, Venue]:
    """USDⓈ-M, COIN-M and options venues for ``sim``, seeded ``'<venue>:<seed>'``.

    The options underlyings are priced on the USDⓈ-M index of the same symbol.
    """
    config = sim.config
    seed = config.seed

    def feed(market: Market, kit: Any) -> MarketFeed:
        return MarketFeed(market, sim.clock, trade_rate=config.trade_rate, kit=kit)

    futures_rules = ConnectionRules(config, 'futures', announces_shutdown=False)
    usdm = FuturesMarket(seed='{}:{}'.format(USDM, seed), now_ms=sim.now_ms)
    coinm = CoinFuturesMarket(seed='{}:{}'.format(COINM, seed), now_ms=sim.now_ms)

    def index_of(underlying: str) -> Optional[int]:
        return usdm.index_price_e8(underlying) if underlying in usdm else None

    options = OptionsMarket(seed='{}:{}'.format(OPTIONS, seed), now_ms=sim.now_ms, index_price_e8=index_of)
    return {
        USDM: Venue(USDM, usdm, feed(usdm, USDM_KIT), futures_rules),
        COINM: Venue(COINM, coinm, feed(coinm, COINM_KIT), futures_rules),
        OPTIONS: Venue(OPTIONS, options, feed(options, options_kit(options)),
                       ConnectionRules(config, 'options', announces_shutdown=False)),
    }
