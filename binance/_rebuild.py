"""Retired all-market streams rebuilt from what Binance still serves.

binance.com accepts ``!ticker@arr`` (retired 2026-03-26) and ``!bookTicker``
(removed December 2022) and then sends nothing. A script written for
python-binance that calls ``start_ticker_socket`` or ``start_book_ticker_socket``
would wait for ever; :class:`RebuiltAllMarket` gives it the same messages
from streams that are still served:

* ``!miniTicker@arr`` names every symbol that traded in the last second: the
  first part's connection carries it, and every new symbol it names gets its
  ``<symbol>@ticker`` (or ``<symbol>@bookTicker``) stream, subscribed with
  ``SUBSCRIBE`` (:class:`Subscriptions`) on that connection while it has
  room and on further connections of up to the venue's stream limit after;
* ``!ticker@arr``: the latest 24-hour ticker of each symbol is kept
  (:class:`TickerArray`) and, about once a second, the tickers that changed
  since the previous message are delivered as one list, the shape the old
  stream had (same field names: each item is the ``<symbol>@ticker`` payload);
* ``!bookTicker``: each ``<symbol>@bookTicker`` update is delivered as it
  comes, the old stream's real-time objects.

Each connection reconnects on its own and subscribes again afterwards; the
socket as a whole gives up only when one of them does (see
:class:`~binance.composite.CompositeSocket`). Everything runs on the reactor
thread.
"""
import logging
from typing import Any, Callable, Dict, List, Optional, Sequence

from . import _checks
from ._timers import cancel_call
from .composite import CompositeSocket
from .connection import StreamSession, log_name
from .delivery import INLINE, DeliveryOptions
from .streams import ALL_BOOK_TICKERS, ALL_TICKERS

__all__ = ['TickerArray', 'Subscriptions', 'RebuiltAllMarket', 'rebuild_notice', 'REBUILT']

log = logging.getLogger('binance.websockets')

#: The per-symbol stream each retired all-market stream is rebuilt from.
REBUILT = {ALL_TICKERS: '@ticker', ALL_BOOK_TICKERS: '@bookTicker'}
#: Seconds between two messages of a rebuilt ``!ticker@arr`` (the old stream's cadence).
TICKER_CADENCE = 1.0
#: Seconds the first message waits for the first tickers to gather.
FIRST_GATHER = 0.25
#: The stream that names the symbols.
_DISCOVERY = '!miniTicker@arr'
#: Seconds a ``SUBSCRIBE`` may stay unanswered before the attempt counts as failed.
SUBSCRIBE_TIMEOUT = 10.0


def rebuild_notice(stream: str, fact: str) -> str:
    """The warning given when ``stream`` is rebuilt: the venue's ``fact``, then what it costs."""
    per_symbol = REBUILT[stream]
    extra = (' (thousands of messages a second)' if stream == ALL_BOOK_TICKERS else
             ', delivered as the same list of 24-hour tickers about once a second')
    replacement = ('start_symbol_book_ticker_socket(symbol, callback)' if stream == ALL_BOOK_TICKERS
                   else 'start_symbol_ticker_socket(symbol, callback) or '
                        'start_miniticker_socket(callback)')
    return ("{}; the socket rebuilds it from what is still served: '{}' to find the symbols "
            "and '<symbol>{}' of every symbol (one connection per 1,024 streams: two on "
            "binance.com, about 2,000 streams){}. Fewer connections: {}".format(
                fact, _DISCOVERY, per_symbol, extra, replacement))


class TickerArray:
    """The latest 24-hour ticker of each symbol, and which changed since the last :meth:`take`."""

    def __init__(self) -> None:
        self._latest: Dict[str, Any] = {}
        self._changed: Dict[str, None] = {}

    def update(self, ticker: Dict[str, Any]) -> None:
        """Keep ``ticker`` (a ``<symbol>@ticker`` payload) as its symbol's latest."""
        symbol = ticker.get('s')
        if isinstance(symbol, str):
            self._latest[symbol] = ticker
            self._changed[symbol] = None

    def take(self) -> List[Dict[str, Any]]:
        """The tickers changed since the previous call, in the order they first changed."""
        changed, self._changed = self._changed, {}
        return [self._latest[symbol] for symbol in changed]

    def __len__(self) -> int:
        return len(self._latest)


