"""Where a Client sends each API, per venue, and how the 0.7.11 class attributes override it (no network)."""
import pytest

from binance import venues
from binance.client import Client
from binance.websockets import BinanceSocketManager

APIS = ('api', 'sapi', 'fapi', 'fdata', 'dapi', 'ddata', 'eapi', 'www')

EXPECTED_REST = {
    'com': ('https://api.binance.com/api', 'https://api.binance.com/sapi',
            'https://fapi.binance.com/fapi', 'https://fapi.binance.com/futures/data',
            'https://dapi.binance.com/dapi', 'https://dapi.binance.com/futures/data',
            'https://eapi.binance.com/eapi', 'https://www.binance.com'),
    # 0.7.11 put the tld into every host; Binance US itself only has spot.
    'us': ('https://api.binance.us/api', 'https://api.binance.us/sapi',
           'https://fapi.binance.us/fapi', 'https://fapi.binance.us/futures/data',
           'https://dapi.binance.us/dapi', 'https://dapi.binance.us/futures/data',
           'https://eapi.binance.us/eapi', 'https://www.binance.us'),
    'testnet': ('https://testnet.binance.vision/api', 'https://testnet.binance.vision/sapi',
                'https://testnet.binancefuture.com/fapi',
                'https://testnet.binancefuture.com/futures/data',
                'https://testnet.binancefuture.com/dapi',
                'https://testnet.binancefuture.com/futures/data',
                'https://testnet.binancefuture.com/eapi', 'https://www.binance.com'),
}

EXPECTED_STREAMS = {
    'com': {venues.SPOT: 'wss://stream.binance.com:9443/', venues.USDM: 'wss://fstream.binance.com/',
            venues.COINM: 'wss://dstream.binance.com/', venues.OPTIONS: 'wss://fstream.binance.com/'},
    'us': {venues.SPOT: 'wss://stream.binance.us:9443/', venues.USDM: 'wss://fstream.binance.com/',
           venues.COINM: 'wss://dstream.binance.com/', venues.OPTIONS: 'wss://fstream.binance.com/'},
    'testnet': {venues.SPOT: 'wss://stream.testnet.binance.vision:9443/',
                venues.USDM: 'wss://fstream.binancefuture.com/',
                venues.COINM: 'wss://dstream.binancefuture.com/',
                venues.OPTIONS: 'wss://fstream.binancefuture.com/'},
}

KWARGS = {'com': {}, 'us': {'tld': 'us'}, 'testnet': {'testnet': True}}


def _client(which):
    return Client('k', 's', **KWARGS[which])


@pytest.mark.parametrize('which', sorted(KWARGS))
@pytest.mark.parametrize('index, api', list(enumerate(APIS)))
def test_every_rest_api_of_every_venue(which, index, api):
    client = _client(which)
    assert client.base_url(api) == EXPECTED_REST[which][index]
    assert client.base_url(api) == venues.rest_url(api, **KWARGS[which])


def test_the_url_properties_are_the_base_urls():
    client = _client('testnet')
    assert [client.api_url, client.margin_api_url, client.futures_api_url,
            client.futures_data_api_url, client.futures_coin_api_url,
            client.futures_coin_data_api_url, client.options_api_url,
            client.website_url] == list(EXPECTED_REST['testnet'])


@pytest.mark.parametrize('which', sorted(KWARGS))
def test_streams_and_user_data_model_of_every_venue(which):
    client = _client(which)
    manager = BinanceSocketManager(client)
    try:
        for market, url in EXPECTED_STREAMS[which].items():
            assert venues.for_client(client, market).stream_url == url, market
            assert manager.venue(market).stream_url == url, market
    finally:
        manager.close()
    assert client.stream_url == EXPECTED_STREAMS[which][venues.SPOT]
    assert client.ws_api_url == manager.ws_api_url()
    assert client.uses_listen_keys is (which == 'us')
    client.use_listen_keys = which != 'us'
    assert client.uses_listen_keys is (which != 'us')


