"""HTTP downloads that never leave a partial file at the final path.

Bytes go to `<name>.part` beside the target; an interrupted download resumes from there with a Range
request; the SHA-256 is checked before the file is renamed into place.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import time
from collections.abc import Callable
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from dlenv.errors import FAILED, DlenvError

CHUNK = 1 << 16
Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


class Offline(Exception):
    """No connection to the server at all."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def download(
    url: str,
    target: Path,
    sha256: str,
    *,
    attempts: int = 3,
    timeout: float = 30.0,
    progress: Progress | None = None,
    backoff: float = 0.5,
) -> Path:
    """Fetch `url` to `target`, checked against `sha256`; resume across attempts and across runs.

    Raises Offline when no attempt reached the server, DlenvError when the server did not deliver.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    reason, responded = "no attempt made", False
    for attempt in range(attempts):
        if attempt:
            time.sleep(backoff * 2 ** (attempt - 1))
        try:
            _transfer(url, part, timeout, progress)
        except HTTPError as error:
            responded, reason = True, f"HTTP {error.code} {error.reason}"
            if error.code == 416 and part.exists():  # already have every byte: check them
                pass
            elif error.code in (401, 403, 404, 410):
                break  # asking again will not help
            else:
                continue
        except URLError as error:  # no connection at all: DNS, refused, unreachable
            reason = str(error.reason)
            continue
        except (ConnectionError, TimeoutError, http.client.HTTPException, _Short) as error:
            responded, reason = True, str(error) or type(error).__name__
            continue
        got = sha256_of(part)
        if got == sha256:
            part.replace(target)  # same folder: an atomic rename
            return target
        part.unlink()  # a corrupt body cannot be resumed: start over
        responded, reason = True, f"checksum mismatch: got sha256 {got}, expected {sha256}"
    if not responded:
        raise Offline(reason)
    raise DlenvError(
        f"download of {url} failed after {attempt + 1} attempt(s): {reason}",
        hint="run the command again: it resumes from what was received",
        exit_code=FAILED,
    )


class _Short(Exception):
    """The server closed the connection before sending everything it announced."""


def _transfer(url: str, part: Path, timeout: float, progress: Progress | None) -> None:
    offset = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "dlenv", **({"Range": f"bytes={offset}-"} if offset else {})}
    with urlopen(Request(url, headers=headers), timeout=timeout) as response:
        if offset and response.status != 206:  # the server ignored the Range: start over
            offset = 0
        length = response.headers.get("Content-Length")
        total = offset + int(length) if length is not None else None
        done = offset
        with part.open("ab" if offset else "wb") as f:
            try:
                while chunk := response.read(CHUNK):
                    f.write(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
            except http.client.IncompleteRead as error:
                f.write(error.partial)
                done += len(error.partial)
            finally:
                f.flush()
                os.fsync(f.fileno())
    if total is not None and done < total:
        raise _Short(f"connection closed after {done} of {total} bytes")
