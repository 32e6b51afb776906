"""One REST request as the simulator's handlers see it, and one endpoint's route.

Shared by :mod:`binance.simulator.rest` (the dispatcher) and the endpoint
modules (``rest_market``, ``rest_orders``, ``rest_wallet``...).
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Mapping, Optional

__all__ = ['Call', 'Route', 'Handler']


@dataclass
class Call:
    """One REST request as the handlers see it.

    Attributes:
        method: ``GET``, ``POST``...
        path: e.g. ``/api/v3/depth``.
        params: decoded parameters (query string wins over body).
        raw_query: the query string bytes as received.
        raw_body: the body bytes as received.
        api_key: the ``X-MBX-APIKEY`` header, if any.
        now_ms: server time of the request.
    """

    method: str
    path: str
    # parameters may hold a signature or a listen key: kept out of reprs
    params: Dict[str, str] = field(repr=False)
    raw_query: bytes = field(repr=False)
    raw_body: bytes = field(repr=False)
    api_key: Optional[str] = field(repr=False)
    now_ms: int = 0


Handler = Callable[[Any, Call], Any]


@dataclass(frozen=True)
class Route:
    """An endpoint: its handler and its request weight (a number or ``params -> int``).

    ``counts_order`` routes place orders: they count against the account's
    ``ORDERS`` limits and answer with ``X-MBX-ORDER-COUNT-*`` headers.
    ``per_account`` routes spend the account's (UID) weight instead of the
    IP's, as Binance counts its heavy ``/sapi`` endpoints.
    """

    handler: Handler
    weight: Any = 1
    legacy_listen_key: bool = False
    counts_order: bool = False
    per_account: bool = False

    def weight_of(self, params: Mapping[str, str]) -> int:
        """The request weight for these parameters."""
        return int(self.weight(params) if callable(self.weight) else self.weight)
