"""Queued delivery: real worker threads, policies, backpressure and counters; no sleeps."""
import logging
import queue
import threading
import time

import pytest

from binance.delivery import (DeliveryOptions, DeliveryPolicy, QueuedDelivery, stream_key)
from tests.conftest import wait_for

TIMEOUT = 10.0


class Reactor:
    """The test thread plays the reactor: callFromThread queues, run_pending runs."""

    def __init__(self):
        self.calls = queue.SimpleQueue()

    def call_from_thread(self, fn, *args):
        self.calls.put((fn, args))

    def run_pending(self):
        ran = 0
        while True:
            try:
                fn, args = self.calls.get_nowait()
            except queue.Empty:
                return ran
            fn(*args)
            ran += 1


class Gate:
    """A callback that records messages and, while closed, blocks after announcing it entered."""

    def __init__(self, closed=True):
        self.open_event = threading.Event()
        if not closed:
            self.open_event.set()
        self.entered = threading.Event()
        self.seen = []
        self.lock = threading.Lock()

    def __call__(self, message):
        self.entered.set()
        self.open_event.wait(TIMEOUT)
        with self.lock:
            self.seen.append(message)

    def open(self):
        self.open_event.set()


class Producer:
    """A transport's IPushProducer side, as the connection registers it."""

    def __init__(self):
        self.events = []

    def pauseProducing(self):
        self.events.append('pause')

    def resumeProducing(self):
        self.events.append('resume')


@pytest.fixture
def make_delivery():
    made = []

    def factory(callback, **kwargs):
        kwargs.setdefault('call_from_thread', Reactor().call_from_thread)
        delivery = QueuedDelivery(callback, name='test', **kwargs)
        made.append(delivery)
        return delivery

    yield factory
    for delivery in made:
        delivery.stop()
    for delivery in made:
        assert delivery.join(TIMEOUT), 'a worker thread outlived its stop()'


def busy(make_delivery, first, **kwargs):
    """A started delivery whose callback is blocked inside message ``first``: ``(gate, delivery)``."""
    gate = Gate()
    delivery = make_delivery(gate, **kwargs)
    delivery.start()
    delivery.put(first)
    assert gate.entered.wait(TIMEOUT)
    return gate, delivery


# -- options ------------------------------------------------------------------------------


@pytest.mark.parametrize('value, mode, policy', [
    (None, 'inline', DeliveryPolicy.BLOCK),
    ('inline', 'inline', DeliveryPolicy.BLOCK),
    ('queue', 'queue', DeliveryPolicy.BLOCK),
    ('drop_oldest', 'queue', DeliveryPolicy.DROP_OLDEST),
    ('keep_latest', 'queue', DeliveryPolicy.KEEP_LATEST),
    (DeliveryPolicy.BLOCK, 'queue', DeliveryPolicy.BLOCK),
    (DeliveryOptions('queue', 'keep_latest', 50), 'queue', DeliveryPolicy.KEEP_LATEST),
])
def test_coerce(value, mode, policy):
    options = DeliveryOptions.coerce(value)
    assert (options.mode, options.policy) == (mode, policy)
    assert options.queued == (mode == 'queue')


@pytest.mark.parametrize('value, error', [(5, TypeError), ('fast', ValueError), (object(), TypeError)])
def test_coerce_names_the_argument(value, error):
    with pytest.raises(error, match='delivery'):
        DeliveryOptions.coerce(value)


@pytest.mark.parametrize('kwargs, error, word', [
    ({'mode': 'threads'}, ValueError, 'mode'),
    ({'policy': 'drop_newest'}, ValueError, 'policy'),
    ({'policy': 3}, TypeError, 'policy'),
    ({'maxsize': 0}, ValueError, 'maxsize'),
    ({'maxsize': '10'}, TypeError, 'maxsize'),
    ({'maxsize': True}, TypeError, 'maxsize'),
])
def test_bad_options(kwargs, error, word):
    with pytest.raises(error, match=word):
        DeliveryOptions(**kwargs)


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match='callback'):
        QueuedDelivery(None, call_from_thread=lambda *a: None)
    with pytest.raises(TypeError, match='key'):
        QueuedDelivery(print, key=3, call_from_thread=lambda *a: None)
    with pytest.raises(ValueError, match='observe_every'):
        QueuedDelivery(print, observe_every=0, call_from_thread=lambda *a: None)


