"""The silent-stream watchdog: cadence table and the timer logic on a fake clock."""
import pytest
from twisted.internet.task import Clock

from binance import streams
from binance.watchdog import (DEFAULT_SILENCE_BOUNDS, Silence, SilenceBounds, SilenceWatchdog,
                              silent_stream_notice, stream_type)


@pytest.mark.parametrize('name, kind', [
    ('bnbbtc@trade', 'trade'),
    ('bnbbtc@aggTrade', 'aggTrade'),
    ('bnbbtc@kline_1m', 'kline'),
    ('bnbbtc@kline_1s@+08:00', 'kline'),
    ('btcusdt@continuousKline_1m', 'continuousKline'),
    ('bnbbtc@depth', 'depth'),
    ('bnbbtc@depth@100ms', 'depth'),
    ('bnbbtc@depth5', 'partialDepth'),
    ('bnbbtc@depth20@100ms', 'partialDepth'),
    ('bnbbtc@ticker', 'ticker'),
    ('bnbbtc@ticker_1h', 'windowTicker'),
    ('bnbbtc@miniTicker', 'miniTicker'),
    ('bnbbtc@bookTicker', 'bookTicker'),
    ('btcusdt@markPrice@1s', 'markPrice'),
    ('!miniTicker@arr', '!miniTicker@arr'),
    ('!miniTicker@arr@3000ms', '!miniTicker@arr'),
    ('!ticker@arr', '!ticker@arr'),
    ('!ticker_4h@arr', '!windowTicker@arr'),
    ('!bookTicker', '!bookTicker'),
    ('!markPrice@arr@1s', '!markPrice@arr'),
    ('!forceOrder@arr', '!forceOrder@arr'),
    ('!contractInfo', '!contractInfo'),
    ('nonsense', None),
    ('', None),
])
def test_stream_type(name, kind):
    assert stream_type(name) == kind


def test_every_stream_the_library_builds_has_a_bound_type():
    names = [streams.trade_stream('BNBBTC'), streams.aggtrade_stream('BNBBTC'),
             streams.kline_stream('BNBBTC', '1m'), streams.depth_stream('BNBBTC'),
             streams.depth_stream('BNBBTC', 5, 100), streams.symbol_ticker_stream('BNBBTC'),
             streams.miniticker_stream(), streams.symbol_book_ticker_stream('BNBBTC'),
             streams.ALL_TICKERS, streams.ALL_BOOK_TICKERS]
    for name in names:
        assert stream_type(name) in DEFAULT_SILENCE_BOUNDS, name


def test_bounds_are_generous_multiples_of_the_cadence():
    bounds = SilenceBounds()
    assert bounds.bound_for('bnbbtc@kline_1m') >= 5 * 2.0
    assert bounds.bound_for('bnbbtc@depth5') >= 5 * 1.0
    assert bounds.bound_for('!miniTicker@arr') >= 5 * 1.0
    assert bounds.bound_for('btcusdt@markPrice') >= 5 * 3.0
    assert bounds.bound_for('bnbbtc@trade') >= 300
    assert bounds.bound_for('!forceOrder@arr') is None
    assert bounds.bound_for('unknown@thing') is None


def test_overrides_by_type_and_by_exact_name():
    bounds = SilenceBounds({'trade': None, 'ethbtc@trade': 30, 'kline': 20.5})
    assert bounds.bound_for('bnbbtc@trade') is None
    assert bounds.bound_for('ethbtc@trade') == 30.0
    assert bounds.bound_for('bnbbtc@kline_5m') == 20.5


def test_a_connection_uses_the_smallest_bound_of_its_streams():
    bounds = SilenceBounds()
    assert bounds.bound_for_streams(['bnbbtc@trade', 'bnbbtc@kline_1m']) == 10.0
    assert bounds.bound_for_streams(['bnbbtc@trade', '!forceOrder@arr']) == 600.0
    assert bounds.bound_for_streams(['!forceOrder@arr']) is None
    assert bounds.bound_for_streams([]) is None


@pytest.mark.parametrize('overrides, error', [
    ({'trade': 0}, ValueError), ({'trade': -1}, ValueError), ({'trade': 'x'}, TypeError),
    ({'trade': float('inf')}, ValueError), ({3: 5}, TypeError), (['trade'], TypeError),
])
def test_bad_overrides(overrides, error):
    with pytest.raises(error):
        SilenceBounds(overrides)