class Subscriptions(StreamSession):
    """The streams a connection subscribes with ``SUBSCRIBE`` once open, again after every reconnect.

    Requests go out in batches of :attr:`BATCH` streams, at most
    ``per_second`` requests a second (Binance counts them against its limit of
    incoming messages per connection). Their answers (``{"result": null,
    "id": N}``) are swallowed. A request left unanswered for ``timeout``
    seconds fails the attempt (the socket reconnects with backoff); a refused
    one is logged, and with ``strict`` fails the attempt too (streams the user
    named, as opposed to streams found on the way).

    When :meth:`~binance.connection.StreamConnection.reconnect_now` replaces
    the socket (a rotation, a silent stream), the old socket keeps delivering
    until every request of the new one is answered, so nothing published in
    between is missed.

    Args:
        streams: the streams to subscribe.
        per_second: requests per second at most.
        capacity: most streams this connection takes (:meth:`room` says how
            many more fit); ``None`` for no limit.
        strict: a refused request fails the attempt.
        timeout: seconds a request may stay unanswered.

    Raises:
        TypeError, ValueError: an argument of the wrong type or out of range (named).
    """

    #: Streams per ``SUBSCRIBE`` request.
    BATCH = 200
    market_data = True
    holds_outgoing = True

    def __init__(self, streams: Sequence[str] = (), per_second: float = 2.0,
                 capacity: Optional[int] = None, *, strict: bool = False,
                 timeout: float = SUBSCRIBE_TIMEOUT) -> None:
        if not isinstance(streams, (list, tuple)) or not all(isinstance(n, str) for n in streams):
            raise TypeError('streams must be a list of stream names')
        self._streams: List[str] = list(streams)
        self.capacity = None if capacity is None else _checks.positive_int('capacity', capacity)
        self.strict = _checks.flag('strict', strict)
        self.timeout = _checks.positive_number('timeout', timeout)
        self._interval = 1.0 / _checks.positive_number('per_second', per_second)
        self._done = 0
        self._next_id = 1
        self._open = False
        self._protocol: Optional[Any] = None
        self._timer: Optional[Any] = None
        self._waiting: Dict[int, Any] = {}
        #: ``SUBSCRIBE`` requests sent so far (every reconnect sends them again).
        self.sent = 0

    def __repr__(self) -> str:
        return '<Subscriptions {} streams>'.format(len(self._streams))

    @property
    def streams(self) -> List[str]:
        """Every stream of this connection."""
        return list(self._streams)

    @property
    def subscribed(self) -> bool:
        """True once the socket is open and every request on it was answered."""
        return self._open and self._done >= len(self._streams) and not self._waiting

    def __len__(self) -> int:
        return len(self._streams)

    def room(self) -> Optional[int]:
        """How many more streams fit, or ``None`` without a capacity."""
        return None if self.capacity is None else max(0, self.capacity - len(self._streams))

    def add(self, streams: Sequence[str]) -> None:
        """Subscribe ``streams`` too (now if the socket is open, else once it opens)."""
        self._streams.extend(streams)
        if self._open and self._timer is None:
            self._send()

    def on_open(self, protocol: Any) -> None:
        """The socket opened: subscribe everything, batch by batch."""
        self._cancel()
        self._open = True
        self._protocol = protocol
        self._done = 0
        self._send()

    def on_message(self, message: Any) -> Any:
        """Swallow the answers to our requests; pass everything else on."""
        if (type(message) is dict and 'id' in message
                and ('result' in message or 'error' in message) and len(message) <= 3):
            self._answered(message)
            return None
        return message

    def on_close(self) -> None:
        """A socket closed: if it was the current one, its subscriptions are gone (sent
        again on the next socket); a replaced one closing changes nothing."""
        connection = self.connection
        if connection is None or connection.protocol is not self._protocol:
            self._closed()

    def on_stop(self) -> None:
        """Release the timers."""
        self._closed()

    def _closed(self) -> None:
        self._open = False
        self._protocol = None
        self._cancel()

    def _send(self) -> None:
        self._timer = None
        connection = self.connection
        if not self._open or connection is None:
            return
        if self._done >= len(self._streams):
            self._settled()
            return
        batch = self._streams[self._done:self._done + self.BATCH]
        request_id = self._next_id
        if connection.send({'method': 'SUBSCRIBE', 'params': batch, 'id': request_id}):
            self._next_id += 1
            self._done += len(batch)
            self.sent += 1
            self._waiting[request_id] = connection.clock.callLater(
                self.timeout, self._unanswered, request_id)
        if self._done < len(self._streams):
            self._timer = connection.clock.callLater(self._interval, self._send)

    def _answered(self, message: Dict[str, Any]) -> None:
        cancel_call(self._waiting.pop(message.get('id'), None))
        connection = self.connection
        if connection is None:
            return
        error = message.get('error')
        if error is not None:
            text = error.get('msg') if isinstance(error, dict) else error
            if self.strict:
                self._closed()
                connection.fail_attempt('the server refused a SUBSCRIBE: {}'.format(text))
                return
            log.warning('%s: a subscription was refused: %s', connection.name, text)
        self._settled()

    def _settled(self) -> None:
        connection = self.connection
        if self.subscribed and connection is not None:
            connection.release_outgoing()

    def _unanswered(self, request_id: int) -> None:
        self._waiting.pop(request_id, None)
        connection = self.connection
        if connection is not None and self._open:
            self._closed()
            connection.fail_attempt('a SUBSCRIBE stayed unanswered for {:g} s'.format(
                self.timeout))

    def _cancel(self) -> None:
        cancel_call(self._timer)
        self._timer = None
        for deadline in self._waiting.values():
            cancel_call(deadline)
        self._waiting.clear()


