"""What telemetry costs per message on the data path, on versus off, side by side.

Same set-up as ``benchmarks.hotpath`` (a real StreamConnection's protocol on
an in-memory transport, 64 KiB chunks of pre-framed messages fed to
``dataReceived``), measured three ways in alternating rounds:

* ``off``: the protocol as it is;
* ``replica``: the protocol with its per-socket payload handler replaced by a
  copy of the same code (shows that the copy costs what the original does);
* ``on``: the copy plus telemetry as :mod:`binance.telemetry` proposes to wire
  it: per chunk ``SocketStats.on_chunk`` (bytes, messages, time) and
  ``sampling_due``; on a sampled chunk (one in ``--sample-every``) the first
  message's event-time latency from its bytes; for combined streams an exact
  per-stream count, one dict update per message.

Prints CPU microseconds per message and the ratio on/off (the issue's bar:
within 5 %). Usage: python -m benchmarks.telemetry [--seconds 0.5] [--rounds 9]
"""
import argparse
import statistics
import time

import orjson

from benchmarks import hotpath, messages
from binance import protocol as protocol_module
from binance.telemetry import DEFAULT_SAMPLE_EVERY, ServerClock, SocketStats


def replica_handler(proto, stats=None):
    """A copy of ``StreamClientProtocol._payload_handler``'s closure, optionally counting streams."""
    connection = proto.connection
    callback = connection._callback
    general = proto._on_payload
    reject = proto._reject
    loads = orjson.loads
    large = protocol_module.LARGE_MESSAGE_SIZE
    combined = 'streams' in proto.factory.params
    key, shutdown = ('stream', '!serverShutdown') if combined else ('e', 'serverShutdown')
    log = protocol_module.log
    name = connection.name

    if stats is not None and combined:
        counts = stats.stream_counts

        def on_payload(payload, is_binary):
            if is_binary or len(payload) >= large:
                general(payload, is_binary)
                return
            try:
                message = loads(payload)
            except orjson.JSONDecodeError as exc:
                reject(payload, exc)
                return
            if type(message) is dict:
                stream = message.get(key)
                if stream == shutdown:
                    connection.reconnect_now('the server announced a shutdown')
                    return
                counts[stream] = counts.get(stream, 0) + 1
            try:
                callback(message)
            except Exception:
                log.exception('%s: the callback raised; the socket keeps running', name)
        return on_payload

    def on_payload(payload, is_binary):
        if is_binary or len(payload) >= large:
            general(payload, is_binary)
            return
        try:
            message = loads(payload)
        except orjson.JSONDecodeError as exc:
            reject(payload, exc)
            return
        if type(message) is dict and message.get(key) == shutdown:
            connection.reconnect_now('the server announced a shutdown')
            return
        try:
            callback(message)
        except Exception:
            log.exception('%s: the callback raised; the socket keeps running', name)
    return on_payload


def instrument(proto, stats):
    """Per-chunk telemetry around the fast path's ``_fp_receive`` of this protocol instance."""
    receive = proto._fp_receive
    handler = proto._on_payload
    sample_payload = stats.sample_payload

    def sampled(payload, is_binary, _pending=[]):
        if _pending:
            _pending.clear()
            sample_payload(payload)
        handler(payload, is_binary)

    def fp_receive(reader, data):
        before = reader.messages
        if stats.sampling_due():
            sampled.__defaults__[0].append(True)
            proto._on_payload = sampled
            try:
                receive(reader, data)
            finally:
                proto._on_payload = handler
        else:
            receive(reader, data)
        stats.on_chunk(len(data), reader.messages - before)

    proto._fp_receive = fp_receive


def make(kind, mode, sample_every):
    count = [0]

    def callback(message, _c=count):
        _c[0] += 1

    proto = hotpath.open_protocol(kind, callback)
    stats = None
    if mode in ('replica', 'on'):
        if mode == 'on':
            stats = SocketStats(proto.connection.name, server_clock=ServerClock(0),
                                sample_every=sample_every)
        proto._on_payload = replica_handler(proto, stats)
        if stats is not None:
            instrument(proto, stats)
    return proto, count, stats


def run(proto, count, chunks, seconds):
    for chunk in chunks:  # warm up
        proto.dataReceived(chunk)
    count[0] = 0
    c0 = time.process_time()
    while time.process_time() - c0 < seconds:
        for chunk in chunks:
            proto.dataReceived(chunk)
    return (time.process_time() - c0) / count[0] * 1e6


def measure(kind, seconds, rounds, sample_every=DEFAULT_SAMPLE_EVERY):
    """CPU us/msg per mode over ``rounds`` rounds (each mode once per round, order rotated).

    Returns the median per mode, the median of the per-round ratios on/off
    and on/replica (one round's modes run seconds apart, so the machine's
    drift cancels), and the stats of the last ``on`` run.
    """
    block, _n = messages.framed_block(kind)
    data = block * max(1, (4 * hotpath.CHUNK) // len(block))
    chunks = [data[i:i + hotpath.CHUNK] for i in range(0, len(data), hotpath.CHUNK)]
    modes = ['off', 'replica', 'on']
    results = {mode: [] for mode in modes}
    ratios = {'on/off': [], 'on/replica': []}
    stats = None
    for r in range(rounds):
        this_round = {}
        for mode in modes[r % 3:] + modes[:r % 3]:
            proto, count, st = make(kind, mode, sample_every)
            this_round[mode] = run(proto, count, chunks, seconds)
            if st is not None:
                stats = st
        for mode, value in this_round.items():
            results[mode].append(value)
        ratios['on/off'].append(this_round['on'] / this_round['off'])
        ratios['on/replica'].append(this_round['on'] / this_round['replica'])
    medians = {mode: statistics.median(values) for mode, values in results.items()}
    medians.update({name: statistics.median(values) for name, values in ratios.items()})
    return medians, stats


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seconds', type=float, default=0.5, help='per round and mode')
    parser.add_argument('--rounds', type=int, default=9)
    parser.add_argument('--kinds', default='trade,combined')
    parser.add_argument('--sample-every', type=int, default=DEFAULT_SAMPLE_EVERY)
    args = parser.parse_args(argv)
    for kind in args.kinds.split(','):
        med, stats = measure(kind, args.seconds, args.rounds, args.sample_every)
        snap = stats.snapshot()
        print('%-9s off %.3f  replica %.3f  on %.3f us/msg   median ratio on/off %.3f  '
              'on/replica %.3f   (%d latency samples of %d messages)'
              % (kind, med['off'], med['replica'], med['on'], med['on/off'], med['on/replica'],
                 snap['latency_ms']['count'] if snap['latency_ms'] else 0, snap['messages']))


if __name__ == '__main__':
    main()
