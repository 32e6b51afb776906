"""``python -m binance.simulator``: run the simulated exchange until Ctrl-C or SIGTERM.

Prints one ``name url`` line per endpoint (``stream_url ws://127.0.0.1:PORT/``
first), so scripts can read the URLs from its standard output.
"""
import argparse
import logging
import sys
from typing import List, Optional

from . import Simulator


def build_parser() -> argparse.ArgumentParser:
    """The command-line options."""
    parser = argparse.ArgumentParser(prog='python -m binance.simulator',
                                     description='Run a simulated Binance exchange on loopback.')
    parser.add_argument('--host', default='127.0.0.1', help='interface to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=0, help='TCP port (default: any free port)')
    parser.add_argument('--seed', type=int, default=0, help='seed of the deterministic market')
    parser.add_argument('--tls', action='store_true', help='serve wss:// and https:// with a generated CA')
    parser.add_argument('--time-scale', type=float, default=1.0,
                        help='multiply every interval (pings, 24 h age, key validity) by this')
    parser.add_argument('--trade-rate', type=float, default=10.0, help='trades per second per symbol')
    parser.add_argument('--us', action='store_true',
                        help='behave like Binance US: retired streams live, listen keys work')
    parser.add_argument('-v', '--verbose', action='store_true', help='log to standard error')
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    """Run the simulator in this process's reactor; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format='%(asctime)s %(name)s %(levelname)s %(message)s')
    from twisted.internet import reactor

    sim = Simulator(seed=args.seed, host=args.host, port=args.port, tls=args.tls,
                    time_scale=args.time_scale, trade_rate=args.trade_rate,
                    retired_streams_live=args.us, legacy_listen_keys=args.us)
    status = [0]

    def start() -> None:
        try:
            sim.start()
        except Exception as exc:
            print('cannot start the simulator: {}'.format(exc), file=sys.stderr, flush=True)
            status[0] = 1
            reactor.stop()
            return
        for name, url in sim.urls():
            print('{} {}'.format(name, url), flush=True)
        reactor.addSystemEventTrigger('before', 'shutdown', sim.stop)

    reactor.callWhenRunning(start)
    reactor.run()
    return status[0]


if __name__ == '__main__':
    sys.exit(main())