class RebuiltAllMarket(CompositeSocket):
    """``!ticker@arr`` or ``!bookTicker`` rebuilt from per-symbol streams (see the module docstring).

    Args:
        name: the socket's ``conn_key`` (``'ws/!ticker@arr'``).
        callback: the user's callback.
        stream: :data:`~binance.streams.ALL_TICKERS` or :data:`~binance.streams.ALL_BOOK_TICKERS`.
        new_connection: builds a part: ``new_connection(url, callback, name=,
            session=, list_messages=, on_give_up=)`` (the manager's
            :meth:`~binance._manager.ManagerBase.new_connection`).
        base_url: the venue's stream base (``wss://stream.binance.com:9443/``).
        max_streams: streams one connection may carry.
        per_second: ``SUBSCRIBE`` requests per second per connection.
        clock: the reactor (for the cadence timer).
        cadence: seconds between two ``!ticker@arr`` messages.
        delivery: how the rebuilt messages reach ``callback``
            (:class:`~binance.delivery.DeliveryOptions`; inline if ``None``).
            The parts always deliver inline to the rebuild.
    """

    def __init__(self, name: str, callback: Callable[[Any], Any], *, stream: str,
                 new_connection: Callable[..., Any], base_url: str, max_streams: int = 1024,
                 per_second: float = 2.0, clock: Any = None,
                 cadence: float = TICKER_CADENCE,
                 delivery: Optional[DeliveryOptions] = None) -> None:
        queue = delivery.queue_for(callback, log_name(name)) if delivery is not None else None
        super().__init__(name, callback, clock, queue=queue)
        if stream not in REBUILT:
            raise ValueError('only {} can be rebuilt, not {!r}'.format(' and '.join(REBUILT), stream))
        self.stream = stream
        self._suffix = REBUILT[stream]
        self._new_connection = new_connection
        self._base = base_url if base_url.endswith('/') else base_url + '/'
        self._max_streams = max_streams
        self._per_second = per_second
        self._cadence = cadence
        self._tickers = TickerArray()
        self._symbols: Dict[str, None] = {}
        self._sessions: List[Subscriptions] = []
        self._timer: Optional[Any] = None
        self._announced = 0

    @property
    def symbols(self) -> List[str]:
        """The symbols found so far."""
        return list(self._symbols)

    def on_start(self) -> None:
        """Open the first connection (``!miniTicker@arr``)."""
        self._add_connection('ws/' + _DISCOVERY, capacity=self._max_streams - 1)

    def on_stop(self) -> None:
        """Release the cadence timer."""
        cancel_call(self._timer)
        self._timer = None

    def _add_connection(self, path: str, capacity: int) -> Subscriptions:
        session = Subscriptions(per_second=self._per_second, capacity=capacity)
        self._sessions.append(session)
        index = len(self._sessions)
        # The discovery stream sends every second: the watchdog watches it. The other
        # parts' streams change as symbols are found (a quiet symbol is no sign of trouble).
        streams = [_DISCOVERY] if path.endswith(_DISCOVERY) else []
        self.add_part(self._new_connection(
            self._base + path, self._on_message, name='{} ({}/{})'.format(self.name, index, path),
            session=session, list_messages=True, on_give_up=self.part_gave_up, delivery=INLINE,
            streams=streams))
        return session

    def _on_message(self, message: Any) -> None:
        if type(message) is list:
            self._discover(message)
        elif self.stream == ALL_TICKERS:
            if message.get('e') == '24hrTicker':
                self._tickers.update(message)
                if self._timer is None and not self._stopped:
                    # The first tickers: deliver them soon, then at the cadence.
                    self._timer = self.clock.callLater(min(FIRST_GATHER, self._cadence),
                                                       self._emit)
        elif 'b' in message and 'a' in message:  # a book ticker: no event type
            self.deliver(message)

    def _discover(self, mini_tickers: List[Any]) -> None:
        new = [item['s'] for item in mini_tickers
               if type(item) is dict and isinstance(item.get('s'), str)
               and item['s'] not in self._symbols]
        if not new:
            return
        for symbol in new:
            self._symbols[symbol] = None
        streams = [symbol.lower() + self._suffix for symbol in new]
        while streams:
            session = self._sessions[-1]
            if not session.room():
                session = self._add_connection('ws', capacity=self._max_streams)
            room = session.room()
            session.add(streams[:room])
            streams = streams[room:]
        if len(self._symbols) >= 2 * self._announced:
            self._announced = len(self._symbols)
            log.info('%s: rebuilt from %d symbols over %d connections', self.name,
                     len(self._symbols), len(self._sessions))

    def _emit(self) -> None:
        tickers = self._tickers.take()
        if tickers:
            self._timer = self.clock.callLater(self._cadence, self._emit)
            self.deliver(tickers)
        else:
            # Nothing changed (a connection is being replaced): the next ticker
            # re-arms the timer, so the list follows it closely.
            self._timer = None
