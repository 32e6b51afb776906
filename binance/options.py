"""How every socket of a manager connects, as one validated value.

:class:`ConnectionOptions` gathers what was scattered over keyword arguments:
the retry policy (including ``max_retries``), the opening-handshake timeout,
the heartbeat, ``stable_after`` and the largest message accepted. It is
checked once, when it is made, and then handed unchanged to every
:class:`~binance.connection.StreamConnection`::

    from binance.backoff import BackoffPolicy
    from binance.options import ConnectionOptions

    options = ConnectionOptions(retry=BackoffPolicy(max_retries=10), heartbeat_timeout=60)
    bm = BinanceSocketManager(client, options=options)

The manager's keyword arguments (``heartbeat_timeout=``, ``max_message_size=``,
``stable_after=``) keep working; see :meth:`ConnectionOptions.merged`.

The options also say how sockets stay up at scale: the connection-attempt
budget they share (``attempt_budget``), how messages reach the callback
(``delivery``), the planned rotation before Binance's 24 h cut
(``rotate_after``, ``rotate_jitter``), the silent-stream watchdog
(``silence_bounds``, ``silent_notices``), telemetry (``telemetry``), the
faster half-open detection of user-data sockets (``user_heartbeat_timeout``),
user-data reconciliation (``reconcile_user_data``) and how long multiplex
sockets connect (``max_url_length``, ``subscribe_rate``).
"""
import dataclasses
from typing import Any, Mapping, Optional

from . import _checks
from ._attempts import AttemptBudget
from .backoff import BackoffPolicy
from .delivery import DeliveryOptions
from .watchdog import SilenceBounds

__all__ = ['ConnectionOptions', 'DEFAULT_HEARTBEAT_TIMEOUT', 'DEFAULT_HANDSHAKE_TIMEOUT',
           'DEFAULT_STABLE_AFTER', 'MAX_MESSAGE_SIZE', 'DEFAULT_ROTATE_AFTER',
           'DEFAULT_ROTATE_JITTER', 'DEFAULT_USER_HEARTBEAT_TIMEOUT', 'DEFAULT_MAX_URL_LENGTH',
           'DEFAULT_SUBSCRIBE_RATE']

#: Seconds of silence after which a socket is considered half-open and replaced.
DEFAULT_HEARTBEAT_TIMEOUT = 30.0
#: Seconds allowed for TCP connect, TLS and the WebSocket opening handshake.
DEFAULT_HANDSHAKE_TIMEOUT = 10.0
#: Seconds a socket must stay open, without delivering a message, to count as a success.
DEFAULT_STABLE_AFTER = 5.0
#: Largest message accepted, in bytes; Binance's biggest (all-market arrays) are far smaller.
MAX_MESSAGE_SIZE = 16 * 1024 * 1024
#: Latest age of a socket before its planned replacement (Binance cuts every connection at 24 h).
DEFAULT_ROTATE_AFTER = 23 * 3600.0
#: Largest share of ``rotate_after`` taken off at random, so sockets do not rotate together.
DEFAULT_ROTATE_JITTER = 0.1
#: Heartbeat timeout of user-data sockets (the WebSocket API answers pings at once).
DEFAULT_USER_HEARTBEAT_TIMEOUT = 10.0
#: Longest URL a socket dials; the streams of a multiplex beyond it are subscribed after connecting.
DEFAULT_MAX_URL_LENGTH = 8000
#: ``SUBSCRIBE`` messages per second at most (Binance counts 5 incoming messages a second on
#: spot, pings and pongs included; 10 on the derivatives venues).
DEFAULT_SUBSCRIBE_RATE = 4.0


