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
"""
import dataclasses
from typing import Any, Optional

from . import _checks
from .backoff import BackoffPolicy

__all__ = ['ConnectionOptions', 'DEFAULT_HEARTBEAT_TIMEOUT', 'DEFAULT_HANDSHAKE_TIMEOUT',
           'DEFAULT_STABLE_AFTER', 'MAX_MESSAGE_SIZE']

#: Seconds of silence after which a socket is considered half-open and replaced.
DEFAULT_HEARTBEAT_TIMEOUT = 30.0
#: Seconds allowed for TCP connect, TLS and the WebSocket opening handshake.
DEFAULT_HANDSHAKE_TIMEOUT = 10.0
#: Seconds a socket must stay open, without delivering a message, to count as a success.
DEFAULT_STABLE_AFTER = 5.0
#: Largest message accepted, in bytes; Binance's biggest (all-market arrays) are far smaller.
MAX_MESSAGE_SIZE = 16 * 1024 * 1024


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

    Raises:
        TypeError: a field has the wrong type (``heartbeat_timeout='30'``).
        ValueError: a field is out of range (not positive, not finite).
    """

    retry: BackoffPolicy = dataclasses.field(default_factory=BackoffPolicy)
    heartbeat_timeout: Optional[float] = DEFAULT_HEARTBEAT_TIMEOUT
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT
    stable_after: float = DEFAULT_STABLE_AFTER
    max_message_size: int = MAX_MESSAGE_SIZE

    def __post_init__(self) -> None:
        if not isinstance(self.retry, BackoffPolicy):
            raise TypeError('retry must be a BackoffPolicy, got {}'.format(
                type(self.retry).__name__))
        _checks.optional_positive_number('heartbeat_timeout', self.heartbeat_timeout)
        _checks.positive_number('handshake_timeout', self.handshake_timeout)
        _checks.positive_number('stable_after', self.stable_after)
        _checks.positive_int('max_message_size', self.max_message_size)

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
