"""No secret, signature, listen key or token in any log line of a user-socket run.

Every Python log record (all loggers, DEBUG and up: the library, urllib3, the
simulator) and every Twisted/Autobahn log event with Autobahn's trace at
debug level is captured while user sockets of both models connect, lose
their connections, lose their keys and tokens, and recover.

The one thing left out is the *server* side of Autobahn inside the
simulator, which, like any web server's access log, records the paths it
was asked for; the exchange's logs are not the client's.
"""
import logging
import traceback

import pytest
import txaio
from twisted.logger import formatEvent, globalLogPublisher

from binance import signing
from binance.simulator.accounts import MARGIN
from tests.conftest import wait_for

from userdata_support import Collector


SERVER_SIDE = 'autobahn.twisted.websocket.WebSocketServerProtocol'


class SecretRecorder:
    """Wraps the signing function and the client calls that mint keys and tokens."""

    def __init__(self, monkeypatch):
        self.values = set()
        original = signing.hmac_sha256_hex

        def hmac_sha256_hex(secret, payload):
            digest = original(secret, payload)
            self.values.add(digest)
            return digest

        monkeypatch.setattr(signing, 'hmac_sha256_hex', hmac_sha256_hex)

    def watch(self, client):
        self.values.add(client.API_SECRET)
        get_key, get_token = client.stream_get_listen_key, client.margin_create_listen_token

        def stream_get_listen_key():
            key = get_key()
            self.values.add(key)
            return key

        def margin_create_listen_token(**kwargs):
            answer = get_token(**kwargs)
            self.values.add(answer['token'])
            return answer

        client.stream_get_listen_key = stream_get_listen_key
        client.margin_create_listen_token = margin_create_listen_token


@pytest.fixture
def all_logs(caplog):
    """Every log line, Python and Twisted, as text."""
    caplog.set_level(logging.DEBUG)
    twisted_lines = []

    def observer(event):
        if str(event.get('log_namespace', '')).startswith(SERVER_SIDE):
            return
        text = formatEvent(event) or ''
        failure = event.get('log_failure')
        if failure is not None:
            text += '\n' + failure.getTraceback()
        twisted_lines.append(text)

    globalLogPublisher.addObserver(observer)
    level = txaio.get_global_log_level()
    txaio.set_global_log_level('debug')

    def lines():
        out = []
        for record in caplog.records:
            out.append(record.getMessage())
            if record.exc_info:
                out.append(''.join(traceback.format_exception(*record.exc_info)))
        return out + twisted_lines

    yield lines
    txaio.set_global_log_level(level)
    globalLogPublisher.removeObserver(observer)


def assert_no_secret(lines, secrets):
    assert len(secrets) >= 3  # the API secret and at least two keys, tokens or signatures
    text = '\n'.join(lines)
    assert text, 'nothing was logged at all'
    for secret in secrets:
        assert secret and secret not in text, 'a secret value appears in the logs'


def test_ws_api_and_margin_runs_log_no_secret(user_env, monkeypatch, all_logs):
    recorder = SecretRecorder(monkeypatch)
    env = user_env('ws-api', sim_kwargs={'intervals': {'listen_token_validity': 1.0}})
    recorder.watch(env.client)
    user, margin, isolated = Collector(), Collector(), Collector()
    env.manager.start_user_socket(user)
    env.manager.start_margin_socket(margin)
    env.manager.start_isolated_margin_socket('BNBBTC', isolated)
    env.wait_subscribed()
    env.wait_subscribed(account=MARGIN)
    env.sim.faults.drop_all()
    env.wait_subscribed()
    env.wait_subscribed(account=MARGIN)
    env.run(env.sim.accounts.expire_listen_tokens)
    env.wait_subscribed(account=MARGIN)
    env.run(env.sim.accounts.deposit, env.api_key, 'BTC', '1')
    user.wait_count(2)
    # A refused subscription (wrong secret) is reported without the signature.
    bad = user_env('ws-api', api_secret='wrong-secret-for-this-key-000')
    recorder.watch(bad.client)
    refused = Collector()
    bad.manager.start_user_socket(refused)
    refused.wait_count(1)
    wait_for(lambda: len(recorder.values) > 6, 10, message='renewed tokens')
    env.manager.stop_socket('margin')
    lines = all_logs()
    assert any('sent HTTP request' in line for line in lines)   # the handshake trace was on
    assert_no_secret(lines, recorder.values)
    assert repr(env.client).find(env.api_secret) == -1


