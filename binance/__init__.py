"""binance-sockets: a Twisted-based, drop-in ``BinanceSocketManager``.

The public modules keep the names existing scripts import:
``binance.client``, ``binance.websockets``, ``binance.enums``,
``binance.exceptions`` and ``binance.depthcache``. ``binance.simulator`` is a
simulated Binance exchange on loopback for tests, demos and benchmarks.
"""

__version__ = '0.1.0'
