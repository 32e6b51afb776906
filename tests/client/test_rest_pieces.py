"""The pure pieces behind the Client's methods: records, paging, shape conversions, OCO legs."""
import inspect

import pytest

from binance.client import Client
from binance.rest import shapes
from binance.rest.endpoint import API, USER_DATA, Endpoint, EndpointMethods, endpoint_table
from binance.rest.history import iter_aggregate_trades, iter_klines
from binance.rest.trading import oco_to_order_list


class Recorder(EndpointMethods):
    """A family whose calls are recorded instead of sent."""

    ping = Endpoint('GET', API, 'v3/ping', kwargs=False, summary='Ping.')
    keep = Endpoint('PUT', API, 'v3/thing', args=('listenKey',), summary='Keep.')
    moved = Endpoint('GET', API, 'v3/new', security=USER_DATA, rename={'asset': 'coin'},
                     fixed={'type': 'X'}, was='GET /wapi/v3/old.html', required=('coin',),
                     to_old=shapes.with_success, summary='Moved.')

    def __init__(self):
        self.calls = []

    def _call_endpoint(self, endpoint, params):
        self.calls.append((endpoint.name, params))
        return params


def test_records_become_methods_with_0711_signatures_and_docstrings():
    assert str(inspect.signature(Recorder.ping)) == '(self)'
    assert str(inspect.signature(Recorder.keep)) == '(self, listenKey, **params)'
    assert Recorder.moved.__qualname__ == 'Recorder.moved'
    assert 'GET /api/v3/new' in Recorder.moved.__doc__ and 'GET /wapi/v3/old.html' in Recorder.moved.__doc__
    recorder = Recorder()
    recorder.keep('k', extra=1)
    recorder.keep(listenKey='j')
    assert recorder.calls == [('keep', {'extra': 1, 'listenKey': 'k'}), ('keep', {'listenKey': 'j'})]
    with pytest.raises(TypeError):
        recorder.ping(1)
    with pytest.raises(TypeError):
        recorder.keep()
    assert [e.name for e in endpoint_table(Recorder)] == ['keep', 'moved', 'ping']
    with pytest.raises(ValueError, match='base'):
        Endpoint('GET', 'vapi', 'v1/x')
    with pytest.raises(TypeError, match='table entry'):
        Endpoint('GET', API, 'v1/x')()


def test_the_client_applies_renames_fixed_values_adapters_and_required_checks(http_server):
    class Scripted(Client):
        API_URL = http_server.url + '/api'
        MARGIN_API_URL = http_server.url + '/sapi'

    client = Scripted('key-0123456789', 'secret-0123456789')
    client.timestamp = lambda: 1499827319559
    answer = client.get_deposit_address(asset='BNB', requests_params={'timeout': 3})
    sent = http_server.requests[-1]
    assert sent['path'] == '/sapi/v1/capital/deposit/address'
    assert sent['query'].startswith('coin=BNB&timestamp=1499827319559&signature=')
    assert answer['success'] is True    # {} from the server, in 0.7.11's shape
    client.create_margin_loan(asset='BTC', amount=0.00001)
    body = http_server.requests[-1]['body'].decode()
    assert body.startswith('asset=BTC&amount=0.00001&type=BORROW&isIsolated=FALSE&timestamp=')
    with pytest.raises(ValueError, match="'coin'"):
        client.get_deposit_address()
    keyless = Scripted()
    with pytest.raises(ValueError, match='API key'):
        keyless.get_margin_asset(asset='BTC')


def test_kline_pages_start_after_the_last_open_time():
    rows = [[t * 10, 'o'] for t in range(25)]
    asked = []

    def fetch(**params):
        asked.append(params)
        start, end = params['startTime'], params.get('endTime', 10 ** 9)
        return [r for r in rows if start <= r[0] <= end][:params['limit']]

    assert list(iter_klines(fetch, 'S', '1M', 0, limit=10)) == rows
    assert [p['startTime'] for p in asked] == [0, 91, 191]
    asked.clear()
    assert list(iter_klines(fetch, 'S', '1M', 35, end=100, limit=3)) == rows[4:11]
    assert all(p['endTime'] == 100 for p in asked)
    with pytest.raises(ValueError, match='limit'):
        iter_klines(fetch, 'S', '1m', 0, limit=0)
    with pytest.raises(TypeError, match='start_str'):
        iter_klines(fetch, 'S', '1m', object())


def test_aggregate_trades_search_hour_windows_then_page_by_id():
    trades = [{'a': i, 'T': 5 * 3600 * 1000 + 1 + i} for i in range(7)]
    asked = []

    def fetch(**params):
        asked.append(params)
        if 'fromId' in params:
            return [t for t in trades if t['a'] >= params['fromId']][:3]
        return [t for t in trades if params['startTime'] <= t['T'] <= params['endTime']][:3]

    got = list(iter_aggregate_trades(fetch, 'S', start=0, now_ms=lambda: 10 ** 12, limit=3))
    assert got == trades
    windows = [p for p in asked if 'startTime' in p]
    assert [w['startTime'] for w in windows] == [h * 3600 * 1000 for h in range(6)]
    asked.clear()
    assert list(iter_aggregate_trades(fetch, 'S', last_id=4, limit=3)) == trades[5:]
    assert list(iter_aggregate_trades(fetch, 'S', start=10 ** 13, now_ms=lambda: 0)) == []