def test_stream_key():
    assert stream_key({'stream': 'a@trade', 'data': {}}) == 'a@trade'
    assert stream_key({'e': 'trade'}) is None
    assert stream_key([{'e': 'x'}]) is None


# -- order, counters, isolation --------------------------------------------------------------


def test_every_message_in_order_and_exact_counters(make_delivery):
    gate = Gate(closed=False)
    delivery = make_delivery(gate)
    delivery.start()
    for i in range(2000):
        delivery.put({'n': i})
    wait_for(lambda: delivery.delivered == 2000, TIMEOUT, message='2000 deliveries')
    assert [m['n'] for m in gate.seen] == list(range(2000))
    counters = delivery.counters()
    assert (counters['queued'], counters['delivered'], counters['dropped'],
            counters['conflated'], counters['depth']) == (2000, 2000, 0, 0, 0)
    assert counters['lag_ms']['count'] == 2000


def test_a_blocked_callback_does_not_delay_another_sockets_delivery(make_delivery):
    slow = Gate(closed=True)
    fast = Gate(closed=False)
    a = make_delivery(slow)
    b = make_delivery(fast)
    a.start()
    b.start()
    for i in range(200):
        a.put(i)
        b.put(i)
    wait_for(lambda: b.delivered == 200, TIMEOUT, message='the other socket to be served')
    assert slow.seen == [] and a.depth == 199  # one is inside the blocked callback
    slow.open()
    wait_for(lambda: a.delivered == 200, TIMEOUT, message='the slow socket to catch up')
    assert slow.seen == list(range(200))


def test_a_5_ms_callback_leaves_another_socket_unhindered(make_delivery):
    pace = threading.Event()  # never set: each wait is 5 ms of "work"
    slow_seen = []

    def slow(message):
        pace.wait(0.005)
        slow_seen.append(message)

    lags = []
    done = threading.Event()

    def fast(message):
        lags.append(time.monotonic() - message)
        if len(lags) == 500:
            done.set()

    a = make_delivery(slow)
    b = make_delivery(fast)
    a.start()
    b.start()
    for _ in range(1000):  # 5 s of work for a
        a.put(time.monotonic())
    for _ in range(500):
        b.put(time.monotonic())
    assert done.wait(TIMEOUT)
    assert len(slow_seen) < 1000  # a is still busy: b did not wait for it
    lags.sort()
    assert lags[int(len(lags) * 0.99)] < 0.5  # generous: a loaded 2-core machine


# -- policies -------------------------------------------------------------------------------


def test_drop_oldest_keeps_the_newest_and_counts_the_rest(make_delivery):
    gate, delivery = busy(make_delivery, 0, policy='drop_oldest', maxsize=10)
    for i in range(1, 101):
        delivery.put(i)
    assert delivery.depth == 10
    gate.open()
    wait_for(lambda: delivery.depth == 0 and delivery.delivered == 11, TIMEOUT,
             message='the queue to drain')
    assert gate.seen == [0] + list(range(91, 101))
    counters = delivery.counters()
    assert (counters['queued'], counters['delivered'], counters['dropped']) == (101, 11, 90)
    assert counters['high_water'] == 11


def test_drop_oldest_never_drops_a_notice(make_delivery):
    gate, delivery = busy(make_delivery, 0, policy='drop_oldest', maxsize=5)
    notice = {'e': 'error', 'm': 'Max reconnect retries reached'}
    delivery.put_notice(notice)
    for i in range(1, 51):
        delivery.put(i)
    gate.open()
    wait_for(lambda: delivery.depth == 0 and delivery.queued == delivery.delivered
             + delivery.dropped, TIMEOUT, message='the queue to drain')
    assert notice in gate.seen
    data = [m for m in gate.seen if m is not notice]
    assert data == sorted(data) and data[-1] == 50
    assert delivery.dropped == 51 - len(data)


