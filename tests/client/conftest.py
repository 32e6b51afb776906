"""Fixtures for the REST client tests.

``sim_client`` is a :class:`~binance.client.Client` whose base URLs point at a
running simulator. ``http_server`` is a scripted loopback HTTP server for the
transport cases a faithful exchange never produces on purpose (an answer
that is not JSON, an answer that never comes) and for capturing the exact
bytes a request sends.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from binance.client import Client
from tests.conftest import undone_after


def client_for(sim, api_key=None, api_secret=None, **kwargs):
    """A Client subclass instance aimed at ``sim`` (the Client class itself stays untouched)."""
    if api_key is None:
        from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
        api_key, api_secret = DEFAULT_API_KEY, (DEFAULT_API_SECRET if api_secret is None
                                                else api_secret)

    class SimClient(Client):
        API_URL = sim.api_url
        MARGIN_API_URL = sim.margin_api_url
        WEBSITE_URL = sim.base_url
        simulator = sim

    # The simulator serves every API on one port (see the URL layout).
    for name, attribute, path in (('FUTURES_URL', 'futures_api_url', '/fapi'),
                                  ('FUTURES_DATA_URL', 'futures_data_url', '/futures/data'),
                                  ('FUTURES_COIN_URL', 'futures_coin_api_url', '/dapi'),
                                  ('FUTURES_COIN_DATA_URL', 'futures_coin_data_url', '/futures/data'),
                                  ('OPTIONS_URL', 'options_api_url', '/eapi')):
        setattr(SimClient, name, getattr(sim, attribute, None) or sim.base_url + path)
    return SimClient(api_key, api_secret, **kwargs)


@pytest.fixture
def make_client():
    """Factory: ``make_client(sim, api_key=None, api_secret=None, **client_kwargs)``."""
    with undone_after(client_for, Client.close_connection) as factory:
        yield factory


@pytest.fixture
def sim_client(sim):
    client = client_for(sim)
    yield client
    client.close_connection()


class ScriptedServer:
    """Answers every request with ``self.answer``; records what it received."""

    def __init__(self):
        self.requests = []
        self.answer = (200, {'Content-Type': 'application/json'}, b'{}')
        self.hold = threading.Event()   # set: stop holding requests (see hang)
        self.hang = False
        self.received = threading.Event()
        handler = self._handler_class()
        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), handler)
        self.httpd.daemon_threads = True
        self.url = 'http://127.0.0.1:{}'.format(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,),
                                       daemon=True)
        self.thread.start()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                path, _, query = self.path.partition('?')
                server.requests.append({'method': self.command, 'path': path, 'query': query,
                                        'body': body, 'headers': dict(self.headers)})
                server.received.set()
                if server.hang:
                    server.hold.wait(30)
                    return
                status, headers, payload = server.answer
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        return Handler

    def close(self):
        self.hold.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server():
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def scripted_client(http_server):
    class ScriptedClient(Client):
        API_URL = http_server.url + '/api'
        MARGIN_API_URL = http_server.url + '/sapi'

    client = ScriptedClient('test-api-key', 'test-api-secret-0123456789')
    yield client
    client.close_connection()


@pytest.fixture(autouse=True)
def _library_logs_at_debug(library_debug_logging):
    """Secrets flow through these tests: check the library's quietest lines too."""
