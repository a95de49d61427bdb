"""A TCP proxy on loopback that can cut a connection in the middle of a server's answer:
the network dropping between the app and a service, as the app sees it."""

from __future__ import annotations

import contextlib
import re
import socket
import threading

from soprovod.tickets.tests.conftest import free_port


class CuttingProxy:
    """Forwards 127.0.0.1:``port`` to ``upstream``. ``cut_after(command, nth, budget)``:
    after the client sends ``command`` the ``nth`` time (counting across connections), only
    ``budget`` more bytes of the server's answer reach the client, then both sides of that
    connection are closed."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self._listener = socket.create_server(("127.0.0.1", self.port))
        self._lock = threading.Lock()
        self._rule: tuple[re.Pattern, int, int] | None = None
        self._seen = 0
        self.cuts = 0
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut_after(self, command: bytes, nth: int = 1, budget: int = 0) -> None:
        with self._lock:
            self._rule = (re.compile(re.escape(command), re.IGNORECASE), nth, budget)
            self._seen = 0

    def pass_through(self) -> None:
        with self._lock:
            self._rule = None

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            state = {"budget": None}  # bytes of the answer still let through, once armed
            threading.Thread(target=self._up, args=(client, server, state), daemon=True).start()
            threading.Thread(target=self._down, args=(server, client, state), daemon=True).start()

    def _up(self, client: socket.socket, server: socket.socket, state: dict) -> None:
        while data := self._recv(client):
            with self._lock:
                if self._rule is not None and state["budget"] is None:
                    pattern, nth, budget = self._rule
                    self._seen += len(pattern.findall(data))
                    if self._seen >= nth:
                        state["budget"] = budget
                        self._rule = None
            try:
                server.sendall(data)
            except OSError:
                break
        self._shut(client, server)

    def _down(self, server: socket.socket, client: socket.socket, state: dict) -> None:
        while data := self._recv(server):
            budget = state["budget"]
            if budget is not None:
                with contextlib.suppress(OSError):
                    client.sendall(data[:budget])
                state["budget"] = budget - len(data[:budget])
                if state["budget"] <= 0:
                    self.cuts += 1
                    break
                continue
            try:
                client.sendall(data)
            except OSError:
                break
        self._shut(client, server)

    @staticmethod
    def _recv(sock: socket.socket) -> bytes:
        try:
            return sock.recv(65536)
        except OSError:
            return b""

    @staticmethod
    def _shut(*socks: socket.socket) -> None:
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