def test_keep_latest_conflates_per_stream_and_keeps_stream_order(make_delivery):
    gate, delivery = busy(make_delivery, {'stream': 'a@depth5', 'n': 0}, policy='keep_latest',
                          maxsize=100)
    for n in range(1, 31):
        for s in ('a', 'b', 'c'):
            delivery.put({'stream': s + '@depth5', 'n': n})
    assert delivery.depth == 3
    gate.open()
    wait_for(lambda: delivery.delivered == 4, TIMEOUT, message='4 deliveries')
    assert [(m['stream'][0], m['n']) for m in gate.seen] == [('a', 0), ('a', 30), ('b', 30),
                                                               ('c', 30)]
    counters = delivery.counters()
    assert (counters['queued'], counters['conflated'], counters['dropped']) == (91, 87, 0)


def test_keep_latest_beyond_maxsize_drops_the_oldest_stream_but_no_notice(make_delivery):
    gate, delivery = busy(make_delivery, {'stream': 'x', 'n': 0}, policy='keep_latest', maxsize=3)
    delivery.put_notice({'e': 'notice'})
    for s in ('a', 'b', 'c'):
        delivery.put({'stream': s, 'n': 1})
    delivery.put_notice({'e': 'notice2'})
    gate.open()
    wait_for(lambda: delivery.depth == 0 and delivery.delivered >= 4, TIMEOUT,
             message='the queue to drain')
    seen = [m.get('stream', m.get('e')) for m in gate.seen]
    assert seen == ['x', 'notice', 'c', 'notice2']
    assert delivery.dropped == 2


def test_a_failing_key_function_keeps_the_message(make_delivery):
    seen = []

    def key(message):
        raise KeyError('no stream')

    delivery = make_delivery(seen.append, policy='keep_latest', key=key)
    delivery.start()
    delivery.put(1)
    delivery.put(2)
    wait_for(lambda: delivery.delivered == 2, TIMEOUT, message='2 deliveries')
    assert seen == [1, 2]


def test_block_pauses_reading_resumes_after_catching_up_and_never_drops(make_delivery):
    reactor = Reactor()
    gate = Gate()
    delivery = make_delivery(gate, policy='block', maxsize=10,
                             call_from_thread=reactor.call_from_thread)
    producer = Producer()
    delivery.add_producer(producer)
    delivery.start()
    delivery.put(0)
    assert gate.entered.wait(TIMEOUT)
    for i in range(1, 11):
        delivery.put(i)
    assert producer.events == [] and not delivery.paused
    delivery.put(11)  # the 11th waiting message: over maxsize
    assert producer.events == ['pause'] and delivery.paused
    for i in range(12, 40):  # the rest of what was already read: still queued
        delivery.put(i)
    assert producer.events == ['pause']
    late = Producer()
    delivery.add_producer(late)  # a new socket of the same conn_key while paused
    assert late.events == ['pause']
    gate.open()
    wait_for(lambda: reactor.run_pending() or not delivery.paused, TIMEOUT,
             message='reading to resume')
    assert producer.events == ['pause', 'resume'] and late.events == ['pause', 'resume']
    assert delivery.depth <= delivery.low_water
    wait_for(lambda: delivery.delivered == 40, TIMEOUT, message='every message')
    assert gate.seen == list(range(40))
    assert delivery.dropped == 0 and delivery.pauses == 1


def test_resume_waits_while_the_queue_is_still_above_low_water():
    reactor = Reactor()
    delivery = QueuedDelivery(print, policy='block', maxsize=4,
                              call_from_thread=reactor.call_from_thread)
    producer = Producer()
    delivery.add_producer(producer)
    for i in range(6):  # not started: nothing is taken
        delivery.put(i)
    assert delivery.paused
    delivery._resume()  # a resume asked for earlier, arriving late
    assert delivery.paused and producer.events == ['pause']
    delivery.stop()
    assert producer.events == ['pause', 'resume']  # a stopping socket reads again


