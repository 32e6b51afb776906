"""The REST methods of :class:`binance.client.Client`, one module per family.

Each family declares its methods as :class:`~binance.rest.endpoint.Endpoint`
records (method, path, API base, security, weight, parameters, and how
python-binance 0.7.11's arguments and answers map to today's endpoint);
hand-written logic (kline paging, order shortcuts...) sits beside them.
:class:`binance.client.Client` inherits every family.
"""
