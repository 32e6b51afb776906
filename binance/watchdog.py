"""Silent-stream watchdog: a stream that should be sending and is not gets reported and reconnected.

Binance accepts a connection to a stream it does not serve there (a retired
name, a futures stream on the wrong route, an unknown symbol) and then sends
nothing, while answering pings: the heartbeat sees a live connection. What
tells such a socket apart from a quiet market is the stream's cadence.
:class:`SilenceBounds` says, per stream type, after how many seconds without
a single data message a stream is certainly broken (generous multiples of
Binance's published update speeds, and ``None``, no bound, for streams that
are silent by nature: user data, liquidations, block trades);
:class:`SilenceWatchdog` applies the bound to one connection with one timer.

A connection is watched with the smallest bound of its streams: if the whole
connection is silent longer than that, that stream's cadence was broken.
When the bound is exceeded the watchdog calls ``on_silent`` with a
:class:`Silence`: the connection logs it and issues a
:class:`SilentStreamWarning` on the first one of an episode (``first``), and
reconnects every time. A stream that stays silent across reconnects (it is
not served there) is retried with a bound twice as long each time, up to
``max_factor`` times the first, so it costs a few connection attempts an hour
rather than one per bound; the first data message ends the episode and
resets the bound.

:func:`silent_stream_notice` builds the message a callback may be given
instead (``{'e': 'streamSilent', ...}``; see its docstring).

Everything runs on the reactor thread with the injected clock.
"""
import logging
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, Mapping, Optional

from . import _checks
from ._timers import cancel_call

__all__ = ['SilenceBounds', 'SilenceWatchdog', 'Silence', 'SilentStreamWarning',
           'DEFAULT_SILENCE_BOUNDS', 'stream_type', 'silent_stream_notice', 'SILENT_STREAM_EVENT']

log = logging.getLogger(__name__)

#: The ``e`` of :func:`silent_stream_notice` messages.
SILENT_STREAM_EVENT = 'streamSilent'


class SilentStreamWarning(UserWarning):
    """A stream sent nothing for longer than its cadence allows; it is being reconnected."""


#: Seconds without any data message after which a stream of each type counts as
#: broken; ``None``: silence is normal for that type. Binance's update speeds in
#: brackets; each bound is at least five times the cadence, and much more where
#: Binance only sends on change.
DEFAULT_SILENCE_BOUNDS: Mapping[str, Optional[float]] = {
    'trade': 600.0,               # real time, but a quiet market may not trade for minutes
    'aggTrade': 600.0,
    'blockTrade': None,           # rare by nature
    'kline': 10.0,                # 1 s (1s klines) or 2 s, always sent
    'continuousKline': 10.0,
    'depth': 60.0,                # diff depth, 100 ms / 1 s, only when the book changed
    'partialDepth': 10.0,         # depth5/10/20: a snapshot every 100 ms / 1 s
    'ticker': 30.0,               # 1 s
    'miniTicker': 30.0,           # 1 s
    'windowTicker': 30.0,         # <symbol>@ticker_1h etc., 1 s
    'bookTicker': 300.0,          # on change
    'avgPrice': 60.0,             # on change, at most every 1 s
    'referencePrice': 30.0,       # 1 s
    'markPrice': 15.0,            # futures, 3 s or 1 s
    'indexPrice': 15.0,
    'compositeIndex': 15.0,       # futures, 1 s
    'assetIndex': 15.0,           # futures, 1 s
    'forceOrder': None,           # liquidations: only when there are some
    'contractInfo': None,         # on change only
    '!miniTicker@arr': 10.0,      # 1 s, the markets that changed
    '!ticker@arr': 10.0,          # 1 s where still served
    '!windowTicker@arr': 10.0,
    '!bookTicker': 60.0,          # where still served
    '!markPrice@arr': 15.0,
    '!assetIndex@arr': 15.0,
    '!forceOrder@arr': None,
    '!contractInfo': None,
    'user': None,                 # user data: heartbeat only
}


