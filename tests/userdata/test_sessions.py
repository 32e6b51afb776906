"""The user-data sessions' message logic, without sockets.

A recording stand-in plays the StreamConnection (what the session may call
on it) so the cases a faithful server rarely produces can be driven
directly: a renewal that opens a second subscription, late events of a
replaced subscription, refusals.
"""
from twisted.internet import defer, task

from binance import signing
from binance.userstream import ListenKeyStream, ListenTokenSubscription, SignatureSubscription


class RecordingConnection:
    name = 'test'

    def __init__(self):
        self.clock = task.Clock()
        self.sent, self.delivered, self.calls = [], [], []

    def send(self, message):
        self.sent.append(message)
        return True

    def deliver(self, message):
        self.delivered.append(message)

    def stop(self):
        self.calls.append('stop')

    def reconnect_now(self, reason):
        self.calls.append('reconnect')

    def fail_attempt(self, reason):
        self.calls.append('fail')

    def release_outgoing(self):
        self.released = getattr(self, 'released', 0) + 1

    protocol = None
    replacing = False


class Credentials:
    API_KEY = 'the-api-key'
    API_SECRET = 'the-api-secret'
    recv_window = None

    def __init__(self):
        self.tokens = 0

    def timestamp(self):
        return 1_700_000_000_000

    def margin_create_listen_token(self, isolated_symbol=None):
        self.tokens += 1
        return {'token': 'token-{}'.format(self.tokens), 'expirationTime': 1_700_000_100_000}

    def stream_get_listen_key(self):
        return 'k' * 60


class Manager:
    """The public part of the manager a session uses."""

    STREAM_URL = 'ws://127.0.0.1:1/'
    WS_API_URL = 'ws://127.0.0.1:1/ws-api/v3'
    user_timeout = 60

    def __init__(self):
        self.client = Credentials()

    def stream_url(self):
        return self.STREAM_URL

    def ws_api_url(self):
        return self.WS_API_URL


def run_now(fn, *args):
    return defer.maybeDeferred(fn, *args)


def opened(session):
    connection = RecordingConnection()
    session.attach(connection)
    urls = []
    defer.maybeDeferred(session.connect_url, 'unused').addCallback(urls.append)
    session.on_open(object())
    return connection, urls[0]


def answer(request, result=None, error=None):
    if error is not None:
        return {'id': request['id'], 'status': 400, 'error': error}
    return {'id': request['id'], 'status': 200, 'result': result or {}}


def test_signature_request_is_signed_over_sorted_params():
    session = SignatureSubscription(Manager(), run=run_now)
    connection, url = opened(session)
    assert url == Manager.WS_API_URL
    request = connection.sent[0]
    assert request['method'] == 'userDataStream.subscribe.signature'
    params = request['params']
    assert signing.verify_signature(
        'the-api-secret', 'apiKey=the-api-key&timestamp=1700000000000', params['signature'])


def test_events_are_unwrapped_and_responses_swallowed():
    session = SignatureSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    assert session.on_message(answer(connection.sent[0], {'subscriptionId': 4})) is None
    event = {'e': 'balanceUpdate', 'a': 'BTC'}
    assert session.on_message({'subscriptionId': 4, 'event': event}) is event
    assert session.on_message({'event': event}) is event          # pre-2025-08 envelope
    assert session.on_message([1, 2]) == [1, 2]                   # anything else passes through


def test_auth_refusal_is_reported_once_and_stops():
    session = SignatureSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], error={'code': -1022,
                                                         'msg': 'Signature for this request is not valid.'}))
    assert connection.calls == ['stop']
    assert connection.delivered[0]['e'] == 'error'
    assert 'Signature for this request is not valid.' in connection.delivered[0]['m']
    assert connection.sent[0]['params']['signature'] not in connection.delivered[0]['m']


def test_other_refusals_count_as_failed_attempts():
    session = SignatureSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], error={'code': -1000, 'msg': 'busy'}))
    assert connection.calls == ['fail'] and connection.delivered == []


def test_token_renewal_with_a_new_subscription_retires_the_old_one():
    session = ListenTokenSubscription(Manager(), isolated_symbol='BNBBTC', run=run_now)
    connection, _ = opened(session)
    first = connection.sent[0]
    assert first['params'] == {'listenToken': 'token-1'}
    session.on_message(answer(first, {'subscriptionId': 1}))
    connection.clock.advance(200)          # the renewal fetches token-2 and subscribes with it
    second = connection.sent[1]
    assert second['params'] == {'listenToken': 'token-2'}
    session.on_message(answer(second, {'subscriptionId': 2}))
    assert connection.sent[2]['method'] == 'userDataStream.unsubscribe'
    assert connection.sent[2]['params'] == {'subscriptionId': 1}
    late = {'e': 'executionReport', 'i': 1}
    assert session.on_message({'subscriptionId': 1, 'event': late}) is None
    assert session.on_message({'subscriptionId': 1, 'event': {'e': 'eventStreamTerminated'}}) is None
    assert connection.calls == []
    assert session.on_message({'subscriptionId': 2, 'event': late}) is late
    # The active subscription ending makes the socket reconnect (with a new token).
    session.on_message({'subscriptionId': 2, 'event': {'e': 'eventStreamTerminated', 'E': 1}})
    assert connection.calls == ['reconnect']


