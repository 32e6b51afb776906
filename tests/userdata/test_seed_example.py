"""The seed documentation's user socket example, as written, against the simulator.

Only the class attributes holding the base URLs change (SPEC §1); the
example code is the seed's, in both user-data models.
"""
import pytest

from binance import _reactor
from binance.client import Client
from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
from binance.websockets import BinanceSocketManager
from tests.conftest import wait_for

SEED_CALLBACK = '''
def process_message(msg):
    print("message type: {}".format(msg['e']))
    print(msg)
    # do something
'''


@pytest.mark.parametrize('legacy', [False, True], ids=['binance.com', 'listen-key venue'])
def test_seed_user_socket_example(make_sim, monkeypatch, capsys, legacy):
    sim = make_sim(seed=3, legacy_listen_keys=legacy)
    monkeypatch.setattr(Client, 'API_URL', sim.api_url)
    monkeypatch.setattr(Client, 'MARGIN_API_URL', sim.margin_api_url)
    monkeypatch.setattr(BinanceSocketManager, 'STREAM_URL', sim.stream_url)
    monkeypatch.setattr(BinanceSocketManager, 'WS_API_URL', sim.ws_api_url)
    namespace = {'Client': Client, 'api_key': DEFAULT_API_KEY, 'api_secret': DEFAULT_API_SECRET,
                 'tld': 'us' if legacy else 'com'}
    exec(SEED_CALLBACK, namespace)
    exec('client = Client(api_key, api_secret, tld=tld)', namespace)
    exec('from binance.websockets import BinanceSocketManager\n'
         'bm = BinanceSocketManager(client)\n'
         'bm.start_user_socket(process_message)\n'
         'bm.start()\n', namespace)
    bm = namespace['bm']
    try:
        wait_for(lambda: _reactor.blocking_call(sim.accounts.subscriber_count, DEFAULT_API_KEY,
                                                'spot') == 1, 10, message='the subscription')
        _reactor.blocking_call(sim.accounts.place_order, DEFAULT_API_KEY, 'BNBBTC', 'BUY', 'LIMIT',
                               '1', price='0.00000100', time_in_force='GTC')
        out = []

        def printed():
            out.append(capsys.readouterr().out)
            return 'message type: outboundAccountPosition' in ''.join(out)

        wait_for(printed, 10, message='the callback output')
        text = ''.join(out)
        assert text.index('message type: executionReport') < text.index(
            'message type: outboundAccountPosition')
        assert "'e': 'executionReport'" in text and 'subscriptionId' not in text
    finally:
        bm.close()
        bm.join(5)
    assert not bm.is_alive()