def stream_type(stream: str) -> Optional[str]:
    """The type of a stream name, as :data:`DEFAULT_SILENCE_BOUNDS` keys it; ``None`` if unknown.

    ``bnbbtc@kline_1m@+08:00`` -> ``'kline'``, ``bnbbtc@depth5@100ms`` ->
    ``'partialDepth'``, ``!miniTicker@arr@3000ms`` -> ``'!miniTicker@arr'``,
    ``!ticker_1h@arr`` -> ``'!windowTicker@arr'``.
    """
    if not isinstance(stream, str) or '@' not in stream and not stream.startswith('!'):
        return None
    if stream.startswith('!'):
        head, _sep, rest = stream.partition('@')
        if head.startswith('!ticker_'):
            head = '!windowTicker'
        return head + '@arr' if rest.startswith('arr') else head
    _symbol, _sep, rest = stream.partition('@')
    kind = rest.split('@', 1)[0]
    if kind.startswith('kline_'):
        return 'kline'
    if kind.startswith('continuousKline_'):
        return 'continuousKline'
    if kind.startswith('ticker_'):
        return 'windowTicker'
    if kind in ('depth5', 'depth10', 'depth20'):
        return 'partialDepth'
    return kind or None


def _bound_value(value: Any, name: str) -> Optional[float]:
    if value is None:
        return None
    return float(_checks.positive_number('silence bound for {!r}'.format(name), value))


class SilenceBounds:
    """Per stream type (or exact stream name) the longest silence allowed, in seconds.

    Args:
        overrides: ``{type or stream name: seconds or None}`` on top of
            :data:`DEFAULT_SILENCE_BOUNDS` (``{'trade': None}`` stops watching
            trade streams; ``{'bnbbtc@trade': 30}`` watches one stream closely).
        defaults: the table the overrides apply to.

    Raises:
        TypeError: ``overrides`` is not a mapping, or a bound is not a number.
        ValueError: a bound is not positive.
    """

    def __init__(self, overrides: Optional[Mapping[str, Optional[float]]] = None,
                 defaults: Mapping[str, Optional[float]] = DEFAULT_SILENCE_BOUNDS) -> None:
        if overrides is not None and not isinstance(overrides, Mapping):
            raise TypeError('silence bounds must be a mapping of stream type to seconds, got {!r}'
                            .format(type(overrides).__name__))
        table: Dict[str, Optional[float]] = {}
        for name, value in dict(defaults).items():
            table[name] = _bound_value(value, name)
        for name, value in dict(overrides or {}).items():
            if not isinstance(name, str):
                raise TypeError('silence bound keys must be strings, got {!r}'.format(name))
            table[name] = _bound_value(value, name)
        self._table = table

    def __repr__(self) -> str:
        return '<SilenceBounds {} entries>'.format(len(self._table))

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, SilenceBounds) and other._table == self._table

    def __hash__(self) -> int:
        return hash(frozenset(self._table.items()))

    def bound_for(self, stream: str) -> Optional[float]:
        """Seconds of silence allowed on ``stream`` (exact name first, then its type); ``None``: unbounded."""
        table = self._table
        if stream in table:
            return table[stream]
        kind = stream_type(stream)
        return table.get(kind) if kind is not None else None

    def bound_for_streams(self, streams: Iterable[str]) -> Optional[float]:
        """The bound of a connection carrying ``streams``: the smallest of theirs, ``None`` if none."""
        bounds = [b for b in (self.bound_for(s) for s in streams) if b is not None]
        return min(bounds) if bounds else None


@dataclass(frozen=True)
class Silence:
    """What :class:`SilenceWatchdog` reports.

    Attributes:
        seconds: how long nothing arrived (at least the bound).
        bound: the bound that was exceeded, in seconds.
        first: True for the first report of this episode (log and warn then).
        episode_reports: reports in this episode so far (1 for the first).
    """

    seconds: float
    bound: float
    first: bool
    episode_reports: int


