"""Multiplex sockets of any size: more streams than one connection carries, URLs too long to dial.

Binance serves at most 1024 streams per connection, and a server refuses a
request line that is too long (1024 stream names make a URL of about 16,000
characters, which servers commonly refuse; the socket would then retry and
give up). :func:`connection_plan` splits a multiplex's streams (those of
one route of the venue: a mixed-route futures multiplex is split per route
first):

* into groups of at most ``max_streams`` streams, one connection each, all
  delivered to the one callback (a :class:`~binance.composite.CompositeSocket`
  under the one ``conn_key``, with one queue if the delivery is queued);
* within a group, the streams whose names fit in a URL of ``max_url_length``
  characters go in the URL (``stream?streams=a/b/...``) and the rest are
  subscribed after connecting (:class:`~binance._rebuild.Subscriptions`,
  the session the rebuilt all-market streams use too): ``SUBSCRIBE``
  messages of at most 200 names, paced at ``subscribe_rate`` messages per
  second and at most half the venue's incoming-message limit (Binance counts
  5 incoming messages a second per spot connection, pings and pongs
  included), sent again after every reconnect. A reconnect keeps the old socket delivering
  until the new one has every subscription confirmed.

A multiplex that fits one URL stays the plain connection it always was.
"""
import logging
from typing import Any, Callable, List, NamedTuple, Optional, Sequence

from ._rebuild import Subscriptions
from .composite import CompositeSocket
from .connection import log_name
from .delivery import DeliveryOptions

__all__ = ['ConnectionPlan', 'connection_plan', 'RouteStreams', 'open_multiplex']

log = logging.getLogger('binance.websockets')


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


class RouteStreams(NamedTuple):
    """The streams of a multiplex that one route of its venue serves, and how to reach it."""

    route: Optional[str]
    url_for: Callable[[str], str]
    names: List[str]


def open_multiplex(manager: Any, conn_key: str, groups: Sequence[RouteStreams],
                   callback: Callable[[Any], Any], *, max_streams: int, per_second: float,
                   delivery: Any = None) -> Any:
    """Open a multiplex under ``conn_key`` on ``manager``: one connection per route and per
    ``max_streams`` streams, each subscribing what does not fit in its URL.

    Args:
        manager: a :class:`~binance._manager.ManagerBase`.
        conn_key: the socket's key.
        groups: the checked stream names, by route.
        callback: the user's callback.
        max_streams: the venue's most streams per connection.
        per_second: ``SUBSCRIBE`` requests per second per connection at most.
        delivery: the socket's delivery option, or ``None`` for the manager's.

    Returns:
        ``conn_key``, or False if it is open already.
    """
    options = manager.options
    plans = [(group.route, plan) for group in groups
             for plan in connection_plan(group.url_for, group.names, max_streams=max_streams,
                                         max_url_length=options.max_url_length)]
    if len(plans) == 1 and not plans[0][1].subscribed:
        return manager.open_connection(conn_key, plans[0][1].url, callback, delivery=delivery)
    if manager.connection(conn_key) is not None:
        return False
    total = sum(len(group.names) for group in groups)
    if len(plans) == 1:
        plan = plans[0][1]
        log.info('%s: %d of %d streams fit in the URL; subscribing the others after connecting',
                 log_name(conn_key), len(plan.in_url), total)
        connection = manager.new_connection(
            plan.url, callback, name=conn_key, delivery=delivery, streams=plan.streams,
            session=_subscriptions(plan, per_second))
        return manager.open_socket(conn_key, connection)
    chosen = options.delivery if delivery is None else DeliveryOptions.coerce(delivery)
    queue = chosen.queue_for(callback, log_name(conn_key))
    socket = CompositeSocket(conn_key, callback, queue=queue)
    if len(plans) > len(groups):
        log.info('%s: %d streams spread over %d connections of at most %d streams',
                 log_name(conn_key), total, len(plans), max_streams)
    routed = len(groups) > 1
    for number, (route, plan) in enumerate(plans, 1):
        name = log_name(conn_key)
        if routed:
            name += ' [{}]'.format(route)
        if len(plans) > len(groups):
            name += ' (connection {} of {})'.format(number, len(plans))
        socket.add_part(manager.new_connection(
            plan.url, callback, name=name, session=_subscriptions(plan, per_second),
            streams=plan.streams, on_give_up=socket.part_gave_up, delivery=delivery, queue=queue,
            telemetry_key=conn_key))
    return manager.open_socket(conn_key, socket)


def _subscriptions(plan: ConnectionPlan, per_second: float) -> Optional[Subscriptions]:
    """The session subscribing what does not fit in ``plan``'s URL (streams the user named:
    a refusal fails the attempt)."""
    if not plan.subscribed:
        return None
    return Subscriptions(plan.subscribed, per_second=per_second, strict=True)
