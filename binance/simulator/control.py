"""The HTTP control endpoint: fault injection from outside the process.

``GET /control`` lists the fault names, ``GET /control/connections`` lists
the open WebSocket connections, and ``POST /control/faults/<name>`` runs
:class:`~binance.simulator.faults.Faults` ``<name>`` with arguments from a
JSON object body or from query parameters. Answers are JSON:
``{"result": ...}`` or ``{"error": "..."}`` with status 400 or 404.
"""
import inspect
import logging
from typing import TYPE_CHECKING, Any, Dict

import orjson
from twisted.web.resource import Resource

from .faults import Faults

if TYPE_CHECKING:  # pragma: no cover
    from . import Simulator

log = logging.getLogger(__name__)

_INT_ARGS = ('conn_id', 'count', 'size', 'parts', 'chunk', 'status', 'weight')
_FLOAT_ARGS = ('seconds', 'lead', 'delay')


def _json(request: Any, status: int, body: Any) -> bytes:
    request.setResponseCode(status)
    request.setHeader(b'Content-Type', b'application/json')
    return orjson.dumps(body)


def _arguments(request: Any) -> Dict[str, Any]:
    args: Dict[str, Any] = {k.decode(): v[-1].decode() for k, v in request.args.items()}
    body = request.content.read().strip() if request.content is not None else b''
    content_type = (request.getHeader(b'content-type') or b'').lower()
    if body and (b'json' in content_type or body.startswith(b'{')):
        data = orjson.loads(body)
        if not isinstance(data, dict):
            raise ValueError('the body must be a JSON object')
        args.update(data)
    for name in _INT_ARGS:
        if isinstance(args.get(name), str):
            args[name] = int(args[name])
    for name in _FLOAT_ARGS:
        if isinstance(args.get(name), str):
            args[name] = float(args[name])
    return args


class ControlResource(Resource):
    """``/control``: the fault names, the connection list and the fault triggers."""

    isLeaf = True

    def __init__(self, sim: 'Simulator') -> None:
        super().__init__()
        self._sim = sim

    def render_GET(self, request: Any) -> bytes:  # noqa: N802 - twisted's name
        parts = [p for p in request.postpath if p]
        if not parts:
            return _json(request, 200, {'faults': list(Faults.NAMES)})
        if parts == [b'connections']:
            return _json(request, 200, [c.describe() for c in
                                        sorted(self._sim.connections.values(), key=lambda c: c.conn_id)])
        return _json(request, 404, {'error': 'no such control resource'})

    def render_POST(self, request: Any) -> bytes:  # noqa: N802 - twisted's name
        parts = [p.decode() for p in request.postpath if p]
        if len(parts) != 2 or parts[0] != 'faults' or parts[1] not in Faults.NAMES:
            return _json(request, 404, {'error': 'unknown fault; POST /control/faults/<name> with one of: '
                                                 + ', '.join(Faults.NAMES)})
        method = getattr(self._sim.faults, parts[1])
        try:
            args = _arguments(request)
            inspect.signature(method).bind(**args)
        except (TypeError, ValueError) as exc:
            return _json(request, 400, {'error': 'bad arguments for {}: {}'.format(parts[1], exc)})
        try:
            result = method(**args)
        except NotImplementedError as exc:
            return _json(request, 501, {'error': str(exc)})
        except (TypeError, ValueError, KeyError) as exc:
            return _json(request, 400, {'error': '{}: {}'.format(parts[1], exc)})
        log.info('fault %s injected through the control endpoint', parts[1])
        return _json(request, 200, {'result': result})


def install(root: Resource, sim: 'Simulator') -> None:
    """Mount ``/control`` on the simulator's root resource."""
    root.putChild(b'control', ControlResource(sim))
