"""Smoke run of the benchmark suite: every scenario runs end to end (no baseline venv)."""
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_quick_benchmark_runs_every_scenario(tmp_path):
    out = tmp_path / 'result.json'
    proc = subprocess.run([sys.executable, '-m', 'benchmarks', '--quick', '--output', str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=100)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    scenarios = result['scenarios']
    assert sorted(scenarios) == ['1', '2', '3', '4', '5', '6', '7']
    for key in ('1', '2', '3', '4', '5'):
        ours = scenarios[key]['ours']
        assert ours['messages'] > 0, key
        assert ours['live'] == ours['sockets'], key
        assert ours['package'] == os.path.join(ROOT, 'binance')
    assert scenarios['1']['limit']['msgs_per_s'] > 0
    assert scenarios['4']['limit']['impl'] == 'orjson.loads'
    assert scenarios['5']['ours']['latency_samples'] > 0
    assert scenarios['6']['ours']['live'] == scenarios['6']['ours']['sockets']
    assert scenarios['6']['ours']['messages'] == 0
    book = scenarios['7']['ours']
    assert book['updates_per_s'] > 0 and book['top10_read_us'] > 0
    assert book['wire_updates_per_s'] > 0 and scenarios['7']['limit']['wire_updates_per_s'] > 0
    assert book['book_after'] == [10, 10] and book['package'] == os.path.join(ROOT, 'binance')
    for sc in scenarios.values():
        assert 'pb0711' not in sc
        assert sc['checks'], sc['title']
    # the printed table names every scenario and its target checks
    for sc in scenarios.values():
        assert sc['title'] in proc.stdout
    assert '[PASS]' in proc.stdout or '[MISS]' in proc.stdout
