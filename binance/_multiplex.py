"""Multiplex sockets of any size: more streams than one connection carries, URLs too long to dial.

Binance serves at most 1024 streams per connection, and a server refuses a
request line that is too long (1024 stream names make a URL of about 16,000
characters, which servers commonly refuse; the socket would then retry and
give up). :func:`connection_plan` splits a multiplex's streams:

* into groups of at most ``max_streams`` streams, one connection each, all
  delivered to the one callback (a :class:`MultiplexSocket`, a
  :class:`~binance.composite.CompositeSocket`, under the one ``conn_key``);
* within a group, the streams whose names fit in a URL of ``max_url_length``
  characters go in the URL (``stream?streams=a/b/...``) and the rest are
  subscribed after connecting (:class:`SubscribeSession`): ``SUBSCRIBE``
  messages of at most :data:`STREAMS_PER_SUBSCRIBE` names, paced at
  ``subscribe_rate`` messages per second (Binance counts 5 incoming
  messages a second per spot connection, pings and pongs included), sent
  again after every reconnect. A reconnect keeps the old socket delivering
  until the new one has every subscription confirmed.

A multiplex that fits one URL stays the plain connection it always was.
"""
import logging
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence

from ._timers import cancel_call
from .composite import CompositeSocket
from .connection import StreamSession, log_name
from .delivery import DeliveryOptions, QueuedDelivery

__all__ = ['ConnectionPlan', 'connection_plan', 'SubscribeSession', 'MultiplexSocket',
           'open_multiplex', 'STREAMS_PER_SUBSCRIBE', 'SUBSCRIBE_TIMEOUT']

log = logging.getLogger('binance.websockets')

#: Stream names per ``SUBSCRIBE`` message.
STREAMS_PER_SUBSCRIBE = 200
#: Seconds a ``SUBSCRIBE`` may stay unanswered before the socket counts as failed.
SUBSCRIBE_TIMEOUT = 10.0


class ConnectionPlan(NamedTuple):
    """One connection of a multiplex: the URL it dials, the streams in it, those subscribed after."""

    url: str
    in_url: List[str]
    subscribed: List[str]

    @property
    def streams(self) -> List[str]:
        """Every stream this connection carries."""
        return self.in_url + self.subscribed


def connection_plan(url_for: Callable[[str], str], names: Sequence[str], *, max_streams: int,
                    max_url_length: int) -> List[ConnectionPlan]:
    """How the streams ``names`` are spread over connections (see the module docstring).

    Args:
        url_for: the URL of a path (``'stream?streams=a/b'``), as the manager dials it.
        names: the stream names, checked already.
        max_streams: most streams per connection.
        max_url_length: longest URL dialled.
    """
    plans = []
    for start in range(0, len(names), max_streams):
        group = list(names[start:start + max_streams])
        fit = _fitting(url_for, group, max_url_length)
        plans.append(ConnectionPlan(url_for(_path(group[:fit])), group[:fit], group[fit:]))
    return plans


def _path(names: Sequence[str]) -> str:
    return 'stream?streams=' + '/'.join(names)


def _fitting(url_for: Callable[[str], str], group: List[str], limit: int) -> int:
    """How many of ``group``'s first names fit in a URL of ``limit`` characters (at least 1)."""
    if len(url_for(_path(group))) <= limit:
        return len(group)
    low, high = 1, len(group)  # the URL grows with every name: bisect for the longest prefix
    while low < high:
        middle = (low + high + 1) // 2
        if len(url_for(_path(group[:middle]))) <= limit:
            low = middle
        else:
            high = middle - 1
    return low


