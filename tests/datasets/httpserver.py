"""A file server on 127.0.0.1 that misbehaves on request: truncated, corrupted or slow bodies, or dying."""

from __future__ import annotations

import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FileServer:
    def __init__(self, payload: bytes, port: int = 0, name: str = "corpus.bin") -> None:
        self.payload = payload
        self.name = name  # the one file it serves
        self.modes: deque[str] = deque()  # one per coming request; "ok" when empty
        self.requests: list[dict[str, str]] = []
        self._start(port)

    def _start(self, port: int) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                server.requests.append(dict(self.headers))
                if not self.path.endswith(f"/{server.name}"):
                    self.send_error(404)
                    return
                mode = server.modes.popleft() if server.modes else "ok"
                body, status = server.payload, 200
                ranged = self.headers.get("Range")
                if ranged:
                    start = int(ranged.removeprefix("bytes=").split("-")[0])
                    if start >= len(body):
                        self.send_response(416)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    body, status = body[start:], 206
                if mode == "corrupt":
                    body = bytes(b ^ 0xFF for b in body)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode in ("truncate", "die"):
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    if mode == "die":
                        threading.Thread(target=server.stop, daemon=True).start()
                    return
                if mode == "slow":
                    for i in range(0, len(body), 1024):
                        self.wfile.write(body[i : i + 1024])
                        self.wfile.flush()
                        time.sleep(0.02)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str | None = None) -> str:
        return f"http://127.0.0.1:{self.port}/{name or self.name}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def restart(self) -> None:
        self._start(self.port)