@dataclasses.dataclass(frozen=True)
class ConnectionOptions:
    """Connection settings shared by the sockets of a manager.

    Args:
        retry: the reconnect policy: delays and ``max_retries`` (failed
            retries in a row before the socket gives up).
        heartbeat_timeout: seconds without any traffic (nor pong to our
            ping) after which a socket counts as half-open and is replaced;
            ``None`` turns the check off.
        handshake_timeout: seconds allowed to connect, negotiate TLS and
            complete the WebSocket opening handshake.
        stable_after: seconds a socket must stay open, if it delivers no
            message, to count as a successful connection (resetting the
            retry count).
        max_message_size: largest message accepted, in bytes; a bigger one
            fails its connection (close code 1009) and is never delivered.
        attempt_budget: the :class:`~binance._attempts.AttemptBudget` every
            connection attempt asks first; ``None``: the process-wide budget
            of the server's host, shared by every manager (Binance counts
            attempts per IP address).
        delivery: how messages reach the callback by default: ``'inline'``
            (on the reactor thread, the fastest), ``'queue'`` or a policy
            name (``'block'``, ``'drop_oldest'``, ``'keep_latest'``) for a
            bounded queue served by a worker thread, or a
            :class:`~binance.delivery.DeliveryOptions`; each socket may
            choose its own (``delivery=``).
        rotate_after: latest age in seconds at which a socket is replaced,
            make-before-break, before the server cuts it; ``None``: never.
        rotate_jitter: largest share of ``rotate_after`` taken off at random
            (in [0, 1)).
        silence_bounds: seconds without data after which a market stream
            counts as silent, per stream type: a
            :class:`~binance.watchdog.SilenceBounds`, or a mapping of
            overrides (``{'kline': 30, 'trade': None}``); ``None`` turns the
            watchdog off.
        silent_notices: also deliver a ``{'e': 'streamSilent', ...}`` message
            to the callback when a stream falls silent (off: a log line and
            a :class:`~binance.watchdog.SilentStreamWarning` only).
        telemetry: count messages, bytes, reconnects and latency for
            ``bm.stats()``.
        user_heartbeat_timeout: the heartbeat timeout of user-data sockets
            (``start_user_socket``, ``start_margin_socket``,
            ``start_isolated_margin_socket``; faster than market sockets': the
            WebSocket API answers pings); ``None`` turns their check off.
        reconcile_user_data: after every reconnect of a user-data socket,
            fetch what changed meanwhile over REST and deliver it.
        max_url_length: longest URL a multiplex socket dials; the streams
            that do not fit are subscribed after connecting.
        subscribe_rate: ``SUBSCRIBE`` messages per second at most.

    Raises:
        TypeError: a field has the wrong type (``heartbeat_timeout='30'``).
        ValueError: a field is out of range (not positive, not finite).
    """

    retry: BackoffPolicy = dataclasses.field(default_factory=BackoffPolicy)
    heartbeat_timeout: Optional[float] = DEFAULT_HEARTBEAT_TIMEOUT
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT
    stable_after: float = DEFAULT_STABLE_AFTER
    max_message_size: int = MAX_MESSAGE_SIZE
    attempt_budget: Optional[AttemptBudget] = None
    delivery: DeliveryOptions = dataclasses.field(default_factory=DeliveryOptions)
    rotate_after: Optional[float] = DEFAULT_ROTATE_AFTER
    rotate_jitter: float = DEFAULT_ROTATE_JITTER
    silence_bounds: Optional[SilenceBounds] = dataclasses.field(default_factory=SilenceBounds)
    silent_notices: bool = False
    telemetry: bool = True
    user_heartbeat_timeout: Optional[float] = DEFAULT_USER_HEARTBEAT_TIMEOUT
    reconcile_user_data: bool = True
    max_url_length: int = DEFAULT_MAX_URL_LENGTH
    subscribe_rate: float = DEFAULT_SUBSCRIBE_RATE

    def __post_init__(self) -> None:
        if not isinstance(self.retry, BackoffPolicy):
            raise TypeError('retry must be a BackoffPolicy, got {}'.format(
                type(self.retry).__name__))
        _checks.optional_positive_number('heartbeat_timeout', self.heartbeat_timeout)
        _checks.positive_number('handshake_timeout', self.handshake_timeout)
        _checks.positive_number('stable_after', self.stable_after)
        _checks.positive_int('max_message_size', self.max_message_size)
        if self.attempt_budget is not None and not isinstance(self.attempt_budget, AttemptBudget):
            raise TypeError('attempt_budget must be an AttemptBudget or None, got {}'.format(
                type(self.attempt_budget).__name__))
        object.__setattr__(self, 'delivery', DeliveryOptions.coerce(self.delivery))
        _checks.optional_positive_number('rotate_after', self.rotate_after)
        _checks.fraction('rotate_jitter', self.rotate_jitter)
        bounds = self.silence_bounds
        if isinstance(bounds, Mapping):
            object.__setattr__(self, 'silence_bounds', SilenceBounds(bounds))
        elif bounds is not None and not isinstance(bounds, SilenceBounds):
            raise TypeError('silence_bounds must be a SilenceBounds, a mapping of stream type '
                            'to seconds, or None, got {}'.format(type(bounds).__name__))
        _checks.flag('silent_notices', self.silent_notices)
        _checks.flag('telemetry', self.telemetry)
        _checks.optional_positive_number('user_heartbeat_timeout', self.user_heartbeat_timeout)
        _checks.flag('reconcile_user_data', self.reconcile_user_data)
        _checks.int_at_least('max_url_length', self.max_url_length, 256)
        _checks.positive_number('subscribe_rate', self.subscribe_rate)

    @property
    def user_heartbeat(self) -> Optional[float]:
        """The heartbeat timeout of user-data sockets (``user_heartbeat_timeout``, else
        ``heartbeat_timeout``; ``None`` when the heartbeat is off)."""
        if self.heartbeat_timeout is None:
            return None
        return self.user_heartbeat_timeout or self.heartbeat_timeout

    @property
    def max_retries(self) -> int:
        """Failed retries in a row after which a socket gives up (``retry.max_retries``)."""
        return self.retry.max_retries

    def replace(self, **changes: Any) -> 'ConnectionOptions':
        """A copy with some fields changed (checked like a new value).

        Raises:
            TypeError: an unknown field, or a value of the wrong type.
            ValueError: a value out of range.
        """
        return dataclasses.replace(self, **changes)

    def merged(self, **keywords: Any) -> 'ConnectionOptions':
        """These options with the fields of ``keywords`` that differ from their defaults.

        How the manager combines ``options=`` with its older keyword
        arguments: a keyword left at its default keeps the value of the
        options; one that was changed wins.

        Raises:
            TypeError, ValueError: see :meth:`replace`.
        """
        defaults = {f.name: f.default for f in dataclasses.fields(self)}
        changes = {name: value for name, value in keywords.items()
                   if not (value is defaults[name] or (type(value) is type(defaults[name])
                                                       and value == defaults[name]))}
        return self.replace(**changes) if changes else self
