"""Several connections delivered as one socket: one ``conn_key``, one callback.

Some sockets python-binance opened as one connection need several today: a
futures multiplex mixing streams of Binance's ``/public`` and ``/market``
routes (each route serves only its own streams), the retired all-market
streams rebuilt from per-symbol ones, a multiplex of more streams than one
connection may carry. A :class:`CompositeSocket` makes such a set of
:class:`~binance.connection.StreamConnection` parts look like one socket to
the manager and to the user:

* ``start()`` and ``stop()`` start and stop every part (``stop()``'s Deferred
  fires once every part is gone);
* each part reconnects on its own, with its own backoff; a drop of one part
  does not disturb the others;
* when one part gives up, the callback receives the error message
  ``{'e': 'error', 'm': 'Max reconnect retries reached'}`` exactly once, for
  the whole socket, and the other parts are stopped: as with a single
  connection, the user then ``stop_socket()``\\ s it and starts it again;
* :attr:`state` and :attr:`reconnect_count` sum up the parts.

Parts are built by the manager (its options, TLS trust and reactor) with
``on_give_up=composite.part_gave_up``; what they deliver is up to whoever
builds them: the user's callback directly (a mixed-route multiplex, at no
cost per message), or a subclass's method that transforms or merges
messages before calling :meth:`CompositeSocket.deliver` (the rebuilt
all-market streams). Subclasses may add timers in :meth:`on_start` and
release them in :meth:`on_stop`. Everything runs on the reactor thread.

A socket with a queued delivery (``delivery='block'`` and the like) has one
:class:`~binance.delivery.QueuedDelivery` for the whole socket, given as
``queue=``: parts built with it put their messages in it, :meth:`deliver`
does too, so the callback runs on one worker thread whatever part a message
came from.
"""
import logging
from typing import Any, Callable, List, Optional

from twisted.internet import defer

from .connection import MAX_RETRIES_MESSAGE, ConnectionState, StreamConnection
from .delivery import QueuedDelivery

__all__ = ['CompositeSocket']

log = logging.getLogger(__name__)


class CompositeSocket:
    """One socket made of several :class:`~binance.connection.StreamConnection` parts.

    Args:
        name: how logs name the socket (its ``conn_key``).
        callback: the user's callback; receives the error message once if a
            part gives up, and whatever parts or a subclass deliver.
        clock: the ``IReactorTime`` for a subclass's timers (the reactor).
        queue: the socket's queued delivery (started and stopped with it), or
            ``None`` to call ``callback`` on the reactor thread.

    Raises:
        TypeError: ``callback`` is not callable, ``queue`` not a QueuedDelivery.
    """

    def __init__(self, name: str, callback: Callable[[Any], Any], clock: Any = None,
                 queue: Optional[QueuedDelivery] = None) -> None:
        if not callable(callback):
            raise TypeError('callback must be callable')
        if queue is not None and not isinstance(queue, QueuedDelivery):
            raise TypeError('queue must be a QueuedDelivery or None, got {}'.format(
                type(queue).__name__))
        if clock is None:
            from twisted.internet import reactor as clock
        self.name = name
        self.clock = clock
        self._callback = callback
        #: The socket's queued delivery, if any.
        self.queue = queue
        self._parts: List[StreamConnection] = []
        self._started = False
        self._stopped = False
        self._gave_up = False

    def __repr__(self) -> str:
        return '<{} {} {} parts {}>'.format(type(self).__name__, self.name, len(self._parts),
                                            self.state.value)

    # -- parts -----------------------------------------------------------------------------

    @property
    def parts(self) -> List[StreamConnection]:
        """The connections this socket is made of."""
        return list(self._parts)

    def add_part(self, connection: StreamConnection) -> StreamConnection:
        """Add a part; a composite that runs already starts it at once (reactor thread).

        Build the part with ``on_give_up=self.part_gave_up``.

        Returns:
            ``connection``.

        Raises:
            TypeError: ``connection`` is not a StreamConnection.
        """
        if not isinstance(connection, StreamConnection):
            raise TypeError('a part must be a StreamConnection, got {}'.format(
                type(connection).__name__))
        self._parts.append(connection)
        if self._stopped or self._gave_up:
            connection.stop()
        elif self._started:
            connection.start()
        return connection

    def part_gave_up(self) -> None:
        """A part gave up: the whole socket gives up (the error reaches the callback once)."""
        if self._gave_up or self._stopped:
            return
        self._gave_up = True
        log.error('%s: a connection of this socket gave up; stopping the others', self.name)
        for part in self._parts:
            if part.state is not ConnectionState.GAVE_UP:
                part.stop()
        self.on_stop()
        error = {'e': 'error', 'm': MAX_RETRIES_MESSAGE}
        if self.queue is not None:
            self.queue.put_notice(error)
            self.queue.stop(drain=True)
        else:
            self.deliver(error)

    # -- the socket interface the manager uses ------------------------------------------

    @property
    def state(self) -> ConnectionState:
        """``GAVE_UP`` or ``STOPPED`` once the socket ended; otherwise the least advanced
        state of its parts (``OPEN`` only when every part is open)."""
        if self._gave_up:
            return ConnectionState.GAVE_UP
        if self._stopped:
            return ConnectionState.STOPPED
        if not self._started:
            return ConnectionState.NEW
        states = {part.state for part in self._parts}
        for state in (ConnectionState.BACKING_OFF, ConnectionState.CONNECTING,
                      ConnectionState.NEW):
            if state in states:
                return state
        return ConnectionState.OPEN

    @property
    def reconnect_count(self) -> int:
        """Reconnects of every part, added up."""
        return sum(part.reconnect_count for part in self._parts)

    @property
    def has_session(self) -> bool:
        """True if a part has a session (user data)."""
        return any(part.has_session for part in self._parts)

    def start(self) -> None:
        """Start every part (reactor thread); a socket stopped before it started stays stopped."""
        if self._started or self._stopped:
            return
        if self.queue is not None:
            self.queue.start()
        self.on_start()  # may add parts; they start below
        self._started = True
        for part in list(self._parts):
            part.start()

    def stop(self) -> defer.Deferred:
        """Stop every part for good (reactor thread).

        Returns:
            A Deferred that fires once every part's TCP connection is gone.
        """
        if not self._stopped:
            self._stopped = True
            if not self._gave_up:
                self.on_stop()
            if self.queue is not None:
                self.queue.stop()
        return defer.gatherResults([part.stop() for part in self._parts], consumeErrors=True)

    def deliver(self, message: Any) -> None:
        """Call the user's callback (or queue the message for it); an exception is logged,
        never raised."""
        if self.queue is not None:
            self.queue.put(message)
            return
        try:
            self._callback(message)
        except Exception:
            log.exception('%s: the callback raised; the socket keeps running', self.name)

    def join_delivery(self, timeout: Optional[float] = None) -> bool:
        """Wait for the queued delivery's worker to end (any thread but the reactor's).

        Returns:
            True when no worker is left (always without a queue).
        """
        return True if self.queue is None else self.queue.join(timeout)

    # -- for subclasses ------------------------------------------------------------------

    def on_start(self) -> None:
        """The socket starts (before its parts): arm timers, add first parts here."""

    def on_stop(self) -> None:
        """The socket stops or gives up: release timers here (called once)."""

    def part(self, name: str) -> Optional[StreamConnection]:
        """The part whose ``name`` is ``name``, if any."""
        for part in self._parts:
            if part.name == name:
                return part
        return None
