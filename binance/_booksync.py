"""Keeping a local order book in step with Binance: the rules, as a state machine.

Pure code, no Twisted, no threads, no clock: :class:`DepthSync` is fed parsed
stream events and REST snapshots and says what happened (an :class:`Outcome`);
:mod:`binance.depthcache` does the I/O around it.

One rule covers Binance's spot and futures procedures. Each diff event
covers the update ids ``(start, end]``: on spot ``start = U - 1`` (ids are
contiguous), on USD-M and COIN-M futures ``start = pu`` (the previous event's
``u``; ids are not contiguous). With the book at update id ``b``:

* ``end <= b``: the event is old or a duplicate; ignored.
* ``start <= b < end``: the event continues the book; applied, the book is at ``end``.
* ``start > b``: events were missed (a gap); the book is cleared and rebuilt.

For chained events (``U == prev.u + 1`` on spot, ``pu == prev.u`` on
futures) this is exactly Binance's procedure; it also applies an event that
overlaps the book (``start < b``), such as one batched differently by a new
connection, which is correct because every level carries an absolute
quantity as of ``end``. The snapshot step is the same rule with the
snapshot's ``lastUpdateId`` as ``b``: buffered events with ``end <= lastUpdateId``
are dropped (spot ``u <= lastUpdateId``; futures ``u < lastUpdateId`` plus the
harmless ``u == lastUpdateId``), the first one left must have ``start <=
lastUpdateId`` (spot: ``U <= lastUpdateId + 1 <= u``; futures: ``pu <=
lastUpdateId <= u``, which includes Binance's ``U <= lastUpdateId``), otherwise
the snapshot is older than the stream and another is needed.

Partial-depth streams (``@depth5/10/20``, options depth) carry the whole top
of the book in every message: each replaces the book, no snapshot is needed,
older messages (by update id) are ignored.

States (:class:`SyncState`): ``SYNCING`` (first build: events are buffered
until a snapshot bridges them), ``LIVE``, ``RESYNCING`` (after a gap, a
reconnect or bad data: the book is empty and being rebuilt the same way),
``STOPPED``. A *refresh* (python-binance's ``refresh_interval``) rebuilds the
book in a shadow copy from a new snapshot while the live one keeps serving,
and swaps it in once both are at the same update id.
"""
import collections
import enum
from typing import Any, Callable, Deque, NamedTuple, Optional

from ._book import Book, Levels, parse_levels, parse_update_id

__all__ = ['SyncState', 'Outcome', 'DepthEvent', 'Snapshot', 'Rules', 'SPOT_DIFF',
           'FUTURES_DIFF', 'PARTIAL', 'DepthSync', 'parse_snapshot', 'DEFAULT_MAX_BUFFER']

#: Events kept while waiting for a snapshot (the oldest are dropped beyond it).
DEFAULT_MAX_BUFFER = 10000


class SyncState(enum.Enum):
    """Where a local book is in its life."""

    SYNCING = 'syncing'
    LIVE = 'live'
    RESYNCING = 'resyncing'
    STOPPED = 'stopped'


class Outcome(enum.Enum):
    """What feeding an event or a snapshot did."""

    #: Kept until a snapshot arrives.
    BUFFERED = 'buffered'
    #: Applied to the live book.
    APPLIED = 'applied'
    #: Older than the book (or a duplicate): ignored.
    STALE = 'stale'
    #: Events were missed: the book was cleared; a snapshot is needed.
    GAP = 'gap'
    #: The snapshot (and the buffered events after it) made the book live.
    LIVE = 'live'
    #: The snapshot is older than the buffered events: another is needed.
    TOO_OLD = 'too old'
    #: A refresh finished: the rebuilt book replaced the live one.
    REFRESHED = 'refreshed'
    #: Nothing to do in this state (stopped, or a snapshot nobody waits for).
    IGNORED = 'ignored'


class DepthEvent(NamedTuple):
    """One parsed depth message: the ids it covers ``(start, end]`` and its levels."""

    start: int
    end: int
    bids: Levels
    asks: Levels
    time: Optional[int]


