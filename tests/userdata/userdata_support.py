"""Helpers of the user-data tests: a recording callback, the expected events, the environment.

``UserEnv`` builds a Client and a BinanceSocketManager (subclasses whose base
URLs point at a simulator) for one of the two user-data models: ``'ws-api'``
(binance.com: WebSocket API subscription) or ``'listen-key'`` (Binance US:
REST listen keys, ``Client(tld='us')``).
"""


from binance import _reactor
from binance.client import Client
from binance.reconcile import GAP_EVENT, RECONCILED_EVENT
from binance.websockets import BinanceSocketManager

from tests.recording import Recorder

MODELS = ('ws-api', 'listen-key')


class Collector(Recorder):
    """A callback that records messages and lets a test wait for them."""

    wait_for = Recorder.wait

    def events(self):
        with self._cond:
            return [m for m in self.messages if m.get('e') != 'error']

    def account_events(self):
        """What the account published (no gap notices, no error dicts)."""
        return self.matching(lambda m: m.get('e') not in (GAP_EVENT, RECONCILED_EVENT, 'error'))

    def wait_account_events(self, count, timeout=10.0):
        self.wait(lambda items: len(self.account_events()) >= count, timeout,
                  '{} account events'.format(count))
        return self.account_events()

    def notices(self, kind=None):
        """The gap notices (``userDataGap``, ``userDataReconciled``), or those of ``kind``."""
        kinds = (kind,) if kind else (GAP_EVENT, RECONCILED_EVENT)
        return self.matching(lambda m: m.get('e') in kinds)

    def wait_reconciled(self, count=1, timeout=10.0):
        """Wait for the ``count``-th ``userDataReconciled`` notice; returns the notices."""
        self.wait(lambda items: len(self.notices(RECONCILED_EVENT)) >= count, timeout,
                  '{} reconciliation(s)'.format(count))
        return self.notices()


class Reference:
    """Records what the simulator publishes to an account, in order (the expected events)."""

    def __init__(self, sim, api_key, account):
        self.events = []
        self._sub = _reactor.blocking_call(sim.accounts.subscribe, api_key, self.events.append,
                                           account)


class UserEnv:
    def __init__(self, sim, model, user_timeout=1800, options=None, **client_kwargs):
        from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
        self.sim = sim
        self.model = model
        self.api_key = client_kwargs.pop('api_key', DEFAULT_API_KEY)
        self.api_secret = client_kwargs.pop('api_secret', DEFAULT_API_SECRET)

        class SimClient(Client):
            API_URL = sim.api_url
            MARGIN_API_URL = sim.margin_api_url

        class SimManager(BinanceSocketManager):
            STREAM_URL = sim.stream_url
            WS_API_URL = sim.ws_api_url

        if model == 'listen-key':
            client_kwargs.setdefault('tld', 'us')
        self.client = SimClient(self.api_key, self.api_secret, **client_kwargs)
        self.manager = SimManager(self.client, user_timeout=user_timeout, options=options)
        self.manager.start()

    def run(self, fn, *args, **kwargs):
        """Call ``fn`` on the reactor thread (simulator objects live there)."""
        return _reactor.blocking_call(lambda: fn(*args, **kwargs))

    def subscribers(self, account='spot'):
        return self.run(self.sim.accounts.subscriber_count, self.api_key, account)

    def wait_subscribed(self, count=1, account='spot', timeout=10.0):
        from tests.conftest import wait_for
        wait_for(lambda: self.subscribers(account) == count, timeout,
                 message='{} subscriber(s) on the {} account'.format(count, account))

    def wait_ready(self, conn_key='user', account='spot', timeout=10.0):
        """Wait until the server has the subscription *and* the client side knows it is open.

        The server subscribes a connection before the client has read the
        handshake answer, so a server-side count alone can run ahead of the
        client's ``opened_count`` and subscription id.
        """
        from binance.connection import ConnectionState
        from tests.conftest import wait_for
        connection = self.connection(conn_key)

        def ready():
            session = connection._session
            return (connection.state is ConnectionState.OPEN
                    and getattr(session, 'subscription_id', 0) is not None
                    and self.subscribers(account) == 1)
        wait_for(ready, timeout, message='{} to be open and subscribed'.format(conn_key))
        return connection

    def connection(self, conn_key):
        return self.manager.connection(conn_key)

    def close(self):
        self.manager.close()
        self.manager.join(5)
        self.client.close_connection()


