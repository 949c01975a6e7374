"""A local stand-in for ModelScope: the three routes the SDK's snapshot downloads call, on 127.0.0.1.

    GET /api/v1/models/<org>/<name>/repo/files?Revision=master&Recursive=True      the model's file list
    GET /api/v1/datasets/<org>/<name>/repo/tree?Revision=master&Recursive=True&... the dataset's file list
    GET /api/v1/<type>s/<org>/<name>/repo?Revision=master&FilePath=<path>         one file

(modelscope 1.40 / modelscope-hub 0.5: modelscope_hub/_legacy_api.py list_repo_files and get_download_url;
the acceleration probe GET /api/v1/repos/internalAccelerationInfo is answered 404, as outside Alibaba Cloud.)
The SDK before modelscope-hub (1.27, as PAI-DSW's image carries it: modelscope/hub/api.py) asks first

    GET /api/v1/<type>s/<org>/<name>                  whether it exists; a dataset's numeric Id
    GET /api/v1/models/<org>/<name>/revisions         its branches (master)
    GET /api/v1/datasets/<Id>/repo/tree?...           a dataset's file list, by that Id

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
        if len(parts) == 4 and parts[0] == "datasets" and parts[1].isdigit() and parts[2:] == ["repo", "tree"]:
            parts = ["datasets", *self._by_number(int(parts[1])).split("/"), "repo", "tree"]
        if len(parts) < 3 or parts[0] not in ("models", "datasets") or parts[3:4] not in ([], ["repo"], ["revisions"]):
            return 404, b"", "text/plain"
        kind, repo_id = parts[0], f"{parts[1]}/{parts[2]}"
        if repo_id in self.private:
            return 401, json.dumps({"Code": 401, "Message": "login required"}).encode(), "application/json"
        files = self.repos.get((kind, repo_id))
        if files is None:
            return 404, json.dumps({"Code": 404, "Message": "not exist"}).encode(), "application/json"
        if len(parts) == 3:  # the repository's own page
            number = sorted(self.repos).index((kind, repo_id))
            return 200, _ok({"Id": number, "Type": 0, "Path": parts[1], "Name": parts[2]}), "application/json"
        if parts[3] == "revisions":
            branch = {"Revision": "master", "CreatedAt": 0}
            return 200, _ok({"RevisionMap": {"Branches": [branch], "Tags": []}}), "application/json"
        if parts[4:] in (["files"], ["tree"]):
            listing = [
                {"Path": name, "Name": name.rsplit("/", 1)[-1], "Type": "blob", "Size": len(data),
                 "Sha256": hashlib.sha256(data).hexdigest(), "Revision": "master"}
                for name, data in files.items()
            ]  # fmt: skip
            return 200, _ok({"Files": listing}), "application/json"
        wanted = parse_qs(url.query).get("FilePath", [""])[0]
        if wanted in files:
            return 200, files[wanted], "application/octet-stream"
        return 404, b"", "text/plain"

    def _by_number(self, number: int) -> str:
        repos = sorted(self.repos)
        return repos[number][1] if number < len(repos) else "-/-"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _ok(data: dict) -> bytes:
    return json.dumps({"Code": 200, "Success": True, "Data": data}).encode()
