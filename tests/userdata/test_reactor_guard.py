"""The guard of conftest.py really notices REST calls on the reactor thread."""
import socket

from binance import _reactor


def refused_port():
    """A loopback port nothing listens on (bound to port 0, then closed)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_guard_records_a_rest_call_made_on_the_reactor(no_rest_on_the_reactor, sim):
    from binance.client import Client

    class SimClient(Client):
        API_URL = sim.api_url

    client = SimClient()
    assert 'serverTime' in client.get_server_time()  # off the reactor: allowed
    assert no_rest_on_the_reactor == []
    # On the reactor the call cannot be answered (the simulator shares the
    # thread), so it is refused at once by a closed port instead.

    class Nowhere(Client):
        API_URL = 'http://127.0.0.1:{}/api'.format(refused_port())

    nowhere = Nowhere()

    def call_on_reactor():
        try:
            nowhere.ping()
        except Exception as exc:  # the refused connection; only the guard matters here
            return type(exc).__name__
        return None

    assert _reactor.blocking_call(call_on_reactor) == 'BinanceRequestException'
    assert set(no_rest_on_the_reactor) == {'Client._send', 'requests.Session.request'}
    no_rest_on_the_reactor.clear()  # this test made the violation on purpose
    client.close_connection()
    nowhere.close_connection()
