"""No REST keep-alive connection outlives the sockets that needed it.

User-data sockets fetch listen keys and tokens over REST; the Client's
``requests`` session keeps the connection alive for the next call. After
``bm.close()`` (and after ``client.close_connection()``) no such connection
may stay established.
"""
import sys

import pytest
from urllib.parse import urlsplit

from tests.conftest import wait_for

pytestmark = pytest.mark.skipif(not sys.platform.startswith('linux'),
                                reason='counts connections in /proc/net/tcp')


def established_to(port):
    """Local ports of the ESTABLISHED TCP connections whose peer port is ``port``."""
    ports = []
    with open('/proc/net/tcp') as table:
        for line in table.read().splitlines()[1:]:
            fields = line.split()
            local, remote, state = fields[1], fields[2], fields[3]
            if state == '01' and int(remote.rsplit(':', 1)[1], 16) == port:
                ports.append(int(local.rsplit(':', 1)[1], 16))
    return ports


def rest_port(sim):
    return urlsplit(sim.api_url).port


@pytest.mark.parametrize('model, start, account', [
    ('ws-api', lambda bm, cb: bm.start_margin_socket(cb), 'margin'),
    ('listen-key', lambda bm, cb: bm.start_user_socket(cb), 'spot'),
])
def test_close_leaves_no_rest_connection_established(user_env, model, start, account):
    env = user_env(model)
    port = rest_port(env.sim)
    start(env.manager, lambda msg: None)
    env.wait_subscribed(account=account)
    assert established_to(port), 'the socket is open (and fetched its key or token)'
    env.manager.close()
    env.manager.join(5)
    wait_for(lambda: established_to(port) == [], timeout=5,
             message='no connection to the exchange after close()')


def test_close_connection_closes_the_pooled_keep_alive_connection(user_env):
    env = user_env('ws-api')
    port = rest_port(env.sim)
    env.client.get_server_time()
    assert len(established_to(port)) == 1, 'requests keeps the connection for the next call'
    env.client.close_connection()
    wait_for(lambda: established_to(port) == [], timeout=5,
             message='close_connection() to close the pooled connection')
    assert env.client.get_server_time()['serverTime'] > 0  # the client still works afterwards
