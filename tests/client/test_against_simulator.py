"""The REST Client against the simulated exchange's REST endpoints."""
import pytest

from binance.client import Client, LISTEN_KEYS_RETIRED_MESSAGE
from binance.exceptions import BinanceAPIException


class CountingSession:
    """Wraps a requests.Session and counts requests per path (calls go through)."""

    def __init__(self, session):
        self._session = session
        self.paths = []

    def request(self, method, url, **kwargs):
        self.paths.append((method, url.split('?', 1)[0].rsplit('/api/', 1)[-1]))
        return self._session.request(method, url, **kwargs)

    def close(self):
        self._session.close()


def test_public_endpoints(sim_client):
    assert sim_client.ping() == {}
    server_time = sim_client.get_server_time()['serverTime']
    assert isinstance(server_time, int) and server_time > 1_500_000_000_000
    info = sim_client.get_exchange_info()
    names = {entry['symbol'] for entry in info['symbols']}
    assert {'BNBBTC', 'ETHBTC', 'BTCUSDT'} <= names
    assert sim_client.get_symbol_info('BNBBTC')['symbol'] == 'BNBBTC'
    assert sim_client.get_symbol_info('NOSUCHPAIR') is None


def test_order_book_keyword_style(sim_client):
    book = sim_client.get_order_book(symbol='BNBBTC', limit=5)
    assert int(sim_client.response.headers['X-MBX-USED-WEIGHT-1M']) >= 1
    assert set(book) >= {'lastUpdateId', 'bids', 'asks'}
    assert 0 < len(book['bids']) <= 5 and 0 < len(book['asks']) <= 5
    assert float(book['bids'][0][0]) < float(book['asks'][0][0])


def test_unknown_symbol_error(sim_client):
    with pytest.raises(BinanceAPIException) as info:
        sim_client.get_order_book(symbol='NOSUCHPAIR')
    assert (info.value.status_code, info.value.code) == (400, -1121)
    assert info.value.endpoint == 'GET /api/v3/depth'


def test_signed_account_and_orders(sim_client):
    account = sim_client.get_account()
    assert 'balances' in account
    order = sim_client.create_order(symbol='BNBBTC', side='BUY', type='LIMIT', timeInForce='GTC',
                                    quantity='1', price='0.00000100')
    assert order['symbol'] == 'BNBBTC' and order['orderId']
    status = sim_client.get_order(symbol='BNBBTC', orderId=order['orderId'])
    assert status['orderId'] == order['orderId']
    canceled = sim_client.cancel_order(symbol='BNBBTC', orderId=order['orderId'])
    assert canceled['status'] == 'CANCELED'


def test_non_ascii_parameter_is_signed_as_sent(sim_client):
    # The simulator verifies the signature over the raw bytes received.
    order = sim_client.create_order(symbol='BNBBTC', side='BUY', type='LIMIT', timeInForce='GTC',
                                    quantity='1', price='0.00000100',
                                    newClientOrderId='ordre-été')
    assert order['clientOrderId'] == 'ordre-été'


def test_wrong_secret_is_rejected_without_leaking_it(sim, make_client):
    client = make_client(sim, api_secret='not-the-right-secret-0123456789')
    with pytest.raises(BinanceAPIException) as info:
        client.get_account()
    assert info.value.code == -1022
    assert 'not-the-right-secret' not in str(info.value)
    assert 'not-the-right-secret' not in repr(client)


def test_unknown_key_is_rejected(sim, make_client):
    client = make_client(sim, api_key='unknownkey123', api_secret='whatever-secret')
    with pytest.raises(BinanceAPIException) as info:
        client.get_account()
    assert info.value.code == -2015


def test_clock_skew_resyncs_once_and_succeeds(sim_client):
    sim_client.timestamp_offset = -120_000   # two minutes behind: outside recvWindow
    counting = CountingSession(sim_client.session)
    sim_client.session = counting
    assert 'balances' in sim_client.get_account()
    assert counting.paths == [('GET', 'v3/account'), ('GET', 'v3/time'), ('GET', 'v3/account')]
    assert abs(sim_client.timestamp_offset) < 5_000


def test_clock_resync_retries_only_once(sim_client):
    counting = CountingSession(sim_client.session)
    sim_client.session = counting
    # A clock that stays wrong whatever the measured offset: -1021 twice, then the error.
    skewed = sim_client.timestamp
    sim_client.timestamp = lambda: skewed() - 120_000
    with pytest.raises(BinanceAPIException) as info:
        sim_client.get_account()
    assert info.value.code == -1021
    assert [p for _, p in counting.paths] == ['v3/account', 'v3/time', 'v3/account']


def test_ahead_clock_also_recovers(sim_client):
    sim_client.timestamp_offset = 60_000
    assert 'balances' in sim_client.get_account()


def test_spot_listen_key_retired_on_binance_com_model(sim_client):
    with pytest.raises(BinanceAPIException) as info:
        sim_client.stream_get_listen_key()
    assert info.value.status_code == 410
    assert info.value.message == LISTEN_KEYS_RETIRED_MESSAGE
    assert info.value.endpoint == 'POST /api/v3/userDataStream'


def test_listen_key_trio_on_legacy_venue(make_sim, make_client):
    sim = make_sim(seed=5, legacy_listen_keys=True)
    client = make_client(sim, tld='us')
    key = client.stream_get_listen_key()
    assert isinstance(key, str) and len(key) >= 20
    assert client.stream_get_listen_key() == key     # the live key is returned again
    assert client.stream_keepalive(listenKey=key) == {}
    assert client.stream_close(listenKey=key) == {}
    with pytest.raises(BinanceAPIException) as info:
        client.stream_keepalive(listenKey=key)
    assert info.value.code == -1125
    assert key not in str(info.value)


def test_margin_listen_tokens(sim_client):
    cross = sim_client.margin_create_listen_token()
    isolated = sim_client.margin_create_listen_token(isolated_symbol='BNBBTC')
    for answer in (cross, isolated):
        assert isinstance(answer['token'], str) and answer['token']
        assert answer['expirationTime'] > sim_client.get_server_time()['serverTime']
    assert cross['token'] != isolated['token']


def test_generic_request_reaches_any_endpoint(sim_client):
    assert sim_client.request('GET', 'v3/ping') == {}
    assert sim_client.request('GET', '/v3/time')['serverTime'] > 0
    token = sim_client.request('POST', 'v1/userListenToken', signed=True, api='sapi')
    assert 'token' in token
    with pytest.raises(BinanceAPIException) as info:
        sim_client.request('GET', 'v3/noSuchThing')
    assert info.value.status_code == 404
    with pytest.raises(ValueError):
        sim_client.request('GET', 'v3/ping', api='vapi')


def test_request_weight_limit_reports_retry_after(make_sim, make_client):
    sim = make_sim(seed=7, request_weight_limit=50)
    client = make_client(sim)
    with pytest.raises(BinanceAPIException) as info:
        for _ in range(10):
            client.get_exchange_info()      # weight 20 each
    assert info.value.status_code == 429 and info.value.code == -1003
    assert info.value.retry_after is not None and info.value.retry_after > 0


def test_class_attribute_override_points_every_client_at_the_simulator(sim, monkeypatch):
    monkeypatch.setattr(Client, 'API_URL', sim.api_url)
    monkeypatch.setattr(Client, 'MARGIN_API_URL', sim.margin_api_url)
    from binance.simulator import DEFAULT_API_KEY, DEFAULT_API_SECRET
    client = Client(DEFAULT_API_KEY, DEFAULT_API_SECRET)
    assert client.ping() == {}
    assert 'token' in client.margin_create_listen_token()
