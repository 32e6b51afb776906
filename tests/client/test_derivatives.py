"""USD-M, COIN-M and options methods over HTTP: the account side the simulator models."""
import pytest

from binance.exceptions import BinanceAPIException, BinanceEndpointRemovedError


@pytest.fixture
def client(make_sim, make_client):
    return make_client(make_sim(seed=21, trade_rate=0))


def test_usdm_wallet_settings_and_positions(client):
    assert client.futures_ping() == {} and client.futures_time()['serverTime'] > 0
    client.futures_account_transfer(asset='USDT', amount=500, type=1)
    balances = {b['asset']: b for b in client.futures_account_balance()}
    assert float(balances['USDT']['balance']) == 100000 + 500
    assert client.futures_change_leverage(symbol='BTCUSDT', leverage=10)['leverage'] == 10
    assert client.futures_change_margin_type(symbol='BTCUSDT', marginType='ISOLATED')['code'] == 200
    with pytest.raises(BinanceAPIException) as info:
        client.futures_change_margin_type(symbol='BTCUSDT', marginType='ISOLATED')
    assert info.value.code == -4046
    position = client.futures_position_information(symbol='BTCUSDT')[0]
    assert (position['leverage'], position['marginType'], position['positionAmt']) == \
        ('10', 'isolated', '0')
    account = client.futures_account()
    assert float(account['totalWalletBalance']) == 100500 and account['positions']
    assert client.futures_get_position_mode() == {'dualSidePosition': False}
    client.futures_change_position_mode(dualSidePosition='true')
    assert client.futures_get_position_mode() == {'dualSidePosition': True}
    assert client.futures_leverage_bracket(symbol='BTCUSDT')[0]['brackets'][0]['initialLeverage'] == 125
    assert client.futures_income_history() == [] and client.futures_get_open_orders() == []
    with pytest.raises(BinanceAPIException) as info:
        client.futures_change_leverage(symbol='NOPE', leverage=5)
    assert info.value.code == -1121
    assert client.rate_limits.used_weight(client.futures_api_url)['1M'] > 0


def test_coinm_wallet_and_settings(client):
    assert client.futures_coin_ping() == {}
    client.universal_transfer(type='MAIN_CMFUTURE', asset='BTC', amount='0.5')
    balances = {b['asset']: b for b in client.futures_coin_account_balance()}
    assert float(balances['BTC']['balance']) == 10.5
    positions = client.futures_coin_position_information()
    assert positions and all(p['positionAmt'] == '0' for p in positions)
    symbol = positions[0]['symbol']   # a symbol the COIN-M venue lists
    assert client.futures_coin_change_leverage(symbol=symbol, leverage=3)['leverage'] == 3
    assert {p['symbol']: p for p in client.futures_coin_position_information()}[symbol]['leverage'] == '3'
    assert client.futures_coin_get_position_mode() == {'dualSidePosition': False}


def test_options_answers_keep_the_vapi_wrapper(client):
    assert client.options_ping() == {'code': 0, 'msg': 'success', 'data': {}}
    assert client.options_time()['data'] > 0
    moved = client.options_funds_transfer(currency='USDT', type='IN', amount=50)
    assert moved['code'] == 0 and 'tranId' in moved['data']
    account = client.options_account_info()
    usdt = {a['asset']: a for a in account['data']['asset']}['USDT']
    assert float(usdt['equity']) == 100050
    bill = client.options_bill(currency='USDT')['data']
    assert [row['amount'] for row in bill] == ['50']
    assert client.options_positions()['data'] == []
    with pytest.raises(ValueError, match="'IN'"):
        client.options_funds_transfer(currency='USDT', type='SIDEWAYS', amount=1)


def test_removed_futures_calls_name_their_replacement(client):
    with pytest.raises(BinanceEndpointRemovedError) as info:
        client.futures_liquidation_orders(symbol='BTCUSDT')
    assert '/fapi/v1/forceOrders' in str(info.value) and '!forceOrder@arr' in str(info.value)
    with pytest.raises(BinanceEndpointRemovedError):
        client.futures_coin_liquidation_orders()