class SilenceWatchdog:
    """Reports a connection that received no data message for longer than ``bound`` seconds.

    Call :meth:`start` each time a socket opens and :meth:`stop` when it
    closes; the escalation (the bound doubling while a stream stays silent
    across reconnects) lives as long as the watchdog, so keep one per
    connection object.

    Args:
        clock: an ``IReactorTime``.
        bound: seconds of silence allowed.
        poll: returns True if a data message arrived since its previous call
            (and resets that record); pings and pongs are not data.
        on_silent: called with a :class:`Silence` when the bound is exceeded;
            the watchdog is stopped then (the caller reconnects and starts it again).
        checks: polls per bound (at least 2); silence is declared between
            ``bound - bound / checks`` and ``bound`` seconds after the last
            data message (a poll only tells that data came since the previous one).
        max_factor: the bound grows at most to ``bound * max_factor``.

    Raises:
        TypeError, ValueError: a bad ``bound``, ``checks`` or ``max_factor``.
    """

    def __init__(self, clock: Any, bound: float, poll: Callable[[], bool],
                 on_silent: Callable[[Silence], Any], *, checks: int = 4,
                 max_factor: float = 8.0) -> None:
        value = _bound_value(bound, 'bound')
        if value is None:
            raise TypeError('bound must be a number of seconds')
        _checks.int_at_least('checks', checks, 2)
        if isinstance(max_factor, bool) or not isinstance(max_factor, (int, float)) \
                or not max_factor >= 1:
            raise ValueError('max_factor must be a number >= 1, got {!r}'.format(max_factor))
        self.bound = value
        self._clock = clock
        self._poll = poll
        self._on_silent = on_silent
        self._checks = checks
        self._max_factor = float(max_factor)
        self._factor = 1.0
        self._episode_reports = 0
        self._since: float = 0.0  # silence started no earlier than this
        self._last_check: float = 0.0
        self._call: Optional[Any] = None

    def __repr__(self) -> str:
        return '<SilenceWatchdog bound={:g}s current={:g}s running={}>'.format(
            self.bound, self.current_bound, self.running)

    @property
    def running(self) -> bool:
        """True while the timer is armed."""
        return self._call is not None

    @property
    def current_bound(self) -> float:
        """The bound now in force (grown while a stream stays silent across reconnects)."""
        return self.bound * self._factor

    @property
    def in_episode(self) -> bool:
        """True between a report and the next data message."""
        return self._episode_reports > 0

    def start(self) -> None:
        """Watch from now on (a socket opened); idempotent. Opening counts as the silence start."""
        if self._call is None:
            self._poll()
            self._since = self._last_check = self._clock.seconds()
            self._arm()

    def stop(self) -> None:
        """Disarm the timer (idempotent)."""
        cancel_call(self._call)
        self._call = None

    def _arm(self) -> None:
        # Every bound/checks seconds, and exactly at the deadline: late timers
        # must not add up to a later detection.
        now = self._clock.seconds()
        delay = min(self.bound / self._checks, self._since + self.current_bound - now)
        self._call = self._clock.callLater(max(0.0, delay), self._check)

    def _check(self) -> None:
        self._call = None
        now = self._clock.seconds()
        previous, self._last_check = self._last_check, now
        if self._poll():
            # The data came after the previous check: silence starts no earlier than that.
            self._since = previous
            if self._episode_reports:
                log.debug('data again after %d silent spells; silence bound back to %g s',
                          self._episode_reports, self.bound)
            self._factor = 1.0
            self._episode_reports = 0
        quiet = now - self._since
        current = self.current_bound
        if quiet >= current - 1e-9:
            self._episode_reports += 1
            silence = Silence(seconds=quiet, bound=current, first=self._episode_reports == 1,
                              episode_reports=self._episode_reports)
            self._factor = min(self._factor * 2.0, self._max_factor)
            self._on_silent(silence)
            return
        self._arm()


def silent_stream_notice(name: str, silence: Silence, action: str = 'reconnecting') -> Dict[str, Any]:
    """The message a callback receives about a silent stream, when it asked for such notices.

    Shape::

        {'e': 'streamSilent', 'm': 'no data on bnbbtc@kline_1m for 10 s; reconnecting',
         'stream': 'bnbbtc@kline_1m', 'seconds': 10.0, 'bound': 10.0}

    ``stream`` is the socket's ``conn_key`` stream part; ``seconds`` how long
    nothing arrived and ``bound`` the cadence bound that was exceeded.

    Args:
        name: the stream (or ``conn_key``) that fell silent.
        silence: what the watchdog reported.
        action: what the library does about it, for ``m``.
    """
    return {'e': SILENT_STREAM_EVENT,
            'm': 'no data on {} for {:.0f} s; {}'.format(name, silence.seconds, action),
            'stream': name, 'seconds': round(silence.seconds, 3), 'bound': silence.bound}
