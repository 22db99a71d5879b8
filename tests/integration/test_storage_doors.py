"""Only the S3 port, with the keys, serves stored objects; every other door of the store
refuses another local user (here: the OS user `nobody`).

A private `weed mini` started like the stack's (same code, same environment) holds one
recording; `nobody` tries the filer (the object, its folder), the volume server (a file id
the master hands out), S3 without keys, the gRPC ports without the client certificate, and
the certificate's key file.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import urllib.request
from pathlib import Path

import pytest

from callcenter.config import Settings
from recordings import storage
from tests.integration.recordings_support import ogg_like, own_weed

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.geteuid() != 0 or not shutil.which("runuser") or not shutil.which("curl"),
        reason="needs root (runuser) and curl",
    ),
]

KEY = "calls/2026/12/07/doors/doors-net.ogg"


def _curl_as_nobody(url: str) -> tuple[int, bytes]:
    out = subprocess.run(
        ["runuser", "-u", "nobody", "--", "curl", "-s", "-m", "5", "-o", "-",
         "-w", "\n%{http_code}", url],
        capture_output=True, timeout=30, cwd="/",
    )  # fmt: skip
    body, _, code = out.stdout.rpartition(b"\n")
    return int(code or 0), body


def _grpc_without_certificate(port: int) -> str:
    """What a TLS client without a certificate gets from a gRPC port."""
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            ctx.wrap_socket(raw) as tls,
        ):
            tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
            data = tls.recv(64)
            return f"answered {data!r}"
    except (ssl.SSLError, ConnectionError, OSError) as exc:
        return f"refused: {exc}"


def test_every_door_but_s3_with_keys_refuses_another_user(
    settings: Settings, tmp_path: Path
) -> None:
    with own_weed(settings, tmp_path / "weed") as (own, service):
        service.ensure_bucket()
        client = storage.make_minio(own)
        recording = ogg_like(100_000)
        client.put_object(own.s3_bucket, KEY, io.BytesIO(recording), len(recording))
        ports = service.ports

        # with the keys, through S3: the recording
        response = client.get_object(own.s3_bucket, KEY)
        try:
            assert response.read() == recording
        finally:
            response.close()
            response.release_conn()

        # the filer: neither the object nor its folder's listing
        for path in (f"/buckets/{own.s3_bucket}/{KEY}", f"/buckets/{own.s3_bucket}/calls/"):
            code, body = _curl_as_nobody(f"http://127.0.0.1:{ports.filer}{path}")
            assert code == 401, (path, code, body[:200])
            assert b"OggS" not in body and b"doors" not in body
        # the volume server: a file id from the master is refused without the master's JWT
        with urllib.request.urlopen(f"http://127.0.0.1:{ports.master}/dir/assign") as r:
            assigned = json.load(r)
        assert "auth" not in assigned  # nobody gets a write token by asking
        code, body = _curl_as_nobody(f"http://{assigned['url']}/{assigned['fid']}")
        assert code == 401, (code, body[:200])
        # S3 without keys
        code, body = _curl_as_nobody(f"http://127.0.0.1:{ports.s3}/{own.s3_bucket}/{KEY}")
        assert code == 403 and b"OggS" not in body, (code, body[:200])
        # gRPC (master, volume, filer, S3): mutual TLS, no certificate, no service
        for port in (ports.master, ports.volume, ports.filer, ports.s3):
            assert "certificate required" in _grpc_without_certificate(port + 10000), port
        # and the certificate's key is the stack user's alone
        key_file = tmp_path / "weed" / "s3" / "tls" / "weed.key"
        assert key_file.is_file() and key_file.stat().st_mode & 0o077 == 0
        read = subprocess.run(
            ["runuser", "-u", "nobody", "--", "cat", str(key_file)],
            capture_output=True, timeout=30, cwd="/",
        )  # fmt: skip
        assert read.returncode != 0 and b"PRIVATE" not in read.stdout
