"""A pass-through TCP proxy in front of the Stripe emulator that can freeze it at a chosen request.

Armed with a request line (b"POST /v1/charges"), it forwards the first request that starts with
it, then stops the emulator (SIGSTOP): the request is in the emulator's hands, its answer is not
coming. That is the campaign's worst moment, caught every time instead of by chance.
"""

import signal
import socket
import threading
from collections.abc import Callable


class FreezingProxy:
    def __init__(self, target_port: int, freeze: Callable[[], None]):
        self.target_port = target_port
        self.freeze = freeze
        self.armed: bytes | None = None
        self.frozen = threading.Event()
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, request_line: bytes) -> None:
        """Freeze the emulator right after forwarding the next request that starts with `request_line`."""
        self.frozen.clear()
        self.armed = request_line

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, requests: bool) -> None:
        try:
            while chunk := source.recv(65536):
                target.sendall(chunk)
                if requests and self.armed is not None and chunk.startswith(self.armed):
                    with self._lock:
                        if self.armed is not None:
                            self.armed = None
                            self.freeze()
                            self.frozen.set()
        except OSError:
            pass
        finally:
            for end in (source, target):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self._server.close()


def freezer(process) -> Callable[[], None]:
    return lambda: process.send_signal(signal.SIGSTOP)
