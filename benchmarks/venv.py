"""The python-binance 0.7.11 baseline, installed on demand into its own virtualenv.

The environment sees the system site-packages, so 0.7.11 runs on the same
Twisted, Autobahn and Python as our client; pip adds only what is missing
(python-binance itself, dateparser and their small dependencies).
"""
import os
import subprocess
import sys
import tempfile

PB_VERSION = '0.7.11'
DEFAULT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '.venv-pb0711')


def _python(venv_dir):
    return os.path.join(venv_dir, 'bin', 'python')


def _works(python):
    """True when ``python`` imports python-binance 0.7.11's socket manager."""
    if not os.path.exists(python):
        return False
    check = ('import binance.websockets, importlib.metadata as m; '
             'assert m.version("python-binance") == %r' % PB_VERSION)
    with tempfile.TemporaryDirectory() as cwd:  # keep the repository off sys.path
        return subprocess.run([python, '-c', check], cwd=cwd, capture_output=True,
                              env=clean_env()).returncode == 0


def clean_env():
    """The environment for baseline processes: no PYTHONPATH pointing at our package."""
    env = dict(os.environ)
    env.pop('PYTHONPATH', None)
    return env


def ensure_pb0711(venv_dir=DEFAULT_DIR, log=print):
    """Return the interpreter of a virtualenv with python-binance 0.7.11, creating it if needed.

    Raises:
        RuntimeError: the environment could not be created or does not work.
    """
    python = _python(venv_dir)
    if _works(python):
        return python
    log('creating %s with python-binance==%s ...' % (venv_dir, PB_VERSION))
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages', venv_dir], check=True)
    proc = subprocess.run([python, '-m', 'pip', 'install', '--quiet',
                           'python-binance==%s' % PB_VERSION],
                          capture_output=True, text=True, env=clean_env())
    if proc.returncode != 0 or not _works(python):
        raise RuntimeError('could not install python-binance %s into %s:\n%s'
                           % (PB_VERSION, venv_dir, proc.stderr[-2000:]))
    return python