def test_every_rest_api_of_the_venues_has_a_client_attribute():
    assert set(venues.REST_APIS) == set(APIS)
    for api in venues.REST_APIS:
        Client().base_url(api)
    with pytest.raises(ValueError, match="api must be one of 'api'"):
        Client().base_url('vapi')
    with pytest.raises(ValueError, match='api must be one of'):
        venues.rest_url('wapi')


def test_class_attributes_keep_0711s_templates():
    assert Client.API_URL == 'https://api.binance.{}/api'
    assert Client.MARGIN_API_URL == 'https://api.binance.{}/sapi'
    assert Client.WITHDRAW_API_URL == 'https://api.binance.{}/wapi'
    assert Client.WEBSITE_URL == 'https://www.binance.{}'
    assert Client.FUTURES_URL == 'https://fapi.binance.{}/fapi'
    assert Client.FUTURES_DATA_URL == 'https://fapi.binance.{}/futures/data'
    assert Client.FUTURES_COIN_URL == 'https://dapi.binance.{}/dapi'
    assert Client.FUTURES_COIN_DATA_URL == 'https://dapi.binance.{}/futures/data'
    assert Client.OPTIONS_URL == 'https://eapi.binance.{}/eapi'
    assert Client.OPTIONS_TESTNET_URL == 'https://testnet.binancefuture.com/eapi'


def test_an_override_on_a_subclass_wins_for_its_api_only():
    class Local(Client):
        FUTURES_URL = 'http://127.0.0.1:1/fapi'
        OPTIONS_TESTNET_URL = 'http://127.0.0.1:2/eapi'

    for kwargs in ({}, {'tld': 'us'}):
        client = Local(**kwargs)
        assert client.futures_api_url == 'http://127.0.0.1:1/fapi'
        assert client.futures_data_api_url == EXPECTED_REST[kwargs.get('tld', 'com')][3]
    testnet = Local(testnet=True)
    assert testnet.options_api_url == 'http://127.0.0.1:2/eapi'
    # A testnet client reads the testnet attributes, as before.
    assert testnet.futures_api_url == 'https://testnet.binancefuture.com/fapi'


def test_an_override_on_the_class_or_the_instance_wins(monkeypatch):
    client = Client(tld='us')
    monkeypatch.setattr(Client, 'API_URL', 'http://127.0.0.1:1/api')
    assert client.api_url == 'http://127.0.0.1:1/api'
    assert Client(testnet=True).api_url == 'https://testnet.binance.vision/api'
    client.MARGIN_API_URL = 'https://margin.example.{}/sapi'   # 0.7.11 templates still format
    assert client.margin_api_url == 'https://margin.example.us/sapi'
    client.WEBSITE_URL = 'http://127.0.0.1:3'
    assert client.website_url == 'http://127.0.0.1:3'
    assert Client(tld='us').website_url == 'https://www.binance.us'


def test_the_endpoint_table_shows_binance_com_hosts():
    assert Client.get_klines.endpoint.http == 'GET /api/v3/klines'
    assert Client.get_klines.endpoint.host == 'api.binance.com'
    assert Client.futures_klines.endpoint.host == 'fapi.binance.com'
    assert Client.futures_klines.endpoint.http == 'GET /fapi/v1/klines'
    assert Client.get_products.endpoint.http.startswith('GET /bapi/asset/')
    assert Client.get_products.endpoint.host == 'www.binance.com'


def test_tld_must_be_a_string():
    with pytest.raises(TypeError, match='tld'):
        Client(tld=None)
    with pytest.raises(TypeError, match='tld'):
        venues.rest_url('api', tld=1)


def test_tld_template():
    assert venues.tld_template('wss://stream.binance.com:9443/') == 'wss://stream.binance.{}:9443/'
    assert venues.tld_template('https://binance.com/x') == 'https://binance.{}/x'
    assert venues.tld_template('https://testnet.binance.vision/api') == \
        'https://testnet.binance.vision/api'
    assert venues.tld_template('http://127.0.0.1:5/api') == 'http://127.0.0.1:5/api'
