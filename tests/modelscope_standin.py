"""A local stand-in for ModelScope: the three routes the SDK's snapshot downloads call, on 127.0.0.1.

    GET /api/v1/models/<org>/<name>/repo/files?Revision=master&Recursive=True      the model's file list
    GET /api/v1/datasets/<org>/<name>/repo/tree?Revision=master&Recursive=True&... the dataset's file list
    GET /api/v1/<type>s/<org>/<name>/repo?Revision=master&FilePath=<path>         one file

(modelscope 1.40 / modelscope-hub 0.5: modelscope_hub/_legacy_api.py list_repo_files and get_download_url;
the acceleration probe GET /api/v1/repos/internalAccelerationInfo is answered 404, as outside Alibaba Cloud.)
A repository not in `repos` is a 404; one in `private` a 401, as ModelScope answers without a token.
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class ModelScopeStandIn:
    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], dict[str, bytes]] = {}  # (models|datasets, org/name) -> files
        self.private: set[str] = set()
        self.requests: list[str] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                standin.requests.append(self.path)
                status, body, kind = standin.answer(self.path)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def add(self, kind: str, repo_id: str, files: dict[str, bytes]) -> None:
        self.repos[(kind, repo_id)] = files

    def answer(self, path: str) -> tuple[int, bytes, str]:
        url = urlsplit(path)
        parts = url.path.removeprefix("/api/v1/").split("/")
        if len(parts) < 4 or parts[3] != "repo":
            return 404, b"", "text/plain"
        kind, repo_id = parts[0], f"{parts[1]}/{parts[2]}"
        if repo_id in self.private:
            return 401, json.dumps({"Code": 401, "Message": "login required"}).encode(), "application/json"
        files = self.repos.get((kind, repo_id))
        if files is None:
            return 404, json.dumps({"Code": 404, "Message": "not exist"}).encode(), "application/json"
        if parts[4:] in (["files"], ["tree"]):
            listing = [
                {"Path": name, "Name": name.rsplit("/", 1)[-1], "Type": "blob", "Size": len(data),
                 "Sha256": hashlib.sha256(data).hexdigest()}
                for name, data in files.items()
            ]  # fmt: skip
            return (
                200,
                json.dumps({"Code": 200, "Success": True, "Data": {"Files": listing}}).encode(),
                "application/json",
            )
        wanted = parse_qs(url.query).get("FilePath", [""])[0]
        if wanted in files:
            return 200, files[wanted], "application/octet-stream"
        return 404, b"", "text/plain"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