# -- failures and stopping --------------------------------------------------------------------


def test_a_raising_callback_is_logged_and_the_worker_goes_on(make_delivery, caplog):
    seen = []

    def callback(message):
        if message % 2:
            raise RuntimeError('boom %d' % message)
        seen.append(message)

    delivery = make_delivery(callback)
    with caplog.at_level(logging.ERROR, logger='binance.delivery'):
        delivery.start()
        for i in range(10):
            delivery.put(i)
        wait_for(lambda: delivery.delivered == 10, TIMEOUT, message='10 deliveries')
    assert seen == [0, 2, 4, 6, 8]
    assert delivery.errors == 5
    records = [r for r in caplog.records if 'callback raised' in r.getMessage()]
    assert len(records) == 5 and 'boom 1' in caplog.text  # with the traceback


def test_stop_ends_the_worker_after_its_message_and_discards_the_rest():
    gate = Gate()
    delivery = QueuedDelivery(gate, call_from_thread=lambda *a: None)
    delivery.start()
    for i in range(5):
        delivery.put(i)
    assert gate.entered.wait(TIMEOUT)
    delivery.stop()
    delivery.put(99)
    gate.open()
    assert delivery.join(TIMEOUT)
    assert not delivery.running
    assert gate.seen == [0]
    assert delivery.counters()['discarded'] == 5  # 4 left in the queue, 1 after the stop
    with pytest.raises(RuntimeError):
        delivery.start()


@pytest.mark.parametrize('policy', ['block', 'keep_latest'])
def test_stop_with_drain_delivers_everything_first(policy):
    gate = Gate()
    delivery = QueuedDelivery(gate, policy=policy, call_from_thread=lambda *a: None)
    delivery.start()
    for i in range(5):
        delivery.put({'stream': str(i)})
    assert gate.entered.wait(TIMEOUT)
    delivery.stop(drain=True)
    gate.open()
    assert delivery.join(TIMEOUT)
    assert [m['stream'] for m in gate.seen] == ['0', '1', '2', '3', '4']


def test_stop_before_start_and_join_without_a_thread():
    delivery = QueuedDelivery(print, call_from_thread=lambda *a: None)
    delivery.stop()
    delivery.stop()  # idempotent
    assert delivery.join(0)


def test_join_from_the_callback_itself_does_not_deadlock(make_delivery):
    answers = []
    holder = []

    def callback(message):
        answers.append(holder[0].join(1))

    delivery = make_delivery(callback)
    holder.append(delivery)
    delivery.start()
    delivery.put(1)
    wait_for(lambda: answers, TIMEOUT, message='the callback')
    assert answers == [True]  # at once: the worker ends after this callback


def test_observe_sees_one_message_in_n_before_its_callback(make_delivery):
    order = []
    delivery = make_delivery(lambda m: order.append(('cb', m)),
                             observe=lambda m: order.append(('observe', m)), observe_every=3)
    delivery.start()
    for i in range(7):
        delivery.put(i)
    wait_for(lambda: delivery.delivered == 7, TIMEOUT, message='7 deliveries')
    assert [m for kind, m in order if kind == 'observe'] == [2, 5]
    assert order.index(('observe', 2)) == order.index(('cb', 2)) - 1


def test_a_failing_observer_does_not_stop_delivery(make_delivery):
    seen = []

    def observe(_m):
        raise ValueError('telemetry bug')

    delivery = make_delivery(seen.append, observe=observe, observe_every=1)
    delivery.start()
    delivery.put(1)
    delivery.put(2)
    wait_for(lambda: delivery.delivered == 2, TIMEOUT, message='2 deliveries')
    assert seen == [1, 2]


def test_no_thread_is_left_after_stop_and_join():
    before = set(threading.enumerate())
    deliveries = [QueuedDelivery(lambda m: None, call_from_thread=lambda *a: None)
                  for _ in range(20)]
    for d in deliveries:
        d.start()
        d.put(1)
    for d in deliveries:
        d.stop()
    assert all(d.join(TIMEOUT) for d in deliveries)
    assert set(threading.enumerate()) <= before
