"""Telemetry primitives: the log histogram, event times, per-socket and per-stream counters."""
import random

import orjson
import pytest

from binance.telemetry import (LogHistogram, ServerClock, SocketStats, Telemetry, event_time,
                               payload_event_time, payload_stream)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self, now=100.0):
        self.now = now

    def __call__(self):
        return self.now


def exact_percentile(values, q):
    ordered = sorted(values)
    import math
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


@pytest.mark.parametrize('seed', [1, 2, 3])
def test_percentiles_are_within_an_eighth_of_the_exact_value(seed):
    rng = random.Random(seed)
    values = [int(rng.lognormvariate(8, 2)) for _ in range(20000)]
    hist = LogHistogram()
    for v in values:
        hist.record(v)
    assert hist.count == len(values)
    assert hist.max == max(values)
    assert hist.total == sum(values)
    for q in (0.0, 0.5, 0.9, 0.99, 0.999, 1.0):
        exact = exact_percentile(values, q)
        got = hist.percentile(q)
        assert abs(got - exact) <= max(1, exact / 8.0), (q, got, exact)


def test_small_values_are_exact_and_negative_values_count_as_zero():
    hist = LogHistogram()
    for v in (-5, 0, 1, 2, 15):
        hist.record(v)
    assert hist.percentile(0.2) == 0
    assert hist.percentile(0.4) == 0
    assert hist.percentile(0.6) == 1
    assert hist.percentile(1.0) == 15


def test_every_value_lands_in_a_bucket_holding_it():
    from binance.telemetry import _bucket, _bucket_bounds
    previous = -1
    for v in list(range(0, 5000)) + [2 ** 30 + 7, 2 ** 47 + 1]:
        index = _bucket(v)
        low, high = _bucket_bounds(index)
        assert low <= v < high
        assert index >= previous
        assert high - low <= max(1, low / 8)
        previous = index


def test_huge_values_share_the_last_bucket():
    hist = LogHistogram()
    hist.record(2 ** 60)
    assert hist.percentile(1.0) == 2 ** 60  # clamped to the largest value recorded
    assert len(hist._counts) == 1


def test_empty_histogram_and_bad_quantile():
    hist = LogHistogram()
    assert hist.percentile(0.5) is None
    assert hist.summary() is None
    with pytest.raises(ValueError):
        hist.percentile(1.5)


def test_merge_and_summary():
    a, b = LogHistogram(), LogHistogram()
    for v in range(1, 11):
        a.record(v * 1000)
        b.record(v * 2000)
    a.merge(b)
    assert a.count == 20 and a.max == 20000
    summary = a.summary(0.001)
    assert summary['count'] == 20
    assert summary['max'] == 20.0
    assert summary['mean'] == pytest.approx((55000 + 110000) / 20 / 1000)
    assert summary['p50'] <= summary['p90'] <= summary['p99'] <= summary['max']


def test_histogram_stays_small():
    hist = LogHistogram()
    for v in range(1000, 2000):
        hist.record(v)
    assert len(hist._counts) <= 9


@pytest.mark.parametrize('message, expected', [
    ({'e': 'trade', 'E': 123, 'p': '1'}, 123),
    ({'stream': 'bnbbtc@trade', 'data': {'e': 'trade', 'E': 456}}, 456),
    ({'stream': '!miniTicker@arr', 'data': [{'e': '24hrMiniTicker', 'E': 789}]}, 789),
    ([{'e': '24hrMiniTicker', 'E': 7}], 7),
    ({'lastUpdateId': 1, 'bids': [], 'asks': []}, None),  # partial depth: no event time
    ({'u': 1, 's': 'BNBBTC', 'b': '1'}, None),  # spot book ticker
    ({'E': 'not a number'}, None),
    ([], None), (123, None), ('x', None), (None, None),
])
def test_event_time(message, expected):
    assert event_time(message) == expected


@pytest.mark.parametrize('message', [
    {'e': 'trade', 'E': 1700000000123, 's': 'BNBBTC', 't': 5},
    {'stream': 'bnbbtc@trade', 'data': {'e': 'trade', 'E': 1700000000123}},
    [{'e': '24hrMiniTicker', 'E': 1700000000123, 's': 'A'}],
    {'e': 'kline', 'E': 1700000000123, 'k': {'t': 1, 'T': 2}},
])
def test_the_event_time_read_from_bytes_matches_the_decoded_one(message):
    payload = orjson.dumps(message)
    assert payload_event_time(payload) == event_time(message) == 1700000000123


@pytest.mark.parametrize('payload', [b'{"lastUpdateId":1}', b'{"E":}', b'{"E":"12"}',
                                     b'{"E":' + b'9' * 30 + b'}', b''])
def test_payloads_without_a_usable_event_time(payload):
    assert payload_event_time(payload) is None


def test_payload_stream():
    assert payload_stream(b'{"stream":"bnbbtc@trade","data":{}}') == 'bnbbtc@trade'
    assert payload_stream(b'{"e":"trade"}') is None
    assert payload_stream(b'{"stream":"unterminated') is None


def test_server_clock_applies_the_offset():
    clock = ServerClock(250, wall=lambda: 1000.0)
    assert clock.now_ms() == 1000250.0
    offsets = [10]
    live = ServerClock(lambda: offsets[0], wall=lambda: 1.0)
    assert live.now_ms() == 1010.0
    offsets[0] = -10
    assert live.now_ms() == 990.0
    with pytest.raises(TypeError):
        ServerClock('5')


