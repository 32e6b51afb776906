"""python-binance 0.7.11's binance.websockets: every public name exists here, compatible.

Methods of ``BinanceSocketManager`` must accept every call 0.7.11 accepted
(names, argument order, defaults); its class attributes keep 0.7.11's values
except the ones the websockets page lists as deliberate differences (read from
the page, in both languages). The protocol and factory classes 0.7.11 exported
exist and, used, raise a TypeError naming what replaces them.
"""
import functools

import pytest

from binance import enums, websockets
from binance.websockets import BinanceSocketManager

from . import pb0711
from .pb0711 import module_surface, signature_problems

listed_differences = functools.partial(pb0711.listed_differences, 'websockets')


def resolve(source):
    """A default written as ``Client.KLINE_INTERVAL_1MINUTE`` or ``DEFAULT_USER_TIMEOUT``."""
    name = source.rsplit('.', 1)[-1]
    return getattr(enums, name, None) or getattr(BinanceSocketManager, name)


@pytest.fixture(scope='module')
def surface():
    return module_surface('binance.websockets')


def test_every_method_of_0711s_manager_is_here_and_compatible(surface):
    theirs = surface.classes['BinanceSocketManager']
    problems = []
    for name, signature in theirs.methods.items():
        ours = getattr(BinanceSocketManager, name, None)
        if ours is None:
            problems.append('BinanceSocketManager.{} is missing'.format(name))
        else:
            problems.extend(signature_problems(ours, signature, resolve))
    assert not problems, '\n'.join(problems)
    assert len(theirs.methods) >= 28


def test_class_attributes_keep_0711s_values_but_the_listed_ones(surface):
    listed = set(listed_differences('en'))
    problems = []
    for name, value in surface.classes['BinanceSocketManager'].attributes.items():
        if isinstance(value, str) and not value.startswith(('wss:', 'ws:')) and ' ' in value:
            value = eval(value, {})  # '30 * 60'
        ours = getattr(BinanceSocketManager, name, None)
        if ours is None:
            problems.append('{} is missing'.format(name))
        elif ours != value and 'BinanceSocketManager.' + name not in listed:
            problems.append('{} is {!r}, 0.7.11 has {!r}'.format(name, ours, value))
    assert not problems, '\n'.join(problems)


def test_the_list_names_real_attributes_that_differ_and_both_pages_agree(surface):
    attributes = surface.classes['BinanceSocketManager'].attributes
    for name in listed_differences('en'):
        owner, _, member = name.rpartition('.')
        assert owner == 'BinanceSocketManager' and member in attributes, name
        assert getattr(BinanceSocketManager, member) != attributes[member], name
    assert listed_differences('ja') == listed_differences('en')


@pytest.mark.parametrize('name, replacement', [
    ('BinanceClientProtocol', 'StreamConnection'),
    ('BinanceClientFactory', 'StreamConnection'),
    ('BinanceReconnectingClientFactory', 'BackoffPolicy'),
])
def test_0711s_protocol_and_factory_classes_name_their_replacement(surface, name, replacement):
    assert name in surface.classes
    cls = getattr(websockets, name)
    with pytest.raises(TypeError, match=replacement):
        cls()
    for method, signature in surface.classes[name].methods.items():
        if method != '__init__':
            assert signature_problems(getattr(cls, method), signature) == [], method


def test_retry_settings_of_0711_are_the_default_policy(surface):
    from binance.backoff import BackoffPolicy
    settings = surface.classes['BinanceReconnectingClientFactory'].attributes
    policy = BackoffPolicy()
    assert (policy.initial, policy.max_delay, policy.max_retries) == (
        settings['initialDelay'], settings['maxDelay'], settings['maxRetries'])
