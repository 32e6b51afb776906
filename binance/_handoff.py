"""The switch from one socket to its replacement without a message twice or a gap.

When a market socket is replaced make-before-break (a planned rotation, a
``serverShutdown``, a silent stream), the new socket is subscribed before the
old one is closed, so for a moment both deliver the same events. A
:class:`Handoff` sorts that out:

* every message the **old** socket delivers meanwhile is *recorded*: per
  stream, the order key of the last one (:func:`order_key`: the trade id
  ``t``, the aggregate trade id ``a``, the book update id ``u`` or
  ``lastUpdateId``, a kline's event time and open time, else the event time
  ``E``), or, for messages without any, their content;
* messages of the **new** socket are *held* (not delivered yet);
* once the old socket is gone (it drained what the server had sent before it
  saw our close), :meth:`Handoff.release` returns the held messages that the
  old socket had not delivered: per stream those whose order key is greater
  than the last recorded one, and those whose content it did not deliver.

The old socket keeps delivering until it is gone and the new one's messages
come after, so the callback sees every event once and in order, and there is
no gap: the new socket was subscribed before the old one stopped. Nothing of
this runs on a socket that is not being replaced.

Pure Python: tests drive it with plain messages.
"""
import collections
from typing import Any, Deque, Dict, Hashable, List, Optional, Set, Tuple

import orjson

__all__ = ['Handoff', 'order_key', 'MAX_HELD']

#: Messages a handoff holds at most; beyond that it is released at once (a
#: replaced socket that takes this long to drain is not worth waiting for).
MAX_HELD = 200000
#: Contents remembered per stream for messages without an order key.
_RECENT_CONTENTS = 256


def _as_number(value: Any) -> Any:
    """``value`` as an int when it is one, or a string of digits (options trade ids); else None."""
    if type(value) is int:
        return value
    if type(value) is str and value.isdigit():
        return int(value)
    return None


def order_key(data: Any) -> Optional[Tuple[int, ...]]:
    """The position of one event in its stream, as a tuple that grows with it; ``None`` if unknown.

    Args:
        data: the event (the ``data`` of a combined stream's message); a
            list (all-market arrays) is keyed by its first element.
    """
    if type(data) is list:
        data = data[0] if data else None
    if type(data) is not dict:
        return None
    kind = data.get('e')
    if kind == 'trade':
        field = data.get('t')
    elif kind == 'aggTrade':
        field = data.get('a')
    elif kind in ('kline', 'continuous_kline'):
        kline = data.get('k')
        event, start = _as_number(data.get('E')), (_as_number(kline.get('t'))
                                                   if type(kline) is dict else None)
        return (event, start) if event is not None and start is not None else None
    elif 'u' in data:
        field = data.get('u')
    elif 'lastUpdateId' in data:
        field = data.get('lastUpdateId')
    else:
        field = data.get('E')
    number = _as_number(field)
    return None if number is None else (number,)


def _split(message: Any, combined: bool) -> Tuple[Hashable, Any]:
    """``(stream, event)`` of a message: a combined stream's ``stream`` and ``data``."""
    if combined and type(message) is dict:
        stream = message.get('stream')
        return (stream if type(stream) is str else None), message.get('data')
    return None, message


class Handoff:
    """One switch from an old socket to a new one (see the module docstring).

    Args:
        combined: the messages are combined-stream ``{"stream", "data"}`` wrappers.
        max_held: messages held before :attr:`overflowing` says to release.
    """

    def __init__(self, combined: bool, max_held: int = MAX_HELD) -> None:
        self.combined = combined
        self.max_held = max_held
        self._last: Dict[Hashable, Tuple[int, ...]] = {}
        self._contents: Dict[Hashable, Tuple[Set[bytes], Deque[bytes]]] = {}
        self._held: List[Any] = []
        #: Messages of the new socket dropped because the old one delivered them.
        self.duplicates = 0

    def __repr__(self) -> str:
        return '<Handoff held={} duplicates={}>'.format(len(self._held), self.duplicates)

    @property
    def held(self) -> int:
        """Messages of the new socket waiting for the old one to finish."""
        return len(self._held)

    @property
    def overflowing(self) -> bool:
        """True once :attr:`max_held` messages are held."""
        return len(self._held) >= self.max_held

    def record(self, message: Any) -> None:
        """The old socket delivers ``message``."""
        stream, data = _split(message, self.combined)
        key = order_key(data)
        if key is not None:
            last = self._last.get(stream)
            if last is None or _greater(key, last):
                self._last[stream] = key
            return
        entry = self._contents.get(stream)
        if entry is None:
            entry = self._contents[stream] = (set(), collections.deque())
        seen, order = entry
        fingerprint = _fingerprint(message)
        if fingerprint not in seen:
            seen.add(fingerprint)
            order.append(fingerprint)
            if len(order) > _RECENT_CONTENTS:
                seen.discard(order.popleft())

    def hold(self, message: Any) -> None:
        """The new socket received ``message``: keep it until :meth:`release`."""
        self._held.append(message)

    def release(self) -> List[Any]:
        """The held messages the old socket did not deliver, in order; the handoff is then empty."""
        held, self._held = self._held, []
        out = []
        for message in held:
            stream, data = _split(message, self.combined)
            key = order_key(data)
            if key is not None:
                last = self._last.get(stream)
                if last is not None and not _greater(key, last):
                    self.duplicates += 1
                    continue
            else:
                entry = self._contents.get(stream)
                if entry is not None and _fingerprint(message) in entry[0]:
                    self.duplicates += 1
                    continue
            out.append(message)
        return out


def _greater(key: Tuple[int, ...], last: Tuple[int, ...]) -> bool:
    try:
        return key > last
    except TypeError:  # keys of different shapes: not comparable, keep the message
        return True


def _fingerprint(message: Any) -> bytes:
    return orjson.dumps(message, option=orjson.OPT_SORT_KEYS)