class Data:
    """What the protocol does: a flag set per data chunk, read and cleared by poll()."""

    def __init__(self):
        self.seen = False

    def poll(self):
        seen, self.seen = self.seen, False
        return seen


def make(bound=10.0, **kwargs):
    clock = Clock()
    data = Data()
    reports = []
    dog = SilenceWatchdog(clock, bound, data.poll,
                          lambda s: reports.append((clock.seconds(), s)), **kwargs)
    return clock, data, reports, dog


def test_a_silent_stream_is_reported_within_its_bound():
    clock, _data, reports, dog = make(10.0)
    dog.start()
    clock.pump([2.5] * 3)
    assert reports == []
    clock.advance(2.5)
    assert len(reports) == 1
    at, silence = reports[0]
    assert at == 10.0
    assert silence == Silence(seconds=10.0, bound=10.0, first=True, episode_reports=1)
    assert not dog.running and clock.getDelayedCalls() == []


def test_detection_after_the_last_message_is_never_later_than_the_bound():
    for offset in (0.1, 1.0, 2.4, 2.5):
        clock, data, reports, dog = make(10.0)
        dog.start()
        clock.advance(offset)
        data.seen = True  # the last message, at `offset`
        for _ in range(20):
            clock.advance(0.1)
        clock.pump([0.1] * 200)
        assert reports, offset
        silent_for = reports[0][0] - offset
        # a check runs up to one 0.1 s step late on this clock, as a reactor's may
        assert 10.0 - 2.5 - 1e-6 <= silent_for <= 10.0 + 0.1 + 1e-6, offset


def test_a_stream_with_data_is_never_reported():
    clock, data, reports, dog = make(10.0)
    dog.start()
    for _ in range(400):
        data.seen = True
        clock.advance(2.5)
    assert reports == []
    assert len(clock.getDelayedCalls()) == 1
    dog.stop()
    assert clock.getDelayedCalls() == []


def test_silence_across_reconnects_is_reported_once_and_the_bound_doubles_up_to_a_cap():
    clock, data, reports, dog = make(10.0, max_factor=4)
    times = []
    for _ in range(5):  # the connection reconnects after each report and starts the watchdog
        dog.start()
        start = clock.seconds()
        while not dog.running or len(reports) == len(times):
            clock.advance(2.5)
            if not dog.running:
                break
        times.append(clock.seconds() - start)
    assert times == [10.0, 20.0, 40.0, 40.0, 40.0]
    assert [s.first for _t, s in reports] == [True, False, False, False, False]
    assert [s.episode_reports for _t, s in reports] == [1, 2, 3, 4, 5]
    # data ends the episode: the bound is back to 10 s and the next silence is reported again
    dog.start()
    data.seen = True
    clock.advance(2.5)
    assert dog.current_bound == 10.0 and not dog.in_episode
    clock.pump([2.5] * 4)
    assert reports[-1][1].first and reports[-1][1].bound == 10.0


def test_start_is_idempotent_and_stop_disarms():
    clock, _data, reports, dog = make(10.0)
    dog.start()
    dog.start()
    assert len(clock.getDelayedCalls()) == 1
    dog.stop()
    dog.stop()
    clock.advance(100)
    assert reports == []


@pytest.mark.parametrize('kwargs, error', [
    ({'bound': 0}, ValueError), ({'bound': None}, TypeError), ({'bound': '5'}, TypeError),
    ({'checks': 1}, ValueError), ({'max_factor': 0.5}, ValueError),
])
def test_bad_watchdog_arguments(kwargs, error):
    args = {'bound': 10.0}
    args.update(kwargs)
    bound = args.pop('bound')
    with pytest.raises(error):
        SilenceWatchdog(Clock(), bound, lambda: False, lambda s: None, **args)


def test_the_callback_notice():
    notice = silent_stream_notice('bnbbtc@kline_1m', Silence(10.0, 10.0, True, 1))
    assert notice == {'e': 'streamSilent',
                      'm': 'no data on bnbbtc@kline_1m for 10 s; reconnecting',
                      'stream': 'bnbbtc@kline_1m', 'seconds': 10.0, 'bound': 10.0}