def test_token_extension_keeps_the_subscription():
    session = ListenTokenSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], {'subscriptionId': 7}))
    connection.clock.advance(200)
    session.on_message(answer(connection.sent[1], {'subscriptionId': 7}))
    assert len(connection.sent) == 2 and session.subscription_id == 7


def test_stop_unsubscribes_and_stops_renewing():
    session = ListenTokenSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], {'subscriptionId': 3}))
    session.on_stop()
    assert connection.sent[-1]['method'] == 'userDataStream.unsubscribe'
    connection.clock.advance(10_000)
    assert len(connection.sent) == 2      # no renewal subscribed after the stop
    assert session._renewer.next_renewal_in() is None


def test_listen_key_session_url_and_expiry():
    session = ListenKeyStream(Manager(), run=run_now)
    connection, url = opened(session)
    assert url == Manager.STREAM_URL + 'ws/' + 'k' * 60
    assert session.keepalive.running and session.keepalive.next_call_in() == 60
    assert session.on_message({'e': 'listenKeyExpired', 'E': 1, 'listenKey': 'k' * 60}) is None
    assert connection.calls == ['reconnect']
    event = {'e': 'executionReport'}
    assert session.on_message(event) is event
    session.on_stop()
    assert not session.keepalive.running
    assert 'k' * 60 not in repr(session)


def test_stop_while_the_subscription_is_in_flight_unsubscribes_everything():
    session = SignatureSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_stop()
    assert connection.sent[-1]['method'] == 'userDataStream.unsubscribe'
    assert 'params' not in connection.sent[-1]


def test_wrapped_server_shutdown_reconnects_without_reaching_the_callback():
    session = SignatureSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    assert session.on_message({'event': {'e': 'serverShutdown', 'E': 1}}) is None
    assert connection.calls == ['reconnect']


def test_listen_key_url_with_a_stream_url_without_trailing_slash():
    manager = Manager()
    manager.STREAM_URL = 'ws://127.0.0.1:1'
    session = ListenKeyStream(manager, run=run_now)
    _, url = opened(session)
    assert url == 'ws://127.0.0.1:1/ws/' + 'k' * 60


def test_duplicate_subscribe_refusal_is_ignored_when_subscribed():
    session = SignatureSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], {'subscriptionId': 0}))
    session.subscribe()
    session.on_message(answer(connection.sent[1], error={
        'code': -2035, 'msg': 'User Data Stream subscription already active.'}))
    assert connection.calls == [] and session.subscription_id == 0


def test_switchover_filter_drops_copies_only_during_a_switch():
    from binance.userstream import _SwitchoverFilter
    clock = task.Clock()
    seen = _SwitchoverFilter()
    a, b = {'e': 'balanceUpdate', 'd': '1', 'E': 5}, {'E': 5, 'd': '1', 'e': 'balanceUpdate'}
    assert not seen.duplicate(a)
    assert not seen.duplicate(dict(a))          # outside a switch: identical events both pass
    seen.start()
    assert seen.duplicate(b)                    # key order does not matter
    assert not seen.duplicate({'e': 'balanceUpdate', 'd': '2', 'E': 5})
    seen.finish(clock)
    clock.advance(seen.GRACE - 0.1)
    assert seen.active and seen.duplicate(a)
    clock.advance(0.2)
    assert not seen.active and not seen.duplicate(a)


def test_replaced_socket_is_released_once_the_new_subscription_is_confirmed():
    session = SignatureSubscription(Manager(), run=run_now)
    connection = RecordingConnection()
    connection.replacing = True
    session.attach(connection)
    session.on_open(object())
    assert getattr(connection, 'released', 0) == 0
    event = {'e': 'executionReport', 'i': 1}
    assert session.on_message({'subscriptionId': 0, 'event': event}) is event   # old socket
    session.on_message(answer(connection.sent[0], {'subscriptionId': 0}))
    assert connection.released == 1
    assert session.on_message({'subscriptionId': 0, 'event': dict(event)}) is None  # the copy


# -- requests that get no answer -------------------------------------------------------


