"""``hub serve --workers N`` listening sockets: refused ports, one socket per worker."""

from __future__ import annotations

import io
import pickle
import socket
import sys
from multiprocessing.reduction import ForkingPickler

import pytest

from hub.commands.listening import ReusePortSocket, listening_socket
from hub.config import ConfigurationError

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads")


def _sent_to_worker(sock: socket.socket) -> socket.socket:
    """The socket a spawned worker gets: pickled as multiprocessing pickles its arguments."""
    buffer = io.BytesIO()
    ForkingPickler(buffer, pickle.HIGHEST_PROTOCOL).dump(sock)
    received = pickle.loads(buffer.getvalue())
    assert isinstance(received, socket.socket)
    return received


def test_a_port_someone_listens_on_is_refused_with_the_setting_named() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigurationError, match=rf"HUB_PORT.*127\.0\.0\.1:{port}"):
            listening_socket("127.0.0.1", port)


@linux_only
def test_each_worker_unpickles_a_socket_of_its_own_on_the_same_address() -> None:
    supervisor = listening_socket("127.0.0.1", 0)
    assert isinstance(supervisor, ReusePortSocket)
    port = supervisor.getsockname()[1]
    assert port != 0  # port 0 resolved once, in the supervisor
    workers = [_sent_to_worker(supervisor) for _ in range(2)]
    try:
        assert len({supervisor.fileno(), *(w.fileno() for w in workers)}) == 3
        for worker in workers:
            assert worker.getsockname() == ("127.0.0.1", port)
            assert worker.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            worker.listen()  # both listen at once: the kernel shares the port between them
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        for sock in (supervisor, *workers):
            sock.close()


@linux_only
def test_a_second_hub_on_a_port_the_workers_listen_on_is_refused() -> None:
    supervisor = listening_socket("127.0.0.1", 0)
    worker = _sent_to_worker(supervisor)
    try:
        worker.listen()
        with pytest.raises(ConfigurationError, match="HUB_PORT"):
            listening_socket("127.0.0.1", supervisor.getsockname()[1])
    finally:
        worker.close()
        supervisor.close()
