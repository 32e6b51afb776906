"""The seams between manager, connection, protocol and sessions.

Connection options as one value, the outcome of an attempt as one value, the
state table, the manager's public API and the composite socket; in memory
with an injected clock, except where the manager itself is under test.
"""
import dataclasses

import pytest
from twisted.internet.error import ConnectionRefusedError
from twisted.python.failure import Failure

from binance.backoff import BackoffPolicy
from binance.composite import CompositeSocket
from binance.connection import TRANSITIONS, ConnectionState, StreamConnection, StreamSession
from binance.options import ConnectionOptions
from binance.protocol import AttemptOutcome
from binance.websockets import BinanceSocketManager
from manager_support import FakeServer, refuse
from tests.conftest import wait_for

URL = 'ws://127.0.0.1:9443/ws/bnbbtc@trade'
ERROR = {'e': 'error', 'm': 'Max reconnect retries reached'}


# -- ConnectionOptions ------------------------------------------------------------------------

def test_options_defaults_are_the_documented_ones():
    options = ConnectionOptions()
    assert (options.heartbeat_timeout, options.handshake_timeout, options.stable_after,
            options.max_message_size, options.max_retries) == (30.0, 10.0, 5.0, 16 << 20, 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.stable_after = 1


@pytest.mark.parametrize('fields, error, argument', [
    ({'retry': 5}, TypeError, 'retry'),
    ({'heartbeat_timeout': '30'}, TypeError, 'heartbeat_timeout'),
    ({'heartbeat_timeout': 0}, ValueError, 'heartbeat_timeout'),
    ({'handshake_timeout': -1}, ValueError, 'handshake_timeout'),
    ({'stable_after': None}, TypeError, 'stable_after'),
    ({'max_message_size': 1.5}, TypeError, 'max_message_size'),
])
def test_options_are_checked_when_made_naming_the_field(fields, error, argument):
    with pytest.raises(error, match=argument):
        ConnectionOptions(**fields)
    with pytest.raises(error, match=argument):
        ConnectionOptions().replace(**fields)


def test_keywords_that_differ_from_their_defaults_override_the_options():
    base = ConnectionOptions(heartbeat_timeout=60, stable_after=2)
    merged = base.merged(heartbeat_timeout=30.0, stable_after=3, max_message_size=16 << 20)
    assert (merged.heartbeat_timeout, merged.stable_after) == (60, 3)
    assert base.merged(heartbeat_timeout=30.0) is base
    assert base.merged(heartbeat_timeout=None).heartbeat_timeout is None


def test_the_manager_takes_options_and_still_its_keywords(reactor_thread):
    options = ConnectionOptions(retry=BackoffPolicy(max_retries=9), heartbeat_timeout=45)
    bm = BinanceSocketManager(None, options=options, stable_after=1.5)
    assert bm.options.max_retries == 9 and bm.options.heartbeat_timeout == 45
    assert bm.options.stable_after == 1.5
    assert BinanceSocketManager(None, heartbeat_timeout=None).options.heartbeat_timeout is None
    with pytest.raises(TypeError, match='options'):
        BinanceSocketManager(None, options={'heartbeat_timeout': 45})
    connection = bm.new_connection(URL, print, name='x')
    assert connection.options is bm.options and connection.policy.max_retries == 9


def test_max_retries_of_the_options_is_how_many_retries_a_socket_makes(memory_reactor):
    options = ConnectionOptions(retry=BackoffPolicy(max_retries=2, random=lambda: 0.5))
    received = []
    conn = StreamConnection(URL, received.append, options=options, reactor=memory_reactor)
    conn.start()
    for _ in range(3):
        refuse(memory_reactor)
        memory_reactor.advance(1)
    assert received == [ERROR] and len(memory_reactor.tcpClients) == 3


# -- the outcome of an attempt ------------------------------------------------------------

def test_an_attempt_reports_its_outcome_once_and_writes_nothing_on_the_factory(memory_reactor):
    ended = []
    conn = StreamConnection(URL, print, reactor=memory_reactor)
    conn._attempt_ended = lambda factory, outcome: ended.append(outcome)
    conn.start()
    server = FakeServer(memory_reactor)
    before = set(vars(server.factory))
    server.reject(429, b'Retry-After: 7\r\n')
    assert ended == [AttemptOutcome(opened=False, reason=ended[0].reason, tls_failure=None,
                                    retry_after=7.0, status=429)]
    server.factory.clientConnectionLost(None, Failure(ConnectionRefusedError()))
    assert len(ended) == 1, 'reported once'
    assert set(vars(server.factory)) - before <= {'_reported', 'last_protocol'}
    assert server.factory.last_protocol is None


def test_an_open_socket_that_closes_reports_opened_and_the_close_reason(memory_reactor):
    ended = []
    conn = StreamConnection(URL, print, reactor=memory_reactor)
    conn.start()
    original = conn._attempt_ended
    conn._attempt_ended = lambda factory, outcome: (ended.append(outcome),
                                                    original(factory, outcome))
    FakeServer(memory_reactor).accept().close_cleanly()
    assert ended[0].opened and ended[0].retry_after is None
    assert conn.state is ConnectionState.BACKING_OFF


def test_outcome_of_a_failure():
    outcome = AttemptOutcome.of_failure(Failure(ConnectionRefusedError('no')))
    assert not outcome.opened and 'refused' in outcome.reason.lower()
    assert AttemptOutcome.of_failure(None, opened=True, close_reason='bye') == \
        AttemptOutcome(True, 'bye', None, None)


# -- the state table ------------------------------------------------------------------------

def test_every_state_has_its_row_and_the_end_states_lead_nowhere_else():
    assert set(TRANSITIONS) == set(ConnectionState)
    assert TRANSITIONS[ConnectionState.STOPPED] == frozenset()
    assert TRANSITIONS[ConnectionState.GAVE_UP] == {ConnectionState.STOPPED}
    for state, targets in TRANSITIONS.items():
        if state is not ConnectionState.STOPPED:
            assert ConnectionState.STOPPED in targets, state


def test_a_move_outside_the_table_is_refused(memory_reactor):
    conn = StreamConnection(URL, print, reactor=memory_reactor)
    with pytest.raises(RuntimeError, match='no transition from new to open'):
        conn._set_state(ConnectionState.OPEN)
    assert conn.state is ConnectionState.NEW


def test_a_whole_life_moves_only_along_the_table(memory_reactor, exact_policy, monkeypatch):
    moves = []
    original = StreamConnection._set_state

    def recording(self, state):
        moves.append((self.state, state))
        original(self, state)

    monkeypatch.setattr(StreamConnection, '_set_state', recording)
    conn = StreamConnection(URL, print, policy=exact_policy, reactor=memory_reactor)
    conn.start()
    old = FakeServer(memory_reactor).accept()
    old.send(b'{"e":"serverShutdown"}')  # OPEN -> CONNECTING
    FakeServer(memory_reactor).accept().lose()  # -> BACKING_OFF
    memory_reactor.advance(1)
    refuse(memory_reactor)
    conn.give_up('test')
    conn.stop()
    S = ConnectionState
    assert moves == [(S.NEW, S.CONNECTING), (S.CONNECTING, S.OPEN), (S.OPEN, S.CONNECTING),
                     (S.CONNECTING, S.OPEN), (S.OPEN, S.BACKING_OFF),
                     (S.BACKING_OFF, S.CONNECTING), (S.CONNECTING, S.BACKING_OFF),
                     (S.BACKING_OFF, S.GAVE_UP), (S.GAVE_UP, S.STOPPED)]


# -- on_give_up --------------------------------------------------------------------------

def test_on_give_up_replaces_the_error_message(memory_reactor, exact_policy):
    received, gave_up = [], []
    conn = StreamConnection(URL, received.append, policy=exact_policy,
                            on_give_up=lambda: gave_up.append(True), reactor=memory_reactor)
    conn.start()
    conn.give_up('test')
    assert gave_up == [True] and received == []
    with pytest.raises(TypeError, match='on_give_up'):
        StreamConnection(URL, print, on_give_up=3, reactor=memory_reactor)


# -- the composite socket ---------------------------------------------------------------------

def make_composite(reactor, urls, policy=None):
    received = []
    composite = CompositeSocket('mixed', received.append, clock=reactor)
    for i, url in enumerate(urls):
        composite.add_part(StreamConnection(url, received.append, name='part{}'.format(i),
                                            policy=policy, on_give_up=composite.part_gave_up,
                                            reactor=reactor))
    return composite, received


def test_a_composite_delivers_every_part_to_one_callback(memory_reactor):
    composite, received = make_composite(memory_reactor, [
        'ws://127.0.0.1:1/public/stream?streams=btcusdt@bookTicker',
        'ws://127.0.0.1:1/market/stream?streams=btcusdt@aggTrade'])
    assert composite.state is ConnectionState.NEW
    composite.start()
    public, market = FakeServer(memory_reactor, 0), FakeServer(memory_reactor, 1)
    assert public.request.startswith(b'GET /public/stream?streams=btcusdt@bookTicker ')
    public.accept()
    assert composite.state is ConnectionState.CONNECTING
    market.accept()
    assert composite.state is ConnectionState.OPEN
    public.send(b'{"stream":"btcusdt@bookTicker","data":{"u":1}}')
    market.send(b'{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade"}}')
    assert [m['stream'] for m in received] == ['btcusdt@bookTicker', 'btcusdt@aggTrade']


def test_a_drop_of_one_part_reconnects_that_part_only(memory_reactor, exact_policy):
    composite, received = make_composite(memory_reactor, [URL, URL], exact_policy)
    composite.start()
    first, second = FakeServer(memory_reactor, 0).accept(), FakeServer(memory_reactor, 1).accept()
    first.send(b'{"n":1}')
    first.lose()
    assert composite.state is ConnectionState.BACKING_OFF
    second.send(b'{"n":2}')
    memory_reactor.advance(0.11)
    FakeServer(memory_reactor).accept().send(b'{"n":3}')
    assert received == [{'n': 1}, {'n': 2}, {'n': 3}]
    assert composite.reconnect_count == 1 and composite.state is ConnectionState.OPEN


def test_one_part_giving_up_gives_the_error_once_and_stops_the_others(memory_reactor,
                                                                     exact_policy):
    composite, received = make_composite(memory_reactor, [URL, URL], exact_policy)
    composite.start()
    other = FakeServer(memory_reactor, 1).accept()
    refuse(memory_reactor, 0)
    for _ in range(5):
        memory_reactor.advance(2)
        refuse(memory_reactor)
    assert received == [ERROR]
    assert composite.state is ConnectionState.GAVE_UP
    assert [p.state for p in composite.parts] == [ConnectionState.GAVE_UP,
                                                   ConnectionState.STOPPED]
    other.close_cleanly()
    memory_reactor.advance(3600)
    assert received == [ERROR]


def test_stop_fires_once_every_part_is_gone(memory_reactor):
    composite, _ = make_composite(memory_reactor, [URL, URL])
    composite.start()
    servers = [FakeServer(memory_reactor, 0).accept(), FakeServer(memory_reactor, 1).accept()]
    stopped = composite.stop()
    servers[0].close_cleanly()
    assert not stopped.called
    servers[1].close_cleanly()
    assert stopped.called and composite.state is ConnectionState.STOPPED


def test_a_part_added_to_a_running_composite_starts_at_once(memory_reactor):
    composite, received = make_composite(memory_reactor, [URL])
    composite.start()
    composite.add_part(StreamConnection(URL, received.append, name='late',
                                        on_give_up=composite.part_gave_up,
                                        reactor=memory_reactor))
    assert len(memory_reactor.tcpClients) == 2
    assert composite.part('late').state is ConnectionState.CONNECTING
    with pytest.raises(TypeError, match='StreamConnection'):
        composite.add_part(object())


# -- the manager's public API ---------------------------------------------------------------

class Tagging(StreamSession):
    def on_message(self, message):
        return dict(message, tagged=True)


def test_open_connection_with_a_session_and_look_it_up_by_key(sim, manager_for):
    from manager_support import Inbox
    bm = manager_for(sim)
    inbox = Inbox()
    url = sim.stream_url + 'ws/bnbbtc@trade'
    assert bm.open_connection('mine', url, inbox, session=Tagging()) == 'mine'
    assert bm.open_connection('mine', url, inbox) is False
    connection = bm.connection('mine')
    assert connection.has_session and connection.name == 'mine'
    message = inbox.wait(lambda msgs: msgs)[0]
    assert message['tagged'] and message['e'] == 'trade'
    bm.stop_socket('mine')
    assert bm.connection('mine') is None


def test_open_socket_registers_a_composite_under_one_key(sim, manager_for):
    from manager_support import Inbox
    bm = manager_for(sim)
    inbox = Inbox()
    composite = CompositeSocket('two', inbox)
    for stream in ('bnbbtc@trade', 'ethbtc@trade'):
        composite.add_part(bm.new_connection(sim.stream_url + 'ws/' + stream, inbox,
                                             name=stream, on_give_up=composite.part_gave_up))
    assert bm.open_socket('two', composite) == 'two'
    assert bm.connection('two') is composite
    inbox.wait(lambda msgs: {m['s'] for m in msgs} == {'BNBBTC', 'ETHBTC'})
    with pytest.raises(TypeError, match='conn_key'):
        bm.open_socket(5, composite)
    bm.close()
    wait_for(lambda: composite.state is ConnectionState.STOPPED, message='the composite stopped')
