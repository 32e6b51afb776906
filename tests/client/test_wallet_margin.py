"""Wallet, margin and sub-account methods over HTTP: today's /sapi, 0.7.11's answer shapes."""
import pytest

from binance import _reactor
from binance.exceptions import BinanceAPIException, BinanceEndpointRemovedError
from binance.simulator import DEFAULT_API_KEY


@pytest.fixture
def client(make_sim, make_client):
    return make_client(make_sim(seed=11, trade_rate=0))


def spot_free(client, asset):
    return float(client.get_asset_balance(asset)['free'])


def test_system_and_account_status_in_their_old_shapes(client):
    assert client.get_system_status() == {'status': 0, 'msg': 'normal'}
    status = client.get_account_status()
    assert status['success'] is True and status['msg'] == 'Normal' and status['data'] == 'Normal'
    trading = client.get_account_api_trading_status()
    assert trading['success'] is True and trading['status']['isLocked'] is False


def test_deposits_addresses_and_withdrawals(client):
    sim = client.simulator
    _reactor.blocking_call(sim.accounts.deposit, DEFAULT_API_KEY, 'ETH', '2.5')
    deposits = client.get_deposit_history(asset='ETH')
    assert deposits['success'] is True
    assert [(d['asset'], d['coin'], d['amount']) for d in deposits['depositList']] == \
        [('ETH', 'ETH', '2.50000000')]
    assert client.get_deposit_history(asset='BTC')['depositList'] == []
    address = client.get_deposit_address(asset='ETH')
    assert address['success'] and address['asset'] == 'ETH' and address['address'].startswith('0x')
    assert client.get_deposit_address(coin='ETH')['address'] == address['address']
    before = spot_free(client, 'ETH')
    applied = client.withdraw(asset='ETH', address='0x00ff', amount=1)
    assert applied['success'] is True and applied['msg'] == 'success' and applied['id']
    assert spot_free(client, 'ETH') == pytest.approx(before - 1 - 0.002)
    entry = client.get_withdraw_history_id(applied['id'])
    assert (entry['asset'], entry['address'], entry['amount']) == ('ETH', '0x00ff', '1')
    assert isinstance(entry['applyTime'], int)   # ms, as 0.7.11 returned it
    with pytest.raises(LookupError):
        client.get_withdraw_history_id('no-such-id')
    with pytest.raises(BinanceAPIException) as info:
        client.withdraw(asset='ETH', address='0x00ff', amount=10 ** 6)
    assert info.value.code == -4026


def test_fees_details_coins_and_snapshot(client):
    fees = client.get_trade_fee(symbol='BNBBTC')
    assert fees['success'] and fees['tradeFee'][0]['symbol'] == 'BNBBTC'
    assert fees['tradeFee'][0]['maker'] == 0.0
    details = client.get_asset_details()
    assert details['success'] and {'BTC', 'BNB'} <= set(details['assetDetail'])
    coins = {c['coin']: c for c in client.get_all_coins_info()}
    assert float(coins['BTC']['free']) == spot_free(client, 'BTC')
    snapshot = client.get_account_snapshot(type='SPOT')
    balances = {b['asset']: b for b in snapshot['snapshotVos'][0]['data']['balances']}
    assert balances['BNB']['free'] == client.get_asset_balance('BNB')['free']
    assert client.enable_fast_withdraw_switch() == {} and client.disable_fast_withdraw_switch() == {}


def test_transfers_move_balances_between_wallets(client):
    btc = spot_free(client, 'BTC')
    assert 'tranId' in client.transfer_spot_to_margin(asset='BTC', amount='1.5')
    margin = {a['asset']: a for a in client.get_margin_account()['userAssets']}
    assert spot_free(client, 'BTC') == btc - 1.5
    assert float(margin['BTC']['free']) == 10 + 1.5
    client.transfer_margin_to_spot(asset='BTC', amount='0.5')
    assert spot_free(client, 'BTC') == btc - 1
    client.futures_account_transfer(asset='USDT', amount=25, type=1)
    client.futures_account_transfer(asset='USDT', amount=5, type=2)
    history = client.transfer_history(asset='USDT')
    assert [(r['type'], r['amount']) for r in history['rows']] == \
        [('MAIN_UMFUTURE', '25'), ('UMFUTURE_MAIN', '5')]
    assert client.query_universal_transfer_history(type='MAIN_MARGIN')['total'] == 1
    with pytest.raises(ValueError, match='type must be 1'):
        client.futures_account_transfer(asset='USDT', amount=1, type=7)


