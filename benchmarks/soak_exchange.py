"""The exchange side of the fault soak: the simulator in its own process, plus a soak endpoint.

Run by ``benchmarks/soak.py``; prints the simulator's ``name url`` lines and
then ``soak_url http://127.0.0.1:PORT/soak``, and runs until its standard
input closes. The soak endpoint (a separate twisted.web site, on its own
port) lets the soak, which runs in another process, act on the simulated
accounts and read what they published:

* ``POST /soak/order`` (query: ``account`` = ``spot`` or ``isolated``,
  ``symbol``, ``side``, ``type`` = ``MARKET``/``LIMIT``, ``quantity``,
  ``price``): places an order; answers Binance's order response.
* ``POST /soak/cancel`` (``account``, ``symbol``, ``orderId``): cancels one.
* ``GET /soak/published?account=...``: every user data event the account
  published since the start, in order (the ground truth of the soak).
* ``GET /soak/balances?account=...``: ``{asset: [free, locked]}`` now.

Faults go through the simulator's own ``/control`` endpoint.
"""
import argparse
import sys
import threading

import orjson
from twisted.web.resource import Resource
from twisted.web.server import Site

from binance.simulator import DEFAULT_API_KEY, Simulator
from binance.simulator.accounts import SPOT, fmt, isolated_scope

#: The isolated-margin pair the soak uses.
ISOLATED_SYMBOL = 'BNBBTC'


def _scope(name):
    if name == 'spot':
        return SPOT
    if name == 'isolated':
        return isolated_scope(ISOLATED_SYMBOL)
    raise ValueError('account must be spot or isolated')


class SoakResource(Resource):
    """``/soak``: orders, cancels, published events and balances of the default API key."""

    isLeaf = True

    def __init__(self, sim):
        super().__init__()
        self._sim = sim
        self.published = {SPOT: [], isolated_scope(ISOLATED_SYMBOL): []}
        for scope, events in self.published.items():
            sim.accounts.subscribe(DEFAULT_API_KEY, events.append, scope)

    def _answer(self, request, status, body):
        request.setResponseCode(status)
        request.setHeader(b'Content-Type', b'application/json')
        return orjson.dumps(body)

    def render_GET(self, request):  # noqa: N802 - twisted's name
        args = {k.decode(): v[-1].decode() for k, v in request.args.items()}
        what = b'/'.join(request.postpath)
        try:
            scope = _scope(args.get('account', 'spot'))
        except ValueError as exc:
            return self._answer(request, 400, {'error': str(exc)})
        if what == b'published':
            return self._answer(request, 200, self.published[scope])
        if what == b'balances':
            wallet = self._sim.accounts._wallet(DEFAULT_API_KEY, scope)
            return self._answer(request, 200, {a: [fmt(b.free), fmt(b.locked)]
                                               for a, b in wallet.items()})
        return self._answer(request, 404, {'error': 'unknown soak resource'})

    def render_POST(self, request):  # noqa: N802 - twisted's name
        args = {k.decode(): v[-1].decode() for k, v in request.args.items()}
        what = b'/'.join(request.postpath)
        accounts = self._sim.accounts
        try:
            scope = _scope(args.pop('account', 'spot'))
            if what == b'order':
                result = accounts.place_order(
                    DEFAULT_API_KEY, args['symbol'], args['side'], args['type'], args['quantity'],
                    price=args.get('price'), account=scope, resp_type='RESULT')
            elif what == b'cancel':
                result = accounts.cancel_order(DEFAULT_API_KEY, args['symbol'],
                                               int(args['orderId']), account=scope)
            else:
                return self._answer(request, 404, {'error': 'unknown soak resource'})
        except Exception as exc:  # an exchange refusal is an answer, not a crash
            return self._answer(request, 400, {'error': '{}: {}'.format(type(exc).__name__, exc)})
        return self._answer(request, 200, result)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--trade-rate', type=float, default=5.0)
    args = parser.parse_args(argv)
    from twisted.internet import reactor

    sim = Simulator(seed=args.seed, trade_rate=args.trade_rate)

    def start():
        sim.start()
        soak = SoakResource(sim)
        root = Resource()
        root.putChild(b'soak', soak)
        port = reactor.listenTCP(0, Site(root), interface='127.0.0.1')
        for name, url in sim.urls():
            print('{} {}'.format(name, url), flush=True)
        print('soak_url http://127.0.0.1:{}/soak'.format(port.getHost().port), flush=True)

    def watch_stdin():
        sys.stdin.read()  # the soak closed our standard input: stop
        reactor.callFromThread(reactor.stop)

    reactor.callWhenRunning(start)
    threading.Thread(target=watch_stdin, daemon=True).start()
    reactor.addSystemEventTrigger('before', 'shutdown', sim.stop)
    reactor.run()


if __name__ == '__main__':
    main()
