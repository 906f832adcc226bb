"""Debian's nginx in front of a WSGI server, as deployed: the repository's site template
rendered for a temporary prefix, TLS with a throwaway self-signed certificate, on free
loopback ports. The front-server tests, ``bench/download_load.py`` and
``bench/download_rounds.py`` use it.

nginx never runs as root: under a non-root user it runs as that user; under root it is
started as ``nobody`` in the service's group (the group of the files it reads), which is
what the deployment asks of ``www-data`` (docs/ARCHITECTURE.md, deployment).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "nginx" / "meetingsvc.conf"
HOST = "127.0.0.1"
NOBODY = 65534
_PLACEHOLDER = re.compile(r"@[A-Z_]+@")


def nginx_binary() -> str | None:
    """Debian's nginx, if installed (it lives in /usr/sbin, often not on a user's PATH)."""
    debian = Path("/usr/sbin/nginx")
    return shutil.which("nginx") or (str(debian) if debian.exists() else None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def render_site(values: dict[str, str]) -> str:
    """The repository's template with every ``@NAME@`` replaced; a forgotten one is an error."""
    text = TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    left = sorted(set(_PLACEHOLDER.findall(text)))
    if left:
        raise ValueError(f"placeholders left unfilled: {', '.join(left)}")
    return text


def shared_directory(prefix: str) -> Path:
    """A temporary folder nginx's workers may enter (the service's group: mode 0750)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o750)
    return path


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 made with openssl, and its key."""
    cert, key = directory / "front.pem", directory / "front.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=IP:{HOST}"],
        check=True, capture_output=True, timeout=60)
    return cert, key


@dataclass(frozen=True)
class Front:
    """A running nginx: where to reach it and how to trust it."""

    https_port: int
    http_port: int
    certificate: Path
    prefix: Path

    @property
    def base(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def error_log(self) -> str:
        log = self.prefix / "error.log"
        return log.read_text(errors="replace") if log.exists() else ""


@contextmanager
def nginx_front(upstream: str, blob_dir: Path, x_accel_prefix: str, *, workers: int = 1,
                extra_servers: Callable[[Path, Path], str] | None = None) -> Iterator[Front]:
    """nginx with the repository's site in front of ``upstream`` until the block ends.

    ``extra_servers`` writes more server blocks given the certificate and its key.
    """
    binary = nginx_binary()
    if binary is None:
        raise FileNotFoundError("nginx is not installed (Debian package nginx)")
    prefix = Path(tempfile.mkdtemp(prefix="nginx-front-"))
    try:
        cert, key = self_signed_certificate(prefix)
        https_port, http_port = free_port(), free_port()
        site = render_site({
            "SERVER_NAME": HOST, "HTTPS_PORT": str(https_port), "HTTP_PORT": str(http_port),
            "TLS_CERT": str(cert), "TLS_KEY": str(key), "UPSTREAM": upstream,
            "BLOB_DIR": str(blob_dir), "X_ACCEL_PREFIX": x_accel_prefix})
        (prefix / "meetingsvc.conf").write_text(site, encoding="utf-8")
        temp = "\n".join(f"    {kind}_temp_path {prefix / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (prefix / "nginx.conf").write_text(f"""
worker_processes {workers};
daemon off;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
{temp}
    include {prefix / 'meetingsvc.conf'};
{extra_servers(cert, key) if extra_servers else ""}
}}
""", encoding="utf-8")
        as_nobody: dict[str, object] = {}
        if os.geteuid() == 0:  # never root: nobody, in the group of the files it serves
            shutil.chown(prefix, NOBODY)
            for path in prefix.iterdir():
                shutil.chown(path, NOBODY)
            as_nobody = {"user": NOBODY, "group": blob_dir.stat().st_gid, "extra_groups": []}
        process = subprocess.Popen(  # noqa: S603 - our own binary and configuration
            [binary, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
             "-e", str(prefix / "error.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **as_nobody)  # type: ignore[call-overload]
        front = Front(https_port, http_port, cert, prefix)
        try:
            _wait_for_port(https_port, process, front)
            yield front
        finally:
            process.terminate()
            process.wait(30)
            if process.stderr is not None:
                process.stderr.close()
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], front: Front) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
            raise RuntimeError(f"nginx stopped: {stderr} {front.error_log()}")
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on {port}: {front.error_log()}")


@contextmanager
def wsgi_server(app: Flask) -> Iterator[str]:
    """The app under werkzeug's threaded WSGI server on a free loopback port: ``host:port``."""
    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{HOST}:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(30)
        server.server_close()