def test_unanswered_subscription_fails_the_attempt_after_the_timeout():
    session = SignatureSubscription(Manager(), run=run_now, request_timeout=2.0)
    connection = RecordingConnection()
    connection.replacing = True         # a switchover: the old socket is held
    session.attach(connection)
    session.on_open(object())
    connection.clock.advance(1.9)
    assert connection.calls == [] and getattr(connection, 'released', 0) == 0
    connection.clock.advance(0.2)
    assert connection.calls == ['fail']
    assert connection.released == 1     # the held socket is let go, not kept through the retries
    assert connection.delivered == []


def test_the_default_timeout_is_the_class_attribute():
    session = SignatureSubscription(Manager(), run=run_now)
    assert session.request_timeout == SignatureSubscription.REQUEST_TIMEOUT == 10.0
    connection, _ = opened(session)
    connection.clock.advance(9.9)
    assert connection.calls == []
    connection.clock.advance(0.2)
    assert connection.calls == ['fail']


def test_an_answer_in_time_cancels_the_timeout():
    session = SignatureSubscription(Manager(), run=run_now, request_timeout=2.0)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], {'subscriptionId': 1}))
    assert connection.clock.getDelayedCalls() == []
    connection.clock.advance(100)
    assert connection.calls == [] and session.subscription_id == 1


def test_a_closed_or_stopped_socket_drops_its_timeouts():
    for end in ('on_close', 'on_stop'):
        session = SignatureSubscription(Manager(), run=run_now, request_timeout=2.0)
        connection, _ = opened(session)
        getattr(session, end)()
        connection.clock.advance(100)
        assert 'fail' not in connection.calls, end


def test_unanswered_token_renewal_keeps_the_subscribed_socket():
    session = ListenTokenSubscription(Manager(), run=run_now, request_timeout=2.0)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], {'subscriptionId': 1}))
    connection.clock.advance(200)       # renewal: token-2 is sent, never answered
    assert connection.sent[1]['params'] == {'listenToken': 'token-2'}
    connection.clock.advance(2.1)
    assert connection.calls == [] and session.subscription_id == 1
    assert 0 < session._renewer.next_renewal_in() <= 2.0   # retried after a backoff delay


def test_refusal_with_a_malformed_code_still_counts():
    for error in ({'code': 'abc', 'msg': 'odd'}, {'code': None}, {'code': [1]}, 'text'):
        session = SignatureSubscription(Manager(), run=run_now)
        connection, _ = opened(session)
        reply = {'id': connection.sent[0]['id'], 'status': 'x', 'error': error}
        assert session.on_message(reply) is None
        assert connection.calls == ['fail'], error


# -- refused token renewals --------------------------------------------------------------


def test_refused_token_renewal_keeps_the_socket_and_retries_with_backoff():
    session = ListenTokenSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], {'subscriptionId': 1}))
    expired = {'code': -1209, 'msg': 'Invalid listenToken.'}
    delays = []
    for n in range(1, 4):
        connection.clock.advance(session._renewer.next_renewal_in())
        assert connection.sent[-1]['params'] == {'listenToken': 'token-{}'.format(n + 1)}
        session.on_message(answer(connection.sent[-1], error=expired))
        assert connection.calls == [] and connection.delivered == []
        assert session.subscription_id == 1
        delays.append(session._renewer.next_renewal_in())
    assert delays[0] >= 0.8 and delays[1] > delays[0] and delays[2] > delays[1]
    # The next renewal is accepted: the backoff starts afresh.
    connection.clock.advance(delays[-1])
    session.on_message(answer(connection.sent[-1], {'subscriptionId': 2}))
    assert session.subscription_id == 2 and session._renewer._refusals == 0


def test_refused_token_on_a_fresh_socket_still_fails_the_attempt():
    session = ListenTokenSubscription(Manager(), run=run_now)
    connection, _ = opened(session)
    session.on_message(answer(connection.sent[0], error={'code': -1209, 'msg': 'Invalid listenToken.'}))
    assert connection.calls == ['fail']


# -- stop while a listen key is being fetched ------------------------------------------------


def test_refused_listen_key_after_stop_reaches_nobody():
    from binance.exceptions import BinanceAPIException
    pending = []

    def run_later(fn, *args):
        d = defer.Deferred()
        pending.append(d)
        return d

    session = ListenKeyStream(Manager(), run=run_later)
    connection = RecordingConnection()
    session.attach(connection)
    failures = []
    session.connect_url('unused').addErrback(failures.append)
    session.on_stop()
    pending[0].errback(BinanceAPIException(410, 0, 'Gone', endpoint='POST /api/v3/userDataStream'))
    assert len(failures) == 1
    assert connection.delivered == [] and connection.calls == []