def test_oco_parameters_become_above_and_below_legs():
    sell = oco_to_order_list({'symbol': 'BNBBTC', 'side': 'SELL', 'quantity': 1, 'price': '0.02',
                              'stopPrice': '0.009', 'stopLimitPrice': '0.0089',
                              'stopLimitTimeInForce': 'GTC', 'limitClientOrderId': 'L'})
    assert sell == {'symbol': 'BNBBTC', 'side': 'SELL', 'quantity': 1, 'abovePrice': '0.02',
                    'belowStopPrice': '0.009', 'belowPrice': '0.0089', 'belowTimeInForce': 'GTC',
                    'aboveClientOrderId': 'L', 'aboveType': 'LIMIT_MAKER',
                    'belowType': 'STOP_LOSS_LIMIT'}
    buy = oco_to_order_list({'symbol': 'BNBBTC', 'side': 'BUY', 'quantity': 1, 'price': '0.005',
                             'stopPrice': '0.01'})
    assert (buy['belowType'], buy['belowPrice'], buy['aboveType'], buy['aboveStopPrice']) == \
        ('LIMIT_MAKER', '0.005', 'STOP_LOSS', '0.01')
    ready = {'side': 'SELL', 'aboveType': 'LIMIT_MAKER'}
    assert oco_to_order_list(ready) is ready
    with pytest.raises(ValueError, match='side'):
        oco_to_order_list({'symbol': 'BNBBTC'})


def test_wapi_shapes_are_rebuilt_from_todays_answers():
    assert shapes.deposit_history([{'coin': 'BTC', 'amount': '1'}]) == \
        {'depositList': [{'coin': 'BTC', 'amount': '1', 'asset': 'BTC'}], 'success': True}
    withdrawals = shapes.withdraw_history([{'coin': 'ETH', 'applyTime': '2019-10-12 11:12:02'}])
    assert withdrawals['withdrawList'][0]['applyTime'] == 1570878722000
    assert shapes.deposit_address({'address': 'a', 'coin': 'BNB', 'tag': 't'})['addressTag'] == 't'
    assert shapes.trade_fee([{'symbol': 'X', 'makerCommission': '0.001', 'takerCommission': '0.002'}]) \
        ['tradeFee'][0] == {'symbol': 'X', 'makerCommission': '0.001', 'takerCommission': '0.002',
                            'maker': 0.001, 'taker': 0.002}
    dust = shapes.dust_log({'total': 1, 'userAssetDribblets': [
        {'operateTime': 5, 'totalTransferedAmount': '1', 'totalServiceChargeAmount': '0.1',
         'transId': 9, 'userAssetDribbletDetails': [{'transId': 9, 'fromAsset': 'LTC'}]}]})
    row = dust['results']['rows'][0]
    assert (row['transfered_total'], row['tran_id'], row['logs'][0]['tranId']) == ('1', 9, 9)
    subs = shapes.sub_account_list({'subAccounts': [{'email': 'a', 'isFreeze': True}]})
    assert subs['subAccounts'][0]['status'] == 'freeze' and subs['success']
    assert shapes.sub_account_transfer({'tranId': 12})['txnId'] == '12'
    assert shapes.first_or_none([]) is None and shapes.first_or_none([{'a': 1}]) == {'a': 1}
    assert shapes.options_wrapped([1]) == {'code': 0, 'msg': 'success', 'data': [1]}
    assert shapes.account_status({'data': 'Normal'})['msg'] == 'Normal'


def test_base_urls_follow_tld_and_testnet_and_stay_overridable():
    client = Client(tld='us')
    assert client.api_url == 'https://api.binance.us/api'
    assert client.futures_api_url == 'https://fapi.binance.us/fapi'
    assert client.options_api_url == 'https://eapi.binance.us/eapi'
    assert client.base_url('www') == 'https://www.binance.us'
    testnet = Client(testnet=True)
    assert testnet.api_url == 'https://testnet.binance.vision/api'
    assert testnet.futures_coin_api_url == 'https://testnet.binancefuture.com/dapi'
    assert testnet.options_api_url == 'https://testnet.binancefuture.com/eapi'
    client.FUTURES_URL = 'http://127.0.0.1:1/fapi'   # 0.7.11 scripts set instance attributes
    assert client.futures_api_url == 'http://127.0.0.1:1/fapi'
    with pytest.raises(ValueError, match="api must be one of"):
        client.base_url('vapi')