class Snapshot(NamedTuple):
    """A parsed REST snapshot (``GET /api/v3/depth``, ``/fapi/v1/depth``)."""

    update_id: int
    bids: Levels
    asks: Levels


def _message(msg: Any) -> dict:
    if type(msg) is not dict:
        raise ValueError('a depth message must be a JSON object, got {}'.format(type(msg).__name__))
    return msg


def _event_time(msg: dict) -> Optional[int]:
    value = msg.get('E')
    if value is None and 'E' not in msg:
        value = msg.get('T')
    return value if type(value) is int else None


def _diff_ids(msg: dict) -> 'tuple[int, int]':
    first, last = msg.get('U'), msg.get('u')
    if type(first) is int and type(last) is int and 0 <= first <= last:
        return first, last
    first = parse_update_id(first, "'U'")
    last = parse_update_id(last, "'u'")
    raise ValueError("'U' ({}) is after 'u' ({})".format(first, last))


def _spot_span(msg: dict) -> 'tuple[int, int]':
    first, last = _diff_ids(msg)
    return first - 1, last


def _futures_span(msg: dict) -> 'tuple[int, int]':
    _, last = _diff_ids(msg)
    previous = msg.get('pu')
    if type(previous) is not int or previous >= last:
        raise ValueError("'pu' must be an integer below 'u' ({}), got {!r}".format(last, previous))
    return previous, last


def _diff_parser(span: Callable[[dict], 'tuple[int, int]']) -> Callable[[Any], DepthEvent]:
    def parse(msg: Any) -> DepthEvent:
        msg = _message(msg)
        start, end = span(msg)
        return DepthEvent(start, end, parse_levels(msg.get('b'), "'b'"),
                          parse_levels(msg.get('a'), "'a'"), _event_time(msg))
    return parse


def _partial(msg: Any) -> DepthEvent:
    msg = _message(msg)
    if 'lastUpdateId' in msg:   # spot @depth<n>: no e, E or s
        last = parse_update_id(msg.get('lastUpdateId'), "'lastUpdateId'")
        bids, asks = parse_levels(msg.get('bids'), "'bids'"), parse_levels(msg.get('asks'), "'asks'")
    else:                       # futures and options: the depthUpdate shape
        last = parse_update_id(msg.get('u'), "'u'")
        bids, asks = parse_levels(msg.get('b'), "'b'"), parse_levels(msg.get('a'), "'a'")
    return DepthEvent(last, last, bids, asks, _event_time(msg))


def parse_snapshot(msg: Any) -> Snapshot:
    """``{"lastUpdateId", "bids", "asks"}`` as a :class:`Snapshot`.

    Raises:
        ValueError: a missing or malformed field.
    """
    msg = _message(msg)
    return Snapshot(parse_update_id(msg.get('lastUpdateId'), "'lastUpdateId'"),
                    parse_levels(msg.get('bids'), "'bids'"), parse_levels(msg.get('asks'), "'asks'"))


class Rules(NamedTuple):
    """How a kind of depth stream is read.

    Attributes:
        name: for logs (``'spot'``, ``'futures'``, ``'partial'``).
        parse: message -> :class:`DepthEvent`; raises ``ValueError`` on bad data.
        partial: every message is the whole top of the book (no snapshot).
        span: diff streams: message (a dict) -> the ids ``(start, end]`` it
            covers, raising ``ValueError`` on bad ids; ``None`` for partial depth.
    """

    name: str
    parse: Callable[[Any], DepthEvent]
    partial: bool
    span: Optional[Callable[[dict], 'tuple[int, int]']] = None


# The hot path compares with these: an Enum member looked up on its class costs more
# than the rest of the comparison.
_LIVE = SyncState.LIVE
_STALE = Outcome.STALE
_APPLIED = Outcome.APPLIED

#: Spot ``@depth`` / ``@depth@100ms``: ``U == prev.u + 1``.
SPOT_DIFF = Rules('spot', _diff_parser(_spot_span), False, _spot_span)
#: USD-M and COIN-M futures ``@depth``: ``pu == prev.u``.
FUTURES_DIFF = Rules('futures', _diff_parser(_futures_span), False, _futures_span)
#: Partial depth (spot ``@depth<n>``, futures ``@depth<n>``, options depth).
PARTIAL = Rules('partial', _partial, True)


