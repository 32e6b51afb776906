"""What telemetry costs per message on the data path, on versus off, side by side.

Same set-up as ``benchmarks.hotpath`` (a real StreamConnection's protocol on
an in-memory transport, 64 KiB chunks of pre-framed messages fed to
``dataReceived``), measured two ways in alternating rounds:

* ``off``: the protocol as it is;
* ``on``: telemetry wired as :mod:`binance.telemetry` proposes: per chunk
  ``SocketStats.on_chunk`` (bytes, messages, time) and ``sampling_due``; on a
  sampled chunk (one in ``--sample-every``) the first message's event-time
  latency from its bytes; for combined streams an exact per-stream count, one
  dict update per message, in a copy of the protocol's payload handler with
  that one line added.

Prints CPU microseconds per message and the ratio on/off (the issue's bar:
within 5 %). Usage: python -m benchmarks.telemetry [--seconds 0.5] [--rounds 9]
"""
import argparse
import statistics

import orjson

from benchmarks import hotpath
from binance import protocol as protocol_module
from binance.telemetry import DEFAULT_SAMPLE_EVERY, ServerClock, SocketStats


def counting_handler(proto, counts):
    """``StreamClientProtocol._payload_handler``'s closure plus an exact count per stream.

    The protocol's own code, with one line more (marked): what wiring
    per-stream counts into it would cost. Only for combined streams; raw
    sockets keep the protocol's handler.
    """
    connection = proto.connection
    callback = connection._callback
    general = proto._on_payload
    reject = proto._reject
    loads = orjson.loads
    large = protocol_module.LARGE_MESSAGE_SIZE
    log = protocol_module.log
    name = connection.name

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
            stream = message.get('stream')
            if stream == '!serverShutdown':
                connection.reconnect_now('the server announced a shutdown')
                return
            counts[stream] = counts.get(stream, 0) + 1  # the line telemetry adds
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


def make(kind, telemetry, sample_every):
    """A protocol fed by the benchmark, with telemetry wired in or not."""
    callback, count = hotpath.counting_callback()
    proto = hotpath.open_protocol(kind, callback)
    stats = None
    if telemetry:
        stats = SocketStats(proto.connection.name, server_clock=ServerClock(0),
                            sample_every=sample_every)
        if 'streams' in proto.factory.params:
            proto._on_payload = counting_handler(proto, stats.stream_counts)
        instrument(proto, stats)
    return proto, count, stats


def measure(kind, seconds, rounds, sample_every=DEFAULT_SAMPLE_EVERY):
    """CPU us/msg off and on over ``rounds`` rounds (both once per round, order alternating).

    Returns the median of each, the median of the per-round ratios on/off
    (a round's two runs are seconds apart, so the machine's drift cancels),
    and the stats of the last ``on`` run.
    """
    chunks = hotpath.chunks_for(kind)
    results = {'off': [], 'on': []}
    ratios = []
    stats = None
    for r in range(rounds):
        this_round = {}
        for mode in (('off', 'on') if r % 2 == 0 else ('on', 'off')):
            proto, count, st = make(kind, mode == 'on', sample_every)
            this_round[mode] = hotpath.run(proto, count, chunks, seconds)
            stats = st or stats
        for mode, value in this_round.items():
            results[mode].append(value)
        ratios.append(this_round['on'] / this_round['off'])
    medians = {mode: statistics.median(values) for mode, values in results.items()}
    medians['on/off'] = statistics.median(ratios)
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
        print('%-9s off %.3f  on %.3f us/msg   median ratio on/off %.3f   '
              '(%d latency samples of %d messages)'
              % (kind, med['off'], med['on'], med['on/off'],
                 snap['latency_ms']['count'] if snap['latency_ms'] else 0, snap['messages']))


if __name__ == '__main__':
    main()
