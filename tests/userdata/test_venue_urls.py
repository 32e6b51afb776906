"""Which base URL a user socket dials, per venue and overrides (no network)."""
import pytest

from binance.client import Client
from binance.websockets import BinanceSocketManager


@pytest.fixture
def manager_for():
    made = []

    def factory(client, cls=BinanceSocketManager):
        manager = cls(client)
        made.append(manager)
        return manager

    yield factory
    for manager in made:
        manager.close()


def test_binance_com_uses_the_manager_defaults(manager_for):
    manager = manager_for(Client('k', 's'))
    assert manager.ws_api_url() == 'wss://ws-api.binance.com:443/ws-api/v3'
    assert manager.stream_url() == 'wss://stream.binance.com:9443/'


def test_binance_us_client_dials_binance_us(manager_for):
    manager = manager_for(Client('k', 's', tld='us'))
    assert manager.stream_url() == 'wss://stream.binance.us:9443/'
    assert manager.ws_api_url() == 'wss://ws-api.binance.us:443/ws-api/v3'


def test_testnet_client_dials_the_testnet(manager_for):
    manager = manager_for(Client('k', 's', testnet=True))
    assert manager.ws_api_url() == 'wss://ws-api.testnet.binance.vision/ws-api/v3'
    assert manager.stream_url() == 'wss://stream.testnet.binance.vision:9443/'


def test_overridden_manager_urls_always_win(manager_for):
    class Local(BinanceSocketManager):
        STREAM_URL = 'ws://127.0.0.1:1/'
        WS_API_URL = 'ws://127.0.0.1:1/ws-api/v3'

    for client in (Client('k', 's', tld='us'), Client('k', 's', testnet=True)):
        manager = manager_for(client, Local)
        assert manager.stream_url() == 'ws://127.0.0.1:1/'
        assert manager.ws_api_url() == 'ws://127.0.0.1:1/ws-api/v3'


class Captured(BinanceSocketManager):
    """Records the connections it would start instead of dialing (no network)."""

    def open_socket(self, key, connection):
        self.captured = connection
        return key


@pytest.mark.parametrize('kwargs, expected', [
    ({}, 'wss://stream.binance.com:9443/ws/bnbbtc@trade'),
    ({'tld': 'us'}, 'wss://stream.binance.us:9443/ws/bnbbtc@trade'),
    ({'testnet': True}, 'wss://stream.testnet.binance.vision:9443/ws/bnbbtc@trade'),
])
def test_market_streams_dial_the_clients_venue(manager_for, kwargs, expected):
    manager = manager_for(Client('k', 's', **kwargs), Captured)
    assert manager.start_trade_socket('BNBBTC', lambda msg: None) == 'ws/bnbbtc@trade'
    assert manager.captured.url == expected


def test_overridden_stream_url_wins_for_market_streams(manager_for):
    class Local(Captured):
        STREAM_URL = 'ws://127.0.0.1:1'

    manager = manager_for(Client('k', 's', tld='us'), Local)
    manager.start_trade_socket('BNBBTC', lambda msg: None)
    assert manager.captured.url == 'ws://127.0.0.1:1/ws/bnbbtc@trade'


def test_retired_stream_warning_only_where_the_socket_goes_to_binance_com(manager_for, recwarn):
    import warnings

    from binance import websockets
    from binance.websockets import RetiredStreamWarning
    websockets._warned_streams.discard('!bookTicker')
    us = manager_for(Client('k', 's', tld='us'))
    assert websockets.retired_stream_notice(us.stream_url(), '!bookTicker') is None
    com = manager_for(Client('k', 's'))
    notice = websockets.retired_stream_notice(com.stream_url(), '!bookTicker')
    assert notice and 'bookTicker' in notice
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        key = us.start_book_ticker_socket(lambda msg: None)
        us.stop_socket(key)
    assert not [w for w in caught if issubclass(w.category, RetiredStreamWarning)]