class DepthSync:
    """Builds and maintains ``book`` from depth events and snapshots.

    Args:
        book: the book to maintain (cleared, loaded and updated in place).
        rules: :data:`SPOT_DIFF`, :data:`FUTURES_DIFF` or :data:`PARTIAL`.
        max_buffer: events kept while waiting for a snapshot; the oldest are
            dropped beyond it (the snapshot must then be newer than them).

    Raises:
        ValueError: ``max_buffer`` is not positive.
    """

    def __init__(self, book: Book, rules: Rules, max_buffer: int = DEFAULT_MAX_BUFFER) -> None:
        if type(max_buffer) is not int or max_buffer <= 0:
            raise ValueError('max_buffer must be a positive int, got {!r}'.format(max_buffer))
        self.book = book
        self.rules = rules
        self.state = SyncState.SYNCING
        self.max_buffer = max_buffer
        self._buffer: Deque[DepthEvent] = collections.deque(maxlen=max_buffer)
        self._shadow: Optional['DepthSync'] = None
        #: Counters, for logs and tests.
        self.applied = 0
        self.stale = 0
        self.gaps = 0

    def __repr__(self) -> str:
        return '<DepthSync {} {} id={} buffered={}>'.format(
            self.rules.name, self.state.value, self.book.update_id, len(self._buffer))

    @property
    def needs_snapshot(self) -> bool:
        """True while the book waits for a snapshot (never for partial depth)."""
        return not self.rules.partial and self.state in (SyncState.SYNCING, SyncState.RESYNCING)

    @property
    def wants_snapshot(self) -> bool:
        """True while a snapshot would be used: to build the book, or for a refresh."""
        shadow = self._shadow
        return self.needs_snapshot or (shadow is not None and shadow.needs_snapshot)

    @property
    def refreshing(self) -> bool:
        """True while a refresh waits for its snapshot or for the stream to catch up."""
        return self._shadow is not None

    @property
    def buffered(self) -> int:
        """How many events wait for a snapshot."""
        return len(self._buffer)

    # -- inputs ------------------------------------------------------------------

    def on_message(self, msg: Any) -> Outcome:
        """Feed one stream message as decoded: the way a live book is kept.

        A diff event that continues a live book (no refresh running) is
        validated and applied in one step (:meth:`Book.apply_diff`), without
        building a :class:`DepthEvent`; every other message goes through
        ``rules.parse`` and :meth:`on_event`.

        Raises:
            ValueError: a malformed message. A live book can no longer be
                trusted after one: it is cleared and rebuilt, as after a gap
                (the error is raised all the same).
        """
        span = self.rules.span
        if span is None or self.state is not _LIVE or self._shadow is not None \
                or type(msg) is not dict:
            return self.on_event(self.rules.parse(msg))
        start, end = span(msg)
        book = self.book
        at = book.update_id
        if end <= at:
            self.stale += 1
            return _STALE
        if start > at:
            return self._apply(self.rules.parse(msg))     # a gap: the event starts the rebuild
        try:
            book.apply_diff(msg.get('b'), msg.get('a'), end, _event_time(msg))
        except ValueError:
            self._lose()        # the book may hold part of the event
            raise
        self.applied += 1
        return _APPLIED

    def on_event(self, event: DepthEvent) -> Outcome:
        """Feed one parsed stream event."""
        state = self.state
        if state is SyncState.STOPPED:
            return Outcome.IGNORED
        if self.rules.partial:
            return self._replace(event)
        if state is SyncState.LIVE:
            return self._apply(event)
        return self._keep(event)

    def on_snapshot(self, snapshot: Snapshot) -> Outcome:
        """Feed a REST snapshot fetched after the events buffered so far started.

        Returns :attr:`Outcome.LIVE` when the book is built, :attr:`Outcome.TOO_OLD`
        when the snapshot predates the buffered events (fetch another), and for a
        refresh :attr:`Outcome.REFRESHED`, :attr:`Outcome.BUFFERED` (the rebuilt
        book waits for the stream to reach it) or :attr:`Outcome.TOO_OLD`
        (the refresh was abandoned).
        """
        if self.state is SyncState.LIVE and self._shadow is not None:
            return self._refresh_snapshot(snapshot)
        if not self.needs_snapshot:
            return Outcome.IGNORED
        lid = snapshot.update_id
        buffer = self._buffer
        while buffer and buffer[0].end <= lid:
            buffer.popleft()
        if buffer and buffer[0].start > lid:
            return Outcome.TOO_OLD
        book = self.book
        book.load(snapshot.bids, snapshot.asks, lid)
        for event in buffer:   # contiguous: _keep() made sure
            book.apply(event.bids, event.asks, event.end, event.time)
        self.applied += len(buffer)
        buffer.clear()
        self.state = SyncState.LIVE
        return Outcome.LIVE

    def resync(self) -> None:
        """Throw the book away and build it again (after a reconnect, bad data).

        The next events are buffered for a new snapshot (partial depth: the
        next message rebuilds the book).
        """
        if self.state is SyncState.STOPPED:
            return
        self._lose()

    def begin_refresh(self) -> bool:
        """Start rebuilding the live book from a new snapshot, off to the side.

        Returns:
            True if a refresh started: the next snapshot fed goes to it.
        """
        if self.state is not SyncState.LIVE or self.rules.partial or self._shadow is not None:
            return False
        self._shadow = DepthSync(Book(), self.rules, self.max_buffer)
        return True

    def cancel_refresh(self) -> None:
        """Give up a refresh in progress (the live book stays as it is)."""
        self._shadow = None

    def stop(self) -> None:
        """For good: the book is cleared and every later input ignored."""
        self.state = SyncState.STOPPED
        self._buffer.clear()
        self._shadow = None
        self.book.clear()

    # -- internals -----------------------------------------------------------------

    def _apply(self, event: DepthEvent) -> Outcome:
        book = self.book
        at = book.update_id
        if event.end <= at:
            self.stale += 1
            return Outcome.STALE
        if event.start > at:
            self.gaps += 1
            self._lose()
            self._buffer.append(event)   # the first event of the rebuild
            return Outcome.GAP
        book.apply(event.bids, event.asks, event.end, event.time)
        self.applied += 1
        shadow = self._shadow
        if shadow is not None:
            shadow.on_event(event)
            if self._caught_up(shadow):
                return Outcome.REFRESHED
        return Outcome.APPLIED

    def _keep(self, event: DepthEvent) -> Outcome:
        buffer = self._buffer
        if buffer:
            last = buffer[-1]
            if event.end <= last.end:
                self.stale += 1
                return Outcome.STALE
            if event.start > last.end:
                # Missed events while waiting: nothing before them can reach a snapshot's book.
                self.gaps += 1
                buffer.clear()
        buffer.append(event)
        return Outcome.BUFFERED

    def _replace(self, event: DepthEvent) -> Outcome:
        book = self.book
        if book.update_id is not None and event.end <= book.update_id:
            self.stale += 1
            return Outcome.STALE
        book.load(event.bids, event.asks, event.end, event.time)
        self.applied += 1
        self.state = SyncState.LIVE
        return Outcome.APPLIED

    def _refresh_snapshot(self, snapshot: Snapshot) -> Outcome:
        shadow = self._shadow
        assert shadow is not None
        outcome = shadow.on_snapshot(snapshot)
        if outcome is not Outcome.LIVE:
            self._shadow = None
            return Outcome.TOO_OLD
        if self._caught_up(shadow):
            return Outcome.REFRESHED
        # The snapshot is ahead of the stream: the rebuilt book is swapped in
        # once the live one reaches the same update id.
        return Outcome.BUFFERED

    def _caught_up(self, shadow: 'DepthSync') -> bool:
        if shadow.state is not SyncState.LIVE or shadow.book.update_id != self.book.update_id:
            return False
        self.book.take(shadow.book)
        self._shadow = None
        return True

    def _lose(self) -> None:
        self.book.clear()
        self._buffer.clear()
        self._shadow = None
        if self.state is not SyncState.SYNCING:
            self.state = SyncState.RESYNCING
