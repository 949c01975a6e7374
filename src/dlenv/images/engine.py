"""The Docker engine, through the Docker SDK for Python (the `docker` package): connect, build, run.

Without an engine dlenv refuses in one line that names where it looked (DOCKER_HOST, else the default
socket), as `nox -s gpu_tests` refuses without a GPU: an image check that cannot run never passes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from dlenv.errors import FAILED, DlenvError
from dlenv.images.expect import Output, image_tag
from dlenv.matrix import Row

# Where the SDK looks: DOCKER_HOST, else the engine's default socket (docker-py docker/constants.py,
# DEFAULT_UNIX_SOCKET; Docker docs "Daemon socket option").
HOST_ENV = "DOCKER_HOST"
DEFAULT_SOCKET = "unix:///var/run/docker.sock"
RUN_TIMEOUT_S = 900  # a smoke run takes seconds; a wedged container must not hold CI for hours


def engine_address(environ: Mapping[str, str]) -> str:
    return environ.get(HOST_ENV) or DEFAULT_SOCKET


def connect(environ: Mapping[str, str] | None = None) -> Any:
    """A docker.DockerClient that has answered a ping, or DlenvError (exit 1) naming the address tried."""
    import docker

    environ = os.environ if environ is None else environ
    address = engine_address(environ)
    source = (
        f"{HOST_ENV}={address}" if environ.get(HOST_ENV) else f"{HOST_ENV} is unset, so the default socket {address}"
    )
    try:
        client = docker.from_env(environment=dict(environ))
        client.ping()
    except docker.errors.DockerException as error:
        reason = " ".join(str(error).split())
        raise DlenvError(
            f"no Docker engine answers ({source}): {reason}",
            hint=f"start Docker, or set {HOST_ENV} to a running engine's socket (`docker context inspect` shows it)",
            exit_code=FAILED,
        ) from None
    return client


# The Dockerfiles' mirror build arguments and the variables they come from, as compose.yaml passes them
# (`dlenv mirror NAME` sets the variables).
MIRROR_BUILD_ARGS = {
    "BASE_REGISTRY": "DLENV_BASE_REGISTRY",
    "PIP_INDEX_URL": "PIP_INDEX_URL",
    "DLENV_TORCH_INDEX": "DLENV_TORCH_INDEX",
}


def mirror_build_args(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The mirror build arguments this environment sets; the Dockerfiles' defaults stand for the rest."""
    environ = os.environ if environ is None else environ
    return {arg: environ[name] for arg, name in MIRROR_BUILD_ARGS.items() if environ.get(name)}


def build_options(row: Row, root: Path) -> dict[str, Any]:
    """The arguments of the SDK's low-level build for the row: its rendered Dockerfile, compose's tag, the mirrors."""
    return {
        "path": str(root),
        "dockerfile": f"docker/{row.name}/Dockerfile",
        "tag": image_tag(row),
        "labels": {"dlenv.row": row.name, "dlenv.torch": row.torch},
        "buildargs": mirror_build_args(),
        "pull": True,  # a base tag NVIDIA rebuilt is picked up, not a stale local copy
        "rm": True,
        "forcerm": True,
        "decode": True,
    }


def build_log(chunks: Iterator[dict[str, Any]], row: Row, log: Callable[[str], None]) -> None:
    """Pass the engine's build stream to `log` line by line; an error chunk stops the build in one line
    (the log above it says why)."""
    for chunk in chunks:
        if "stream" in chunk:
            for line in chunk["stream"].splitlines():
                if line.strip():
                    log(line)
        elif "status" in chunk:  # pulling the base image
            log(" ".join(str(chunk.get(key, "")) for key in ("status", "id", "progress")).strip())
        if "error" in chunk:
            message = " ".join(str(chunk["error"]).split())
            raise DlenvError(f"building {image_tag(row)} failed: {message}", exit_code=FAILED)


def build(client: Any, row: Row, root: Path, log: Callable[[str], None]) -> Any:
    """Build the row's image, streaming its log; returns the docker Image."""
    build_log(client.api.build(**build_options(row, root)), row, log)
    return client.images.get(image_tag(row))


def gpu_requests(gpu: bool) -> list[Any] | None:
    """`docker run --gpus all` in the SDK's words."""
    if not gpu:
        return None
    from docker.types import DeviceRequest

    return [DeviceRequest(count=-1, capabilities=[["gpu"]])]


def run(client: Any, row: Row, command: tuple[str, ...], gpu: bool) -> Output:
    """Run `command` through the image's entrypoint; its exit code, stdout and stderr."""
    container = client.containers.run(
        image_tag(row), list(command), detach=True, device_requests=gpu_requests(gpu), shm_size="2g"
    )
    try:
        status = container.wait(timeout=RUN_TIMEOUT_S)
        stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
        stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
        return Output(int(status["StatusCode"]), stdout, stderr)
    finally:
        container.remove(force=True)