def test_listen_key_run_logs_no_secret(user_env, monkeypatch, all_logs):
    recorder = SecretRecorder(monkeypatch)
    env = user_env('listen-key', user_timeout=0.2)
    recorder.watch(env.client)
    collector = Collector()
    env.manager.start_user_socket(collector)
    connection = env.wait_ready()
    opened = connection.opened_count
    env.run(env.sim.accounts.expire_listen_key, None)        # listenKeyExpired
    wait_for(lambda: connection.opened_count > opened, 10, message='reconnect')
    env.wait_subscribed()
    env.sim.faults.drop_all()
    wait_for(lambda: connection.opened_count > opened + 1, 10, message='reconnect after drop')
    env.wait_subscribed()
    env.run(env.sim.accounts.deposit, env.api_key, 'BTC', '1')
    collector.wait_count(2)
    session = connection._session
    assert 'listenKey' not in repr(session) and 'listenKey' not in repr(connection)
    env.manager.stop_socket('user')
    lines = all_logs()
    assert any('GET /ws/***' in line for line in lines)   # redacted, not missing
    assert_no_secret(lines, recorder.values)


def test_redaction_keeps_stream_names_and_hides_keys():
    from binance._redact import redact
    key = 'pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1'
    assert redact('GET /ws/{} HTTP/1.1'.format(key)) == 'GET /ws/*** HTTP/1.1'
    assert redact('GET /ws/bnbbtc@trade HTTP/1.1') == 'GET /ws/bnbbtc@trade HTTP/1.1'
    assert redact('GET /stream?streams=bnbbtc@depth5/!miniTicker@arr') == \
        'GET /stream?streams=bnbbtc@depth5/!miniTicker@arr'
    assert redact('"GET /api/v3/account?timestamp=1&signature=abc123 HTTP/1.1"') == \
        '"GET /api/v3/account?timestamp=1&signature=*** HTTP/1.1"'
    assert redact('listenKey={}&x=1'.format(key)) == 'listenKey=***&x=1'


def test_redaction_of_json_and_dict_members():
    from binance._redact import redact
    sig = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71'
    token = 'T' * 70
    request = ('{"id":3,"method":"userDataStream.subscribe.signature","params":{"apiKey":"AK1",'
               '"timestamp":1,"signature":"%s"}}' % sig)
    assert redact(request) == request.replace(sig, '***')
    assert '"apiKey":"AK1"' in redact(request)        # the API key is not a secret
    assert redact('{"listenToken": "%s", "x": 1}' % token) == '{"listenToken": "***", "x": 1}'
    assert redact('{"e":"listenKeyExpired","listenKey":"%s"}' % ('k' * 60)) == \
        '{"e":"listenKeyExpired","listenKey":"***"}'
    assert redact("{'token': '%s', 'apiSecret': 'se\\'cret', 'secret': 'x'}" % token) == \
        "{'token': '***', 'apiSecret': '***', 'secret': '***'}"
    assert redact('{"stream":"bnbbtc@trade","data":{"e":"trade"}}') == \
        '{"stream":"bnbbtc@trade","data":{"e":"trade"}}'


def test_log_filter_redacts_json_arguments():
    from binance._redact import RedactingLogFilter
    record = logging.LogRecord('autobahn', logging.DEBUG, __file__, 1, 'sent %s %r', (
        b'{"params":{"signature":"abc123"}}', {'listenToken': 'tok'}), None)
    RedactingLogFilter().filter(record)
    text = record.getMessage()
    assert 'abc123' not in text and 'tok\'' not in text and text.count('***') == 2


def test_the_suite_wide_watch_records_secrets_and_names_loggers(no_secret_in_any_log_line):
    from tests.conftest import _SecretLogHandler, _SecretWatch
    session_watch = no_secret_in_any_log_line
    before = len(session_watch.secrets)
    digest = signing.hmac_sha256_hex('a-secret-used-only-in-this-test', 'x=1')
    assert session_watch.secrets.get(digest) == 'signature' and len(session_watch.secrets) > before
    # A private watch shows what the suite-wide one reports, without failing the run.
    watch = _SecretWatch()
    watch.add(digest, 'signature')
    watch.add('short', 'API secret')                  # placeholders are not tracked
    handler = _SecretLogHandler(watch)
    leaky, quiet, http = (logging.getLogger(n) for n in ('binance.leaky', 'binance.quiet',
                                                          'urllib3.connectionpool'))
    for logger in (leaky, quiet, http):
        logger.addHandler(handler)
        logger.propagate = False                      # kept from the suite-wide watch
    try:
        leaky.warning('answer %s', {'sig': 'prefix' + digest})
        quiet.warning('nothing to hide: %s', 'short')
        http.warning('GET /api?signature=%s', digest)  # the test's own HTTP client: excluded
    finally:
        for logger in (leaky, quiet, http):
            logger.removeHandler(handler)
            logger.propagate = True
    hits = watch.hits()
    assert hits == {("logger 'binance.leaky'", 'signature')}
    assert all(digest not in part for hit in hits for part in hit)
