"""A package mirror on 127.0.0.1 for the tests: PyPI's simple API (PEP 503) at /simple/ and, like
mirrors.aliyun.com/pytorch-wheels, one flat page of wheel links per PyTorch build at /pytorch-wheels/<build>/.
It records the path of every request it gets."""

from __future__ import annotations

import html
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote


def project(wheel: Path) -> str:
    """A wheel's project name, normalised as PEP 503 says."""
    return re.sub(r"[-_.]+", "-", wheel.name.split("-")[0]).lower()


def links(hrefs: list[str]) -> bytes:
    body = "".join(f'<a href="{html.escape(h)}">{html.escape(h.rsplit("/", 1)[-1])}</a><br>\n' for h in hrefs)
    return f"<!DOCTYPE html>\n<html><body>\n{body}</body></html>\n".encode()


class IndexServer:
    def __init__(self, simple: Path, builds: dict[str, Path]) -> None:
        self.simple = simple  # wheels PyPI's mirror serves
        self.builds = builds  # build ('cpu', 'cu118') -> wheels PyTorch's mirror serves for it
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                body = self.answer()
                if body is not None:
                    self.wfile.write(body)

            def do_HEAD(self):  # uv asks whether a wheel's server takes range requests
                self.answer()

            def answer(self) -> bytes | None:
                server.requests.append(unquote(self.path))  # pip asks for torch-2.13.0%2Bcpu-...
                body = server.page(unquote(self.path.split("?")[0]))
                if body is None:
                    self.send_error(404)
                    return None
                self.send_response(200)
                self.send_header("Content-Type", "text/html" if not self.path.endswith(".whl") else "application/zip")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return body

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def page(self, path: str) -> bytes | None:
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["simple"]:
            wheels = sorted(self.simple.glob("*.whl"))
            if len(parts) == 1:
                return links(sorted({f"/simple/{project(w)}/" for w in wheels}))
            if len(parts) == 2:
                found = [f"/files/simple/{w.name}" for w in wheels if project(w) == parts[1]]
                return links(found) if found else None
            return None
        if parts[:1] == ["pytorch-wheels"] and len(parts) == 2 and parts[1] in self.builds:
            return links([f"/files/{parts[1]}/{w.name}" for w in sorted(self.builds[parts[1]].glob("*.whl"))])
        if parts[:1] == ["files"] and len(parts) == 3:
            folder = self.simple if parts[1] == "simple" else self.builds.get(parts[1])
            if folder is not None and (folder / parts[2]).is_file():
                return (folder / parts[2]).read_bytes()
        return None

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
