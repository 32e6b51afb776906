"""Fault injection: make the simulated exchange misbehave on purpose.

Every public method of :class:`Faults` may be called from any thread; the
work runs on the reactor thread and the call returns its result. Faults that
emit frames write them with :mod:`binance.simulator.frames`, bypassing the
WebSocket library, because a correct library would refuse to send them.
"""
import logging
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Union

import orjson

from .. import _reactor
from . import apierrors, frames

if TYPE_CHECKING:  # pragma: no cover
    from . import Simulator

log = logging.getLogger(__name__)

#: The masking key of :meth:`Faults.send_masked` (any 4 bytes; servers must use none).
MASKING_KEY = b'\x37\xfa\x21\x3d'

Payload = Union[bytes, str, Dict[str, Any], None]


class Faults:
    """Fault injection for one :class:`~binance.simulator.Simulator`.

    Connection selection: ``conn_id`` picks one connection (ids are listed by
    :meth:`connections`); without it, ``drop_one``/``freeze``/``thaw`` pick the
    oldest open connection and the frame faults go to every connection.
    ``kind`` restricts to one endpoint kind (``'stream'`` spot market streams,
    ``'fstream'`` the USDⓈ-M and options routes, ``'dstream'`` COIN-M,
    ``'ws-api'`` the WebSocket API) or to one venue (``'spot'``, ``'usdm'``,
    ``'coinm'``, ``'options'``). Methods return how many connections were
    affected unless documented otherwise.
    """

    #: Names reachable through the control endpoint (POST /control/faults/<name>).
    NAMES = ('drop_one', 'drop_all', 'refuse_connections', 'freeze', 'freeze_all', 'thaw', 'thaw_all',
             'server_shutdown', 'expire_listen_key', 'expire_listen_tokens', 'send_malformed_json',
             'send_invalid_utf8', 'send_binary', 'send_oversize', 'send_fragmented', 'send_masked',
             'send_trickle', 'send_burst', 'fail_depth_snapshots', 'stale_depth_snapshots',
             'skip_depth_updates', 'use_request_weight')

    def __init__(self, sim: 'Simulator') -> None:
        self._sim = sim

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return _reactor.blocking_call(fn, *args, **kwargs)

    # -- selection -----------------------------------------------------------

    def _select(self, conn_id: Optional[int], kind: Optional[str], every: bool) -> List[Any]:
        conns = [c for c in self._sim.connections.values()
                 if kind is None or kind in (c.kind, getattr(c, 'venue', None))]
        if conn_id is not None:
            return [c for c in conns if c.conn_id == int(conn_id)]
        conns.sort(key=lambda c: c.conn_id)
        return conns if every else conns[:1]

    def connections(self) -> List[Dict[str, Any]]:
        """A summary of every open WebSocket connection (oldest first)."""
        return self._call(lambda: [c.describe() for c in self._select(None, None, True)])

    # -- connection faults ---------------------------------------------------

    def drop_one(self, conn_id: Optional[int] = None, kind: Optional[str] = None) -> int:
        """Abort one connection's TCP (``conn_id``, else the oldest)."""
        return self._call(self._apply, conn_id, kind, False, lambda c: c.drop())

    def drop_all(self, kind: Optional[str] = None) -> int:
        """Abort every connection's TCP."""
        return self._call(self._apply, None, kind, True, lambda c: c.drop())

    def refuse_connections(self, seconds: float, status: Optional[int] = None) -> None:
        """Refuse WebSocket handshakes for ``seconds``.

        Args:
            seconds: how long, in seconds of the simulator's clock.
            status: None resets the TCP connection; an HTTP status (e.g. 503)
                answers the handshake with that status and ``Retry-After``.
        """
        self._call(self._sim.refuse_connections, float(seconds), None if status is None else int(status))

    def freeze(self, conn_id: Optional[int] = None, kind: Optional[str] = None,
               seconds: Optional[float] = None) -> int:
        """Half-open one connection: no reading, no writing, no pings or pongs.

        Events published to it meanwhile are lost, as on a real half-open socket.

        Args:
            conn_id, kind: which connection (see the class docstring).
            seconds: thaw it again after this many seconds of the simulator's
                clock; ``None`` leaves it frozen until :meth:`thaw`.
        """
        def freeze_for(conn: Any) -> None:
            conn.freeze()
            if seconds is not None:
                self._sim.clock.callLater(float(seconds), conn.thaw)
        return self._call(self._apply, conn_id, kind, False, freeze_for)

    def freeze_all(self, kind: Optional[str] = None) -> int:
        """Half-open every connection."""
        return self._call(self._apply, None, kind, True, lambda c: c.freeze())

    def thaw(self, conn_id: Optional[int] = None, kind: Optional[str] = None) -> int:
        """Undo :meth:`freeze` for one connection (``conn_id``, else the oldest frozen)."""
        def run() -> int:
            frozen = [c for c in self._select(conn_id, kind, True) if c.frozen]
            for c in frozen[:1]:
                c.thaw()
            return len(frozen[:1])
        return self._call(run)

    def thaw_all(self, kind: Optional[str] = None) -> int:
        """Undo :meth:`freeze` everywhere."""
        return self._call(self._apply, None, kind, True, lambda c: c.thaw())

    def server_shutdown(self, lead: Optional[float] = None, conn_id: Optional[int] = None,
                        kind: Optional[str] = None) -> int:
        """Send ``serverShutdown`` and close ``lead`` seconds later (default ``shutdown_notice``)."""
        delay = self._sim.config.interval('shutdown_notice') if lead is None else float(lead)
        return self._call(self._apply, conn_id, kind, True, lambda c: c.announce_shutdown(delay))

    def expire_listen_key(self, key: str) -> Any:
        """Expire a listen key now (the account sends ``listenKeyExpired``)."""
        return self._call(self._delegate, 'expire_listen_key', key)

    def expire_listen_tokens(self) -> Any:
        """Expire every margin listen token now (``eventStreamTerminated``)."""
        return self._call(self._delegate, 'expire_listen_tokens')

    def _delegate(self, name: str, *args: Any) -> Any:
        fn = getattr(self._sim.accounts, name, None)
        if fn is None:
            raise NotImplementedError('the simulated accounts do not support {}'.format(name))
        return fn(*args)

    def _apply(self, conn_id: Optional[int], kind: Optional[str], every: bool,
               action: Callable[[Any], None]) -> int:
        targets = self._select(conn_id, kind, every)
        for conn in targets:
            action(conn)
        return len(targets)

    # -- bad frames ----------------------------------------------------------

    def _emit(self, data_for: Callable[[Any], bytes], conn_id: Optional[int], kind: Optional[str]) -> int:
        def run() -> int:
            targets = [c for c in self._select(conn_id, kind, True) if not c.frozen]
            for conn in targets:
                conn.write_raw(data_for(conn))
            return len(targets)
        return self._call(run)

    def _payload(self, payload: Payload, name: str) -> bytes:
        if payload is None:
            return orjson.dumps({'e': 'simulatorFault', 'E': self._sim.now_ms(), 'fault': name})
        if isinstance(payload, str):
            return payload.encode('utf-8')
        if isinstance(payload, dict):
            return orjson.dumps(payload)
        return bytes(payload)

    def send_malformed_json(self, conn_id: Optional[int] = None, kind: Optional[str] = None) -> int:
        """A text frame whose JSON is cut off in the middle."""
        frame = frames.encode_frame(frames.OP_TEXT, b'{"e":"trade","E":17,"s":"BNB')
        return self._emit(lambda c: frame, conn_id, kind)

    def send_invalid_utf8(self, conn_id: Optional[int] = None, kind: Optional[str] = None) -> int:
        """A text frame that is not valid UTF-8."""
        frame = frames.encode_frame(frames.OP_TEXT, b'{"e":"trade","s":"\xff\xfe\xfd"}')
        return self._emit(lambda c: frame, conn_id, kind)

    def send_binary(self, payload: Payload = None, conn_id: Optional[int] = None,
                    kind: Optional[str] = None) -> int:
        """A binary frame (Binance market streams only send text)."""
        frame = frames.encode_frame(frames.OP_BINARY, self._payload(payload, 'binary'))
        return self._emit(lambda c: frame, conn_id, kind)

    def send_oversize(self, size: int = 2 << 20, conn_id: Optional[int] = None,
                      kind: Optional[str] = None) -> int:
        """A valid JSON text message of ``size`` bytes (default 2 MiB)."""
        head = b'{"e":"simulatorFault","fault":"oversize","pad":"'
        pad = max(0, int(size) - len(head) - 2)
        frame = frames.text_frame(head + b'x' * pad + b'"}')
        return self._emit(lambda c: frame, conn_id, kind)

    def send_fragmented(self, payload: Payload = None, parts: int = 3, conn_id: Optional[int] = None,
                        kind: Optional[str] = None) -> int:
        """A valid JSON message split over ``parts`` frames (text + continuations)."""
        frame = frames.fragment_message(self._payload(payload, 'fragmented'), int(parts))
        return self._emit(lambda c: frame, conn_id, kind)

    def send_masked(self, payload: Payload = None, conn_id: Optional[int] = None,
                    kind: Optional[str] = None) -> int:
        """A masked text frame, which RFC 6455 forbids a server to send."""
        frame = frames.encode_frame(frames.OP_TEXT, self._payload(payload, 'masked'), mask=MASKING_KEY)
        return self._emit(lambda c: frame, conn_id, kind)

    def send_burst(self, count: int = 1000, payload: Payload = None, conn_id: Optional[int] = None,
                   kind: Optional[str] = None) -> int:
        """``count`` text messages in one write; each carries its index as ``"n"`` by default."""
        def data_for(conn: Any) -> bytes:
            if payload is not None:
                one = frames.text_frame(self._payload(payload, 'burst'))
                return one * int(count)
            now = self._sim.now_ms()
            return b''.join(frames.text_frame(
                b'{"e":"simulatorFault","E":%d,"fault":"burst","n":%d}' % (now, i)) for i in range(int(count)))
        return self._emit(data_for, conn_id, kind)

    def send_trickle(self, payload: Payload = None, chunk: int = 3, delay: float = 0.01,
                     conn_id: Optional[int] = None, kind: Optional[str] = None) -> int:
        """One text message written ``chunk`` bytes at a time, ``delay`` seconds apart."""
        data = frames.text_frame(self._payload(payload, 'trickle'))
        step = max(1, int(chunk))
        pieces = [data[i:i + step] for i in range(0, len(data), step)]
        clock = self._sim.clock

        def write(conn: Any, index: int) -> None:
            if index >= len(pieces) or not conn._is_open:
                return
            conn.write_raw(pieces[index])
            clock.callLater(float(delay), write, conn, index + 1)

        def run() -> int:
            targets = [c for c in self._select(conn_id, kind, True) if not c.frozen]
            for conn in targets:
                write(conn, 0)
            return len(targets)
        return self._call(run)


    # -- order books -----------------------------------------------------------

    def fail_depth_snapshots(self, count: int = 1, status: int = 500, venue: str = 'spot') -> int:
        """Answer the next ``count`` order book snapshots of a venue with an error.

        Args:
            count: how many requests fail.
            status: the HTTP status: 500 (Binance's ``-1000``), 503 (``-1001``),
                429 (``-1003``, too much weight) or another (``-1001``).
            venue: ``'spot'`` (``GET /api/v3/depth``), ``'usdm'`` (``/fapi/v1/depth``)
                or ``'coinm'`` (``/dapi/v1/depth``).

        Returns:
            How many failures are now queued for that venue.

        Raises:
            KeyError: no such venue.
        """
        status = int(status)
        if status == 500:
            error = apierrors.internal()
        elif status == 429:
            error = apierrors.too_much_weight(self._sim.config.request_weight_limit, 1)
        else:
            error = apierrors.ApiError(status, -1001, 'Internal error; unable to process your '
                                                      'request. Please try again.')
        return self._call(lambda: _snapshot_faults(self._sim, venue).queue('fail', error, int(count)))

    def stale_depth_snapshots(self, count: int = 1, venue: str = 'spot') -> int:
        """Answer the next ``count`` snapshots of a venue with the books as they are now (stale by then).

        Models a snapshot served from a lagging cache: its ``lastUpdateId`` may
        be older than the first event a client buffered.

        Returns:
            How many stale answers are now queued for that venue.

        Raises:
            KeyError: no such venue.
        """
        def run() -> int:
            faults = _snapshot_faults(self._sim, venue)
            market = self._sim.venue(venue).market
            books = {symbol: faults.original(symbol, 5000) for symbol in market.symbols}
            return faults.queue('stale', books, int(count))
        return self._call(run)

    def skip_depth_updates(self, symbol: str, count: int = 1, venue: str = 'spot') -> int:
        """Lose diff-depth events of ``symbol``: a gap in the update ids every client sees.

        What the symbol's diff-depth streams gathered since their last event
        is thrown away, then the book changes ``count`` more times under
        update ids no event will cover: the event carrying all that is lost
        on its way. A client sees the next event's ``U`` jump (spot) or its
        ``pu`` differ from the previous ``u`` (futures), and only a new
        snapshot shows the changed levels.

        Args:
            venue: ``'spot'``, ``'usdm'`` or ``'coinm'``.

        Returns:
            The update id after the hidden changes.

        Raises:
            KeyError: ``symbol`` is not listed, or no such venue.
        """
        def run() -> int:
            market = self._sim.venue(venue).market[symbol]
            from .orderbook import BID
            for _ in range(int(count)):
                best = market.book.best_bid()
                price = best[0] if best is not None else market.to_ticks(market.spec.price)
                market.book.set_level(BID, price, market.book.qty(BID, price) + 1)
                market.update_id += 1
            market.lose_diffs()
            return market.update_id
        return self._call(run)

    def use_request_weight(self, weight: Optional[int] = None, ip: str = '127.0.0.1') -> int:
        """Spend REST request weight for ``ip`` in the current window (all that is left by default).

        The next requests from that IP get HTTP 429 with ``Retry-After`` (and
        418 bans if they keep coming), as on Binance.

        Returns:
            The weight used in the window afterwards.
        """
        from .weights import limiter_for

        def run() -> int:
            limiter = limiter_for(self._sim)
            now = self._sim.clock.seconds()
            left = limiter.limit - limiter.used(ip, now)
            spend = left if weight is None else min(int(weight), left)
            return limiter.charge(ip, spend, now) if spend > 0 else limiter.used(ip, now)
        return self._call(run)


class _SnapshotFaults:
    """Stands in for ``Market.depth_snapshot`` while snapshot faults are queued."""

    def __init__(self, market: Any) -> None:
        self._market = market
        self.original = type(market).depth_snapshot.__get__(market)
        self._queue: List[Any] = []

    def queue(self, kind: str, value: Any, count: int) -> int:
        self._queue.extend([(kind, value)] * max(0, count))
        self._market.depth_snapshot = self
        return len(self._queue)

    def __call__(self, symbol: str, limit: int = 100) -> dict:
        if not self._queue:
            return self.original(symbol, limit)
        kind, value = self._queue.pop(0)
        if not self._queue:
            del self._market.depth_snapshot   # back to the market's own method
        if kind == 'fail':
            raise value
        book = value.get(symbol)
        if book is None:
            return self.original(symbol, limit)
        return {'lastUpdateId': book['lastUpdateId'], 'bids': book['bids'][:limit],
                'asks': book['asks'][:limit]}


def _snapshot_faults(sim: Any, venue: str = 'spot') -> _SnapshotFaults:
    market = sim.venue(venue).market
    faults = market.__dict__.get('depth_snapshot')
    if not isinstance(faults, _SnapshotFaults):
        faults = _SnapshotFaults(market)
    return faults