def make_stats(offset=0, wall=1000.0, sample_interval=0):
    ticks = Ticks()
    server = ServerClock(offset, wall=lambda: wall)
    return SocketStats('stream?streams=a@trade/b@trade', server_clock=server,
                       sample_interval=sample_interval, monotonic=ticks), ticks


def test_chunks_count_bytes_and_messages_and_set_the_last_message_age():
    stats, ticks = make_stats()
    stats.on_chunk(100, 0)  # a ping: bytes, but no message
    assert stats.snapshot()['last_message_age'] is None
    stats.on_chunk(4000, 12)
    ticks.now += 2.5
    snap = stats.snapshot()
    assert (snap['messages'], snap['bytes']) == (12, 4100)
    assert snap['last_message_age'] == 2.5


def test_latency_uses_the_server_clock_and_attributes_streams():
    stats, _ticks = make_stats(offset=-2000, wall=1000.0)  # server clock = 998000 ms
    stats.sample({'stream': 'a@trade', 'data': {'e': 'trade', 'E': 997995}})  # 5 ms
    stats.sample_payload(orjson.dumps({'stream': 'b@trade', 'data': {'E': 997980}}))  # 20 ms
    stats.sample_payload(orjson.dumps({'stream': 'b@trade', 'data': {'E': 998010}}))  # future
    stats.sample({'lastUpdateId': 1})  # no event time: nothing recorded
    snap = stats.snapshot()
    assert snap['latency_ms']['count'] == 3
    assert snap['latency_ms']['max'] == pytest.approx(20.0)
    assert snap['clock_skewed_samples'] == 1
    assert snap['streams']['a@trade']['latency_ms']['max'] == pytest.approx(5.0)
    assert snap['streams']['b@trade']['latency_ms']['count'] == 2


def test_sampling_is_due_at_most_once_per_interval_and_only_with_a_clock():
    stats, ticks = make_stats(sample_interval=0.01)
    due = []
    for _ in range(12):  # a chunk every 4 ms
        due.append(stats.sampling_due())
        ticks.now += 0.004
    assert due == [True, False, False, True, False, False, True, False, False, True, False, False]
    every_chunk, _ticks = make_stats(sample_interval=0)
    assert all(every_chunk.sampling_due() for _ in range(5))
    blind = SocketStats('x', sample_interval=0)
    assert not blind.sampling_due()
    blind.sample({'E': 1})
    blind.sample_payload(b'{"E":1}')
    assert blind.latency.count == 0


def test_exact_stream_counts_and_ages_refreshed_about_once_a_second():
    stats, ticks = make_stats()
    for _ in range(3):
        stats.count_stream('a@trade')
    stats.refresh_stream_ages()  # a seen now
    ticks.now += 1.0
    counts = stats.stream_counts  # what the data path updates inline
    counts['b@trade'] = counts.get('b@trade', 0) + 1
    stats.refresh_stream_ages()  # b seen now, a not since
    ticks.now += 1.0
    streams = stats.snapshot()['streams']
    assert streams['a@trade']['messages'] == 3
    assert streams['a@trade']['last_message_age'] == 2.0
    assert streams['b@trade']['messages'] == 1
    assert streams['b@trade']['last_message_age'] == 1.0


def test_streams_known_only_from_samples_have_no_count():
    stats, _ticks = make_stats()
    stats.sample({'stream': 'a@trade', 'data': {'E': 999999}})
    assert stats.snapshot()['streams']['a@trade']['messages'] is None


def test_reconnect_reasons():
    stats, ticks = make_stats()
    stats.on_open()
    stats.on_reconnect('connection lost')
    stats.on_reconnect('serverShutdown')
    stats.on_reconnect('connection lost')
    ticks.now += 3
    snap = stats.snapshot()
    assert snap['connects'] == 1
    assert snap['reconnects'] == 3
    assert snap['reconnect_reasons'] == {'connection lost': 2, 'serverShutdown': 1}
    assert snap['last_reconnect'] == {'reason': 'connection lost', 'age': 3.0}
    assert snap['open_for'] == 3.0


def test_queue_counters_come_from_the_delivery():
    stats, _ticks = make_stats()
    stats.queue = lambda: {'queued': 5, 'dropped': 1}
    assert stats.snapshot()['queue'] == {'queued': 5, 'dropped': 1}


def test_bad_sample_interval():
    for bad, error in ((-1, ValueError), (float('nan'), ValueError), ('1', TypeError),
                       (True, TypeError)):
        with pytest.raises(error, match='sample_interval'):
            SocketStats('x', sample_interval=bad)


def test_manager_snapshot_is_plain_data_with_totals():
    ticks = Ticks()
    telemetry = Telemetry(ServerClock(0, wall=lambda: 1.0), sample_interval=0, monotonic=ticks)
    a = telemetry.socket('ws/a@trade')
    assert telemetry.socket('ws/a@trade') is a
    b = telemetry.socket('ws/b@trade')
    a.on_chunk(10, 1)
    b.on_chunk(20, 2)
    a.sample({'E': 990})
    b.sample({'E': 980})
    b.on_reconnect('lost')
    snap = telemetry.snapshot()
    assert orjson.loads(orjson.dumps(snap)) == snap  # plain JSON-able data
    assert snap['totals']['messages'] == 3 and snap['totals']['bytes'] == 30
    assert snap['totals']['reconnects'] == 1
    assert snap['totals']['latency_ms']['count'] == 2
    assert snap['totals']['clock_offset_ms'] == 0
    telemetry.remove('ws/a@trade')
    assert list(telemetry.names()) == ['ws/b@trade']