class SubscribeSession(StreamSession):
    """Subscribes the streams that did not fit in the URL, paced, after every connect.

    The answers (``{"result": null, "id": n}``) never reach the callback; a
    refused or unanswered ``SUBSCRIBE`` fails the attempt (the socket
    reconnects with backoff and, if it keeps failing, gives up).

    Args:
        streams: the names to subscribe.
        rate: ``SUBSCRIBE`` messages per second at most.
        per_message: names per message.
        timeout: seconds an answer may take.
    """

    market_data = True
    holds_outgoing = True

    def __init__(self, streams: Sequence[str], rate: float, per_message: int = STREAMS_PER_SUBSCRIBE,
                 timeout: float = SUBSCRIBE_TIMEOUT) -> None:
        self.streams = list(streams)
        self.rate = rate
        self.per_message = per_message
        self.timeout = timeout
        self._batches: List[List[str]] = []
        self._waiting: Dict[int, Any] = {}
        self._next_id = 1
        self._timer: Optional[Any] = None
        self._protocol: Optional[Any] = None
        #: ``SUBSCRIBE`` messages sent so far (every connect sends them again).
        self.sent = 0

    def __repr__(self) -> str:
        return '<SubscribeSession {} streams>'.format(len(self.streams))

    @property
    def subscribed(self) -> bool:
        """True once every ``SUBSCRIBE`` of the current socket was confirmed."""
        return self._protocol is not None and not self._batches and not self._waiting

    def on_open(self, protocol: Any) -> None:
        """A socket opened: subscribe the streams, one message every ``1 / rate`` seconds."""
        self._reset()
        self._protocol = protocol
        step = self.per_message
        self._batches = [self.streams[i:i + step] for i in range(0, len(self.streams), step)]
        self._send_next()

    def on_message(self, message: Any) -> Any:
        """Swallow the answers to our requests; everything else is data."""
        if type(message) is dict and 'id' in message and 'stream' not in message \
                and ('result' in message or 'error' in message):
            self._answered(message)
            return None
        return message

    def on_close(self) -> None:
        """A socket closed: if it is the current one, stop subscribing on it."""
        connection = self.connection
        if connection is None or connection.protocol is not self._protocol:
            self._reset()

    def on_stop(self) -> None:
        """The connection stopped: release the timers."""
        self._reset()

    def _reset(self) -> None:
        cancel_call(self._timer)
        self._timer = None
        for deadline in self._waiting.values():
            cancel_call(deadline)
        self._waiting.clear()
        self._batches = []
        self._protocol = None

    def _send_next(self) -> None:
        self._timer = None
        connection = self.connection
        if connection is None or not self._batches or connection.protocol is not self._protocol:
            return
        batch = self._batches.pop(0)
        request_id = self._next_id
        self._next_id += 1
        self._waiting[request_id] = connection.clock.callLater(self.timeout, self._unanswered,
                                                                request_id)
        connection.send({'method': 'SUBSCRIBE', 'params': batch, 'id': request_id})
        self.sent += 1
        if self._batches:
            self._timer = connection.clock.callLater(1.0 / self.rate, self._send_next)

    def _answered(self, message: Dict[str, Any]) -> None:
        deadline = self._waiting.pop(message.get('id'), None)
        if deadline is None:
            return  # an answer on the replaced socket, or a late one
        cancel_call(deadline)
        connection = self.connection
        assert connection is not None
        if message.get('error') is not None:
            error = message['error']
            text = error.get('msg') if isinstance(error, dict) else error
            self._reset()
            connection.fail_attempt('the server refused a SUBSCRIBE: {}'.format(text))
            return
        if self.subscribed:
            log.debug('%s: %d streams subscribed after connecting', connection.name,
                      len(self.streams))
            connection.release_outgoing()

    def _unanswered(self, request_id: int) -> None:
        self._waiting.pop(request_id, None)
        connection = self.connection
        if connection is not None and connection.protocol is self._protocol:
            self._reset()
            connection.fail_attempt('a SUBSCRIBE stayed unanswered for {:g} s'.format(
                self.timeout))


class MultiplexSocket(CompositeSocket):
    """A multiplex spread over several connections, delivered to one callback.

    A queued delivery is shared by every part, so the callback runs on one
    worker thread, in order per connection.
    """

    def __init__(self, name: str, callback: Callable[[Any], Any], clock: Any = None,
                 queue: Optional[QueuedDelivery] = None) -> None:
        super().__init__(name, callback, clock)
        self.queue = queue

    def on_start(self) -> None:
        """Start the shared worker before the parts connect."""
        if self.queue is not None:
            self.queue.start()

    def on_stop(self) -> None:
        """Stop the shared worker."""
        if self.queue is not None:
            self.queue.stop()

    def deliver(self, message: Any) -> None:
        """The error message once for the whole socket, through the shared queue if any."""
        if self.queue is not None:
            self.queue.put_notice(message)
        else:
            super().deliver(message)

    def join_delivery(self, timeout: Optional[float] = None) -> bool:
        """Wait for the shared worker to end (see :meth:`StreamConnection.join_delivery`)."""
        return True if self.queue is None else self.queue.join(timeout)


def open_multiplex(manager: Any, conn_key: str, names: Sequence[str], callback: Callable[[Any], Any],
                   url_for: Callable[[str], str], max_streams: int, delivery: Any = None) -> Any:
    """Open the multiplex ``names`` under ``conn_key`` on ``manager``, split as needed.

    Args:
        manager: a :class:`~binance._manager.ManagerBase`.
        conn_key: the socket's key.
        names: the checked stream names.
        callback: the user's callback.
        url_for: the URL of a path on the manager's stream server.
        max_streams: the venue's most streams per connection.
        delivery: the socket's delivery option, or ``None`` for the manager's.

    Returns:
        ``conn_key``, or False if it is open already.
    """
    options = manager.options
    plans = connection_plan(url_for, names, max_streams=max_streams,
                            max_url_length=options.max_url_length)
    if len(plans) == 1 and not plans[0].subscribed:
        return manager.open_connection(conn_key, plans[0].url, callback, delivery=delivery)
    if manager.connection(conn_key) is not None:
        return False
    if len(plans) == 1:
        plan = plans[0]
        log.info('%s: %d of %d streams fit in the URL; subscribing the others after connecting',
                 log_name(conn_key), len(plan.in_url), len(names))
        connection = manager.new_connection(
            plan.url, callback, name=conn_key, delivery=delivery, streams=plan.streams,
            session=SubscribeSession(plan.subscribed, options.subscribe_rate))
        return manager.open_socket(conn_key, connection)
    chosen = options.delivery if delivery is None else DeliveryOptions.coerce(delivery)
    queue = None
    if chosen.queued:
        queue = QueuedDelivery(callback, policy=chosen.policy, maxsize=chosen.maxsize,
                               name=log_name(conn_key))
    socket = MultiplexSocket(conn_key, callback, queue=queue)
    log.info('%s: %d streams spread over %d connections of at most %d streams',
             log_name(conn_key), len(names), len(plans), max_streams)
    for number, plan in enumerate(plans, 1):
        session = (SubscribeSession(plan.subscribed, options.subscribe_rate)
                   if plan.subscribed else None)
        socket.add_part(manager.new_connection(
            plan.url, callback, name='{} (connection {} of {})'.format(
                log_name(conn_key), number, len(plans)),
            session=session, streams=plan.streams, on_give_up=socket.part_gave_up,
            delivery=delivery, queue=queue, telemetry_key=conn_key))
    return manager.open_socket(conn_key, socket)
