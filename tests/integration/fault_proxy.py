"""A loopback TCP proxy that injects network faults between a client and a database.

``FaultProxy(target_port)`` listens on a free 127.0.0.1 port and forwards every
connection to ``127.0.0.1:target_port``. Its ``mode`` can change at any time:

- ``"pass"``: forward both ways;
- ``"blackhole"``: stop forwarding and stop reading, keeping every socket
  open, as a silent network does (the client hears nothing, not even a reset;
  once the proxy's buffers are full, its writes stall too);
- ``"reset"``: close every connection abruptly (RST), and each new one at once;
- ``"delay"``: forward, but hold each chunk ``delay`` seconds first.

``requests`` counts the client's requests as the wire shows them: each run of bytes a
client sends after it last heard from the server (or first) is one, however many
statements it holds or segments it spans. A request the client awaits is a round trip.

``drop_one()`` closes a single connection, picked at random, with a reset,
leaving the others alone. A server that refuses connections (it is
restarting) gets each new client connection reset. ``faults`` counts what was
injected, by kind. It only ever touches the sockets it made, and ``close()``
ends it all.
"""

from __future__ import annotations

import contextlib
import random
import selectors
import socket
import struct
import threading
import time

MODES = ("pass", "blackhole", "reset", "delay")
#: Bytes the proxy buffers per socket while it does not read: small, so writes stall soon.
BLACKHOLE_BUFFER = 4096


class FaultProxy:
    """Forwards 127.0.0.1:``port`` to 127.0.0.1:``target_port``; see the module docstring."""

    def __init__(self, target_port: int, *, delay: float = 0.5) -> None:
        self.target_port = target_port
        self.delay = delay
        self.mode = "pass"
        self._listener = socket.socket()
        # Accepted sockets inherit small buffers, so a blackhole soon stops the sender too.
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BLACKHOLE_BUFFER)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self.port: int = self._listener.getsockname()[1]
        self._peers: dict[socket.socket, socket.socket] = {}
        self._lock = threading.Lock()
        self._closed = False
        #: Faults injected so far, by kind (``set_mode`` and ``drop_one`` count them).
        self.faults: dict[str, int] = {}
        #: Requests clients sent (see the module docstring), counted before forwarding.
        self.requests = 0
        #: The client side of each connection, and whether it sent last.
        self._client_sent_last: dict[socket.socket, bool] = {}
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._listener, selectors.EVENT_READ)
        self._thread = threading.Thread(target=self._run, name="fault-proxy", daemon=True)
        self._thread.start()

    def set_mode(self, mode: str) -> None:
        """Switch to ``mode`` (one of MODES); ``"reset"`` drops every open connection now."""
        if mode not in MODES:
            raise ValueError(f"unknown fault proxy mode {mode!r}; use one of {MODES}")
        self.mode = mode
        if mode != "pass":
            self.faults[mode] = self.faults.get(mode, 0) + 1
        if mode == "reset":
            with self._lock:
                sockets = list(self._peers)
            for sock in sockets:
                self._drop(sock)

    def drop_one(self) -> bool:
        """Reset one open connection picked at random; False when none was open."""
        with self._lock:
            sockets = list(self._peers)
        if not sockets:
            return False
        self.faults["drop"] = self.faults.get("drop", 0) + 1
        self._drop(random.choice(sockets))
        return True

    def close(self) -> None:
        """Stop the proxy and close every socket it made."""
        self._closed = True
        self._thread.join(5)
        with self._lock:
            sockets = list(self._peers)
        for sock in sockets:
            self._drop(sock)
        self._selector.close()
        self._listener.close()

    def _run(self) -> None:
        while not self._closed:
            try:
                ready = self._selector.select(timeout=0.05)
            except (OSError, ValueError):  # a socket closed by another thread meanwhile
                continue
            for key, _ in ready:
                sock = key.fileobj
                assert isinstance(sock, socket.socket)
                if sock is self._listener:
                    self._accept()
                elif self.mode == "blackhole":
                    time.sleep(0.01)  # read nothing: let the kernel buffers fill
                else:
                    self._forward(sock)

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        if self.mode == "reset":
            _abort(client)
            return
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BLACKHOLE_BUFFER)
        server.settimeout(5)
        try:
            server.connect(("127.0.0.1", self.target_port))
        except OSError:  # the server is down: the client sees its connection reset
            _abort(server)
            _abort(client)
            return
        server.settimeout(None)
        with self._lock:
            self._peers[client], self._peers[server] = server, client
            self._client_sent_last[client] = False
        self._selector.register(client, selectors.EVENT_READ)
        self._selector.register(server, selectors.EVENT_READ)

    def _forward(self, sock: socket.socket) -> None:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            self._drop(sock)
            return
        if self.mode == "delay":
            time.sleep(self.delay)
        peer = self._peers.get(sock)
        if peer is None:
            return
        if sock in self._client_sent_last:
            if not self._client_sent_last[sock]:
                self.requests += 1
            self._client_sent_last[sock] = True
        elif peer in self._client_sent_last:
            self._client_sent_last[peer] = False
        try:
            peer.sendall(data)
        except OSError:
            self._drop(sock)

    def _drop(self, sock: socket.socket) -> None:
        """Close ``sock`` and its peer with a reset."""
        with self._lock:
            peer = self._peers.pop(sock, None)
            if peer is not None:
                self._peers.pop(peer, None)
            self._client_sent_last.pop(sock, None)
            if peer is not None:
                self._client_sent_last.pop(peer, None)
        for item in (sock, peer):
            if item is None:
                continue
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(item)
            _abort(item)


def _abort(sock: socket.socket) -> None:
    """Close with RST rather than FIN (SO_LINGER 0), as a reset network does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()
