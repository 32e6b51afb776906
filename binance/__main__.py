"""``python -m binance``: the command-line tools, see :mod:`binance.cli`."""
from .cli import main

if __name__ == '__main__':
    raise SystemExit(main())