def test_isolated_margin_account_and_transfers(client):
    assert client.create_isolated_margin_account(base='BNB', quote='BTC') == \
        {'success': True, 'symbol': 'BNBBTC'}
    client.transfer_spot_to_isolated_margin(asset='BTC', symbol='BNBBTC', amount='0.25')
    account = client.get_isolated_margin_account()
    entry = account['assets'][0]
    assert entry['symbol'] == 'BNBBTC' and entry['quoteAsset']['free'] == '10.25000000'
    client.transfer_isolated_margin_to_spot(asset='BTC', symbol='BNBBTC', amount='0.25')
    assert client.get_isolated_margin_symbol(symbol='BNBBTC')['base'] == 'BNB'
    assert {p['symbol'] for p in client.get_all_isolated_margin_symbols()} >= {'BNBBTC'}


def test_loans_repayments_and_margin_orders(client):
    assert client.get_margin_asset(asset='ETH')['assetName'] == 'ETH'
    assert client.get_margin_symbol(symbol='ETHBTC')['quote'] == 'BTC'
    limit = float(client.get_max_margin_loan(asset='ETH')['amount'])
    assert limit > 0
    loan = client.create_margin_loan(asset='ETH', amount='3')
    details = client.get_margin_loan_details(asset='ETH')
    assert [r['txId'] for r in details['rows']] == [loan['tranId']]
    assert details['rows'][0]['principal'] == '3.00000000'
    owed = {a['asset']: a for a in client.get_margin_account()['userAssets']}['ETH']
    assert owed['borrowed'] == '3.00000000' and owed['free'] == '103.00000000'
    client.repay_margin_loan(asset='ETH', amount='1')
    assert client.get_margin_repay_details(asset='ETH')['rows'][0]['amount'] == '1.00000000'
    with pytest.raises(BinanceAPIException) as info:
        client.create_margin_loan(asset='ETH', amount=str(limit * 100))
    assert info.value.code == -3006
    order = client.create_margin_order(symbol='ETHBTC', side='SELL', type='MARKET', quantity='2')
    assert order['status'] == 'FILLED' and order['isIsolated'] is False
    assert client.get_margin_order(symbol='ETHBTC', orderId=order['orderId'])['status'] == 'FILLED'
    assert [t['orderId'] for t in client.get_margin_trades(symbol='ETHBTC')] and \
        client.get_all_margin_orders(symbol='ETHBTC')[0]['orderId'] == order['orderId']
    resting = client.create_margin_order(symbol='ETHBTC', side='BUY', type='LIMIT',
                                         timeInForce='GTC', quantity='1', price='0.00100')
    assert [o['orderId'] for o in client.get_open_margin_orders(symbol='ETHBTC')] == \
        [resting['orderId']]
    assert client.cancel_margin_order(symbol='ETHBTC', orderId=resting['orderId'])['status'] == \
        'CANCELED'
    # Spot did not see any of it.
    assert client.get_all_orders(symbol='ETHBTC') == []
    assert float(client.get_max_margin_transfer(asset='ETH')['amount']) >= 0
    assert float(client.get_margin_price_index(symbol='ETHBTC')['price']) > 0


def test_dust_bnb_burn_and_dividends(client):
    converted = client.transfer_dust(asset='LTC')
    assert float(converted['totalTransfered']) > 0
    log = client.get_dust_log()
    assert log['success'] and log['results']['total'] == 1
    row = log['results']['rows'][0]
    assert row['transfered_total'] == converted['totalTransfered']
    assert row['logs'][0]['fromAsset'] == 'LTC' and spot_free(client, 'LTC') == 0
    assert client.toggle_bnb_burn_spot_margin(spotBNBBurn='true')['spotBNBBurn'] is True
    assert client.get_bnb_burn_spot_margin() == {'spotBNBBurn': True, 'interestBNBBurn': False}
    assert client.get_asset_dividend_history() == {'rows': [], 'total': 0}


def test_sub_accounts_and_retired_calls(client):
    assert client.get_sub_account_list() == {'subAccounts': [], 'success': True}
    with pytest.raises(BinanceAPIException) as info:
        client.get_sub_account_assets(email='nobody@example.com')
    assert info.value.code == -1002
    with pytest.raises(BinanceAPIException) as info:
        client.margin_stream_get_listen_key()
    assert info.value.status_code == 410 and 'margin_create_listen_token' in str(info.value)
    with pytest.raises(BinanceEndpointRemovedError) as removed:
        client.get_lending_product_list()
    assert 'simple-earn/flexible/list' in str(removed.value)
    assert removed.value.method == 'get_lending_product_list'
