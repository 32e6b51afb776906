"""Request weight, 429 and 418: the client stops sending to a paused API base."""
import pytest

from binance.exceptions import BinanceAPIException, BinanceRateLimitError
from binance.rest.limits import DEFAULT_BAN_SECONDS, RateLimits

from tests.conftest import wait_for


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_headers_are_recorded_per_base_case_insensitively():
    limits = RateLimits(FakeClock())
    limits.record('A', 200, {'x-mbx-used-weight-1m': '12', 'X-MBX-ORDER-COUNT-10S': '3',
                             'X-MBX-USED-WEIGHT': '12'})
    limits.record('B', 200, {'X-SAPI-USED-IP-WEIGHT-1M': '40'})
    assert limits.used_weight('A') == {'1M': 12}
    assert limits.order_count('A') == {'10S': 3}
    assert limits.used_weight('B') == {'IP-1M': 40}
    limits.record('A', 200, {'X-MBX-USED-WEIGHT-1M': '20'})
    assert limits.used_weight('A') == {'1M': 20} and limits.order_count('A') == {'10S': 3}


def test_429_and_418_pause_only_their_base_until_retry_after():
    clock = FakeClock()
    limits = RateLimits(clock)
    assert limits.record('A', 429, {'Retry-After': '30'}) == 30
    assert limits.check('A') == (429, 30) and limits.check('B') is None
    clock.now += 29.5
    assert limits.check('A') == (429, pytest.approx(0.5))
    clock.now += 1
    assert limits.check('A') is None and limits.pause_remaining('A') is None
    assert limits.record('A', 418, {}) == DEFAULT_BAN_SECONDS
    assert limits.check('A')[0] == 418
    assert limits.record('A', 429, {'Retry-After': 'soon'}) is None   # unreadable: no new pause


@pytest.fixture
def tight_sim(make_sim):
    # 40 weight per window of 3 s; bans of 120 * 0.05 = 6 s.
    return make_sim(seed=3, trade_rate=0, request_weight_limit=40, time_scale=0.05)


def test_429_pauses_the_client_until_retry_after(tight_sim, make_client):
    client = make_client(tight_sim)
    with pytest.raises(BinanceAPIException) as info:
        for _ in range(100):
            client.get_ticker(symbol='BNBBTC')   # weight 2
    first = info.value
    assert (first.status_code, first.code) == (429, -1003) and first.retry_after >= 1
    assert not isinstance(first, BinanceRateLimitError)
    sent = []
    client.session.request = lambda *a, **k: sent.append(a)   # nothing may be sent now
    with pytest.raises(BinanceRateLimitError) as info:
        client.ping()
    assert info.value.status_code == 429 and 0 < info.value.retry_after <= first.retry_after
    assert 'paused' in str(info.value) and sent == []
    assert client.rate_limits.used_weight(client.api_url)['1M'] > 30
    del client.session.request
    wait_for(lambda: client.rate_limits.pause_remaining(client.api_url) is None, timeout=10,
             message='the pause to end')
    assert client.ping() == {}


def test_an_ip_that_keeps_going_is_banned_with_418(tight_sim, make_client):
    # Each fresh client has not seen the 429 yet, as several processes on one IP would not.
    banned = None
    for _ in range(40):
        client = make_client(tight_sim)
        try:
            client.get_ticker(symbol='BNBBTC')
        except BinanceAPIException as exc:
            if exc.status_code == 418:
                banned = exc
                break
    assert banned is not None, 'no 418 after repeated 429s'
    assert banned.code == -1003 and banned.retry_after >= 5
    with pytest.raises(BinanceRateLimitError) as info:
        client.get_server_time()
    assert info.value.status_code == 418
    other_base = client.rate_limits.check(client.margin_api_url)
    assert other_base is None


@pytest.mark.parametrize('method, params', [
    ('ping', {}), ('get_exchange_info', {}), ('get_klines', {'symbol': 'BNBBTC', 'interval': '1m'}),
    ('get_recent_trades', {'symbol': 'BNBBTC'}), ('get_aggregate_trades', {'symbol': 'BNBBTC'}),
    ('get_avg_price', {'symbol': 'BNBBTC'}), ('get_all_tickers', {}),
    ('get_orderbook_tickers', {}), ('get_account', {}), ('get_my_trades', {'symbol': 'BNBBTC'}),
    ('get_all_orders', {'symbol': 'BNBBTC'}), ('get_historical_trades', {'symbol': 'BNBBTC'}),
])
def test_the_simulator_charges_each_endpoint_its_documented_weight(sim, make_client, method, params):
    client = make_client(sim)
    client.ping()
    before = client.rate_limits.used_weight(client.api_url)['1M']
    getattr(client, method)(**params)
    after = client.rate_limits.used_weight(client.api_url)['1M']
    # A one-minute window may have begun between the two calls.
    assert getattr(client, method).endpoint.weight in (after - before, after)
