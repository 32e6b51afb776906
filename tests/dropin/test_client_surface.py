"""python-binance 0.7.11's Client, enums, helpers and exceptions: every public name exists here.

Signatures must accept every call 0.7.11 accepted; class attributes must have
0.7.11's values. What differs on purpose is listed in the docs (the
``deliberate-differences`` list of docs/en/client.rst, mirrored in Japanese),
and this test reads that list: a difference it does not name fails.
"""
import datetime
import functools
import inspect
import json
import time
from pathlib import Path

import pytest
import requests

from binance import enums, exceptions, helpers
from binance.client import Client
from binance.rest import table

from . import pb0711
from .pb0711 import module_surface, signature_problems

ROOT = Path(__file__).resolve().parents[2]
listed_differences = functools.partial(pb0711.listed_differences, 'client')


def resolve(source):
    """A default written as ``TIME_IN_FORCE_GTC`` or ``Client.KLINE_INTERVAL_1MINUTE``."""
    return getattr(enums, source.rsplit('.', 1)[-1])


@pytest.fixture(scope='module')
def client_surface():
    return module_surface('binance.client').classes['Client']


def test_every_method_and_attribute_of_0711s_client(client_surface):
    listed = set(listed_differences('en'))
    unlisted = []
    for name, theirs in client_surface.methods.items():
        ours = getattr(Client, name, None)
        if ours is None:
            unlisted.append('Client.{} is missing'.format(name))
            continue
        for problem in signature_problems(ours, theirs, resolve):
            if 'Client.' + name not in listed:
                unlisted.append(problem)
    for name, value in client_surface.attributes.items():
        if not hasattr(Client, name):
            unlisted.append('Client.{} is missing'.format(name))
        elif getattr(Client, name) != value and 'Client.' + name not in listed:
            unlisted.append('Client.{} is {!r}, 0.7.11 has {!r}'.format(
                name, getattr(Client, name), value))
    assert not unlisted, '\n'.join(unlisted)
    assert len(client_surface.methods) > 200


def test_the_list_names_real_names_and_every_one_differs(client_surface):
    helpers_surface = module_surface('binance.helpers').functions
    for name in listed_differences('en'):
        owner, _, member = name.rpartition('.')
        if owner == 'Client':
            assert member in client_surface.methods or member in client_surface.attributes, name
        else:
            assert owner == 'binance.helpers' and member in helpers_surface, name
    for name in ('OPTIONS_URL', 'OPTIONS_TESTNET_URL', 'PUBLIC_API_VERSION'):
        assert getattr(Client, name) != client_surface.attributes[name]


def test_japanese_page_lists_the_same_differences():
    assert listed_differences('ja') == listed_differences('en')


def test_every_enum_of_0711_with_its_value():
    constants = module_surface('binance.enums').constants
    assert constants
    for name, value in constants.items():
        assert getattr(enums, name) == value, name
    namespace = {}
    exec('from binance.enums import *', namespace)
    assert set(constants) <= set(namespace)


def test_helpers_have_0711s_signatures_and_behaviour():
    for name, theirs in module_surface('binance.helpers').functions.items():
        assert signature_problems(getattr(helpers, name), theirs) == [], name
    minute = 60 * 1000
    expected = {'1m': minute, '3m': 3 * minute, '5m': 5 * minute, '15m': 15 * minute,
                '30m': 30 * minute, '1h': 60 * minute, '2h': 120 * minute, '4h': 240 * minute,
                '6h': 360 * minute, '8h': 480 * minute, '12h': 720 * minute, '1d': 1440 * minute,
                '3d': 3 * 1440 * minute, '1w': 7 * 1440 * minute, '1M': None, 'xm': None, '1y': None}
    for interval, ms in expected.items():
        assert helpers.interval_to_milliseconds(interval) == ms, interval
    assert helpers.date_to_milliseconds('January 01, 2018') == 1514764800000
    assert helpers.date_to_milliseconds('1 Dec, 2017') == 1512086400000
    assert abs(helpers.date_to_milliseconds('now UTC') - time.time() * 1000) < 5000
    day_ago = helpers.date_to_milliseconds('1 day ago UTC')
    assert abs(day_ago - (time.time() - 86400) * 1000) < 5000
    with pytest.raises(ValueError, match='date_str'):
        helpers.date_to_milliseconds('this is not a date, zzz')
    naive = datetime.datetime(2018, 1, 1)
    assert helpers.to_milliseconds(naive, 'x') == 1514764800000


def _response(status, body):
    response = requests.Response()
    response.status_code = status
    response._content = body.encode('utf-8') if isinstance(body, str) else body
    response.headers['Retry-After'] = '7'
    return response


def test_every_exception_of_0711_with_a_compatible_constructor():
    surface = module_surface('binance.exceptions')
    for name, klass in surface.classes.items():
        ours = getattr(exceptions, name)
        ancestors = {b.__name__ for b in ours.__mro__[1:]}
        assert {b.rsplit('.', 1)[-1] for b in klass.bases} <= ancestors, name
        theirs = klass.methods.get('__init__')
        if theirs is not None and name != 'BinanceAPIException':
            assert signature_problems(ours.__init__, theirs) == [], name
    old_style = exceptions.BinanceAPIException(_response(429, json.dumps(
        {'code': -1003, 'msg': 'Too much request weight used'})))
    assert (old_style.status_code, old_style.code, old_style.message) == \
        (429, -1003, 'Too much request weight used')
    assert old_style.retry_after == 7 and old_style.response is not None
    assert str(old_style).startswith('APIError(code=-1003): Too much request weight used')
    not_json = exceptions.BinanceAPIException(_response(502, '<html>bad gateway</html>'))
    assert not_json.code == 0 and 'Invalid JSON error message from Binance' in not_json.message
    today = exceptions.BinanceAPIException(400, -1121, 'Invalid symbol.', endpoint='GET /api/v3/depth')
    assert (today.status_code, today.code, today.endpoint) == (400, -1121, 'GET /api/v3/depth')
    assert str(exceptions.BinanceRequestException('x')) == 'BinanceRequestException: x'
    assert str(exceptions.BinanceOrderMinAmountException('0.01')) == \
        'BinanceOrderException(code=-1013): Amount must be a multiple of 0.01'
    assert exceptions.BinanceWithdrawException(u'参数异常').message == \
        'Withdraw to this address through the website first'


def test_methods_are_real_functions_with_docstrings_naming_todays_endpoint(client_surface):
    for name in client_surface.methods:
        if name == '__init__':
            continue
        method = getattr(Client, name)
        assert inspect.isfunction(method), name
        assert method.__doc__ and method.__name__ == name, name
    assert 'GET /api/v3/klines' in Client.get_klines.__doc__
    assert 'GET /sapi/v1/system/status' in Client.get_system_status.__doc__
    assert 'GET /wapi/v3/systemStatus.html' in Client.get_system_status.__doc__
    assert str(inspect.signature(Client.get_klines)) == '(self, **params)'
    assert str(inspect.signature(Client.stream_keepalive)).startswith('(self, listenKey')


def test_the_docs_method_table_is_generated_from_the_endpoint_table(client_surface):
    assert table.main(['--root', str(ROOT), '--check']) == 0, \
        'run python -m binance.rest.table to regenerate docs/_generated'
    names = {row.name for row in table.method_rows(Client)}
    missing = set(client_surface.methods) - names - {'__init__'}
    assert not missing, sorted(missing)
    for language in ('en', 'ja'):
        text = table.output_path(ROOT, language).read_text(encoding='utf-8')
        for row in table.method_rows(Client):
            assert '``{}``'.format(row.signature) in text
