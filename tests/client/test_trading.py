"""Spot orders and account over HTTP: 0.7.11's order methods against the simulator's accounts."""
import pytest

from binance.client import Client
from binance.exceptions import BinanceAPIException


@pytest.fixture
def client(make_sim, make_client):
    return make_client(make_sim(seed=9, trade_rate=0))


def test_limit_and_market_shortcuts_place_orders_of_their_kind(client):
    resting = client.order_limit_buy(symbol='BNBBTC', quantity='2', price='0.000100')
    assert (resting['side'], resting['type'], resting['timeInForce'], resting['status']) == \
        ('BUY', 'LIMIT', 'GTC', 'NEW')
    ioc = client.order_limit_sell(timeInForce=Client.TIME_IN_FORCE_IOC, symbol='BNBBTC',
                                  quantity='1', price='0.900000')
    assert (ioc['side'], ioc['timeInForce']) == ('SELL', 'IOC')
    bought = client.order_market_buy(symbol='BNBBTC', quantity='3')
    assert (bought['type'], bought['status']) == ('MARKET', 'FILLED') and bought['fills']
    sold = client.order_market_sell(symbol='BNBBTC', quantity='1',
                                    newOrderRespType=Client.ORDER_RESP_TYPE_ACK)
    assert set(sold) == {'symbol', 'orderId', 'orderListId', 'clientOrderId', 'transactTime'}
    assert client.get_order(symbol='BNBBTC', orderId=resting['orderId'])['status'] == 'NEW'
    assert [o['orderId'] for o in client.get_open_orders(symbol='BNBBTC')] == [resting['orderId']]
    assert {o['orderId'] for o in client.get_all_orders(symbol='BNBBTC')} == \
        {resting['orderId'], ioc['orderId'], bought['orderId'], sold['orderId']}
    mine = client.get_my_trades(symbol='BNBBTC')
    assert {t['orderId'] for t in mine} >= {bought['orderId'], sold['orderId']}
    assert sum(float(t['qty']) for t in mine if t['orderId'] == bought['orderId']) == 3
    canceled = client.cancel_order(symbol='BNBBTC', orderId=resting['orderId'])
    assert canceled['status'] == 'CANCELED' and client.get_open_orders() == []


def test_balances_follow_the_fills(client):
    before = float(client.get_asset_balance('BNB')['free'])
    client.order_market_buy(symbol='BNBBTC', quantity='4')
    assert float(client.get_asset_balance(asset='bnb')['free']) == before + 4
    assert client.get_asset_balance('NOSUCHCOIN') is None
    with pytest.raises(TypeError, match='asset'):
        client.get_asset_balance(None)


def test_test_order_checks_without_placing(client):
    assert client.create_test_order(symbol='BNBBTC', side='BUY', type='LIMIT', timeInForce='GTC',
                                    quantity='1', price='0.000100') == {}
    assert client.get_all_orders(symbol='BNBBTC') == []
    with pytest.raises(BinanceAPIException) as info:
        client.create_test_order(symbol='BNBBTC', side='SELL', type='MARKET', quantity='99999999')
    assert info.value.code == -2010
    with pytest.raises(BinanceAPIException) as info:
        client.create_test_order(symbol='BNBBTC', side='BUY', type='LIMIT', timeInForce='GTC',
                                 quantity='1', price='0.0000001')
    assert info.value.code == -1013


def test_order_counts_are_reported_per_api_base(client):
    client.order_limit_buy(symbol='BNBBTC', quantity='1', price='0.000100')
    client.order_limit_buy(symbol='BNBBTC', quantity='1', price='0.000100')
    counts = client.rate_limits.order_count(client.api_url)
    assert counts['10S'] == 2 and counts['1D'] == 2
    assert client.rate_limits.used_weight(client.api_url)['1M'] >= 2


def test_missing_parameters_fail_before_sending(client):
    with pytest.raises(ValueError, match="'side'"):
        client.order_market(symbol='BNBBTC', quantity='1')
    with pytest.raises(ValueError, match="'symbol'"):
        client.get_my_trades()


def test_oco_orders_go_to_order_list_oco_with_above_and_below_legs(scripted_client, http_server):
    http_server.answer = (200, {'Content-Type': 'application/json'},
                          b'{"orderListId": 7, "contingencyType": "OCO", "orders": []}')
    answer = scripted_client.order_oco_sell(symbol='BNBBTC', quantity=1, price='0.02',
                                            stopPrice='0.009', stopLimitPrice='0.0089',
                                            stopLimitTimeInForce='GTC')
    assert answer['contingencyType'] == 'OCO'
    sent = http_server.requests[-1]
    assert (sent['method'], sent['path']) == ('POST', '/api/v3/orderList/oco')
    body = sent['body'].decode()
    for pair in ('side=SELL', 'abovePrice=0.02', 'aboveType=LIMIT_MAKER', 'belowStopPrice=0.009',
                 'belowPrice=0.0089', 'belowType=STOP_LOSS_LIMIT', 'belowTimeInForce=GTC'):
        assert pair in body.split('&'), pair


def test_the_simulator_refuses_order_lists_saying_so(client):
    with pytest.raises(BinanceAPIException) as info:
        client.order_oco_buy(symbol='BNBBTC', quantity=1, price='0.000100', stopPrice='0.02')
    assert 'order lists' in info.value.message
