"""Recordings: bytes per call-minute by codec, and uploader throughput vs bare `put_object`.

One run, three parts, all against the real local stack:

1. calls: simulated answered calls recorded by the dialplan's [record] subroutine
   (MixMonitor) in each format; bytes per minute of the real files. The simulated
   agent speaks 1.4 s then is silent, so VBR codecs (Vorbis) look better than on speech.
2. speech: continuous speech (Asterisk's longest core prompts) converted by Asterisk's
   own `file convert` into each format: bytes per minute of talk, the fair comparison.
3. upload: synthetic recordings of each size (MB per round) into a private `weed mini`
   (own ports, temp dir). The bare contenders use the SDK's own client (it hashes every
   body again to sign it); the uploader's client sends its catalogued sha256 as the S3
   checksum instead (storage.VaultClient).
   Each round (median of ROUNDS, interleaved so all contenders see the same store):
   bare minio `put_object` on 1 and on WORKERS threads; bare `put_object` followed by
   `get_object` of the same object on WORKERS threads (the uploader's S3 traffic: its
   read-back is a GET); then the uploader with WORKERS workers (sha256, catalogue row
   before the upload, COMPLIANCE retention, metadata, read-back verification, spool
   delete) over a fresh spool of the same bytes. Prints MB/s of each and the ratios
   uploader / bare put (goal >= 0.8) and uploader / bare put+get, same concurrency.

    .venv/bin/python benchmarks/recordings.py [--calls 2 --talk 20 --sizes-kb 480,1500
                                     --mb 60 --workers 4 --rounds 7 --upload-only]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import struct
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import _root  # noqa: F401  (before any project import: see _root.py)
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.retention import Retention
from sqlalchemy import text

from callcenter import migrate
from callcenter.ami.client import AmiClient
from callcenter.config import Settings, get_settings
from callcenter.db import make_db_engine, make_sessionmaker
from callcenter.simulate.agents import SimAgents
from callcenter.simulate.runner import TRACKED, simulator_ami
from callcenter.stack.asterisk import AsteriskService
from callcenter.stack.s3 import LOOPBACK, S3Service, WeedPorts
from recordings import spool
from recordings.storage import CHUNK, make_minio
from recordings.uploader import Uploader

FORMATS = {"ogg": "Ogg Vorbis", "WAV": "wav49 (GSM in WAV)", "wav": "16-bit WAV (slin)"}
QUEUE = "digital-platforms"
PROMPTS = ("demo-congrats", "demo-instruct", "priv-callee-options", "conf-adminmenu-162")


async def place_calls(ami: AmiClient, sub: Path, fmt: str, *, calls: int, talk: int) -> list[Path]:
    """Answered simulated calls recorded in `fmt` into spool subfolder `sub`."""
    ids = [f"bench-{uuid.uuid4().hex[:8]}" for _ in range(calls)]
    for call_id in ids:
        await ami.action(
            {
                "Action": "Originate", "Channel": f"Local/{QUEUE}@callers",
                "Context": "callerphone", "Exten": "s", "Priority": "1",
                "ChannelId": call_id, "OtherChannelId": f"{call_id}-net",
                "CallerID": '"0800000000" <0800000000>', "Timeout": "30000", "Async": "true",
                "Variable": [
                    "__SIM_CALLER=0800000000", "SIM_TICKS=400", "__RING=1", f"__TALK={talk}",
                    f"__CC_REC_SUB={sub.name}", f"__CC_REC_FORMAT={fmt}",
                ],
            },
            as_list=True,
        )  # fmt: skip
    deadline = time.monotonic() + talk + 90
    wanted = {f"{c}-net" for c in ids}
    while time.monotonic() < deadline:
        done = {i.uniqueid: i.audio_path for i in spool.finished(sub) if i.uniqueid in wanted}
        if len(done) == len(wanted):
            return list(done.values())
        await asyncio.sleep(0.5)
    raise RuntimeError(f"recordings of {fmt} calls did not finish")


async def part_calls(settings: Settings, *, calls: int, talk: int) -> dict[str, float]:
    ami = simulator_ami(settings, event_filter=TRACKED.__contains__)
    await ami.start()
    await ami.wait_connected(15)
    agents = SimAgents(ami=ami, queue=QUEUE)
    await agents.ensure(calls)
    result = {}
    try:
        for fmt in FORMATS:
            sub = settings.spool_path / f"bench{uuid.uuid4().hex[:8]}"
            sub.mkdir()
            try:
                files = await place_calls(ami, sub, fmt, calls=calls, talk=talk)
                size = sum(f.stat().st_size for f in files)
                minutes = sum(spool.duration_s(f) for f in files) / 60
                result[fmt] = size / minutes if minutes else 0.0
            finally:
                shutil.rmtree(sub)
    finally:
        await agents.logout_all()
        await ami.stop()
    return result


def part_speech(settings: Settings) -> dict[str, float]:
    """Asterisk converts continuous speech into each format; bytes per minute of talk."""
    asterisk = AsteriskService(settings)
    tmp = settings.asterisk_root / "tmp"
    sizes = dict.fromkeys(FORMATS, 0)
    seconds = 0.0
    for prompt in PROMPTS:
        source = f"/usr/share/asterisk/sounds/en_US_f_Allison/{prompt}.gsm"
        for fmt in FORMATS:
            asterisk.rx(f"file convert {source} /tmp/bench-{prompt}.{fmt}")
            out = tmp / f"bench-{prompt}.{fmt}"
            sizes[fmt] += out.stat().st_size
            if fmt == "wav":
                seconds += spool.duration_s(out)
            out.unlink()
    return {fmt: size / (seconds / 60) for fmt, size in sizes.items()}


def write_payloads(folder: Path, *, files: int, size: int) -> list[Path]:
    """The audio every contender sends: noise between two Ogg page headers (the last says
    60 s), so the uploader takes it for a recording."""
    folder.mkdir(parents=True, exist_ok=True)
    page = b"OggS\x00\x04" + struct.pack("<q", 8000 * 60)
    paths = [folder / f"payload-{n:04d}.ogg" for n in range(files)]
    for path in paths:
        path.write_bytes(page + os.urandom(size - 28) + page)
    return paths


def link_spool(spool_dir: Path, payloads: list[Path], *, tag: str) -> None:
    """A spool of finished recordings whose audio is (hard links to) the payloads."""
    spool_dir.mkdir(parents=True)
    for n, payload in enumerate(payloads):
        name = f"bench-{tag}-{n:04d}-net"
        os.link(payload, spool_dir / f"{name}.ogg")
        (spool_dir / f"{name}.meta").write_text(
            f"|file={name}.ogg|kind=queue|uniqueid={name}|linkedid=bench-{tag}-{n:04d}"
            f"|queue={QUEUE}|caller=0800000000|started={int(time.time())}|agent=bench"
        )
        (spool_dir / f"{name}.done").touch()


def bare(
    client: Minio, bucket: str, payloads: list[Path], *, workers: int, get: bool, lock: bool
) -> float:
    """Seconds for plain put_object of every file (no hash, no catalogue); with `get`, each
    put is followed by a get_object of the same object, read to the end; with `lock`, the
    put carries COMPLIANCE retention and a (dummy) sha256 metadata header like ours."""
    prefix = f"bare/{uuid.uuid4().hex[:8]}"
    extra: dict[str, Any] = {}
    if lock:
        until = datetime.now(UTC) + timedelta(days=180)
        extra = {"metadata": {"sha256": "0" * 64}, "retention": Retention(COMPLIANCE, until)}

    def one(path: Path) -> None:
        with path.open("rb") as f:
            size = path.stat().st_size
            put = client.put_object(bucket, f"{prefix}/{path.name}", f, size, **extra)
        if get:
            response = client.get_object(bucket, put.object_name, version_id=put.version_id)
            try:
                while response.read(CHUNK):
                    pass
            finally:
                response.close()
                response.release_conn()

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, payloads))
    return time.perf_counter() - start


async def uploader_rounds(
    s3: Settings, payloads: list[Path], *, workers: int, rounds: int, between: Callable[[], None]
) -> list[float]:
    """Seconds of one uploader round over a fresh spool of the payloads, `rounds` times;
    `between()` runs the bare contenders before each round (same process, same files)."""
    engine = make_db_engine(s3.database_url)
    state = payloads[0].parent.parent
    uploader = Uploader(
        s3=make_minio(s3), sessions=make_sessionmaker(engine), spool_dir=state / "empty",
        bucket=s3.s3_bucket, retention_days=s3.retention_days, workers=workers,
    )  # fmt: skip
    (state / "empty").mkdir()
    seconds = []
    try:
        await uploader.run_once()  # the lifecycle rule is set outside the timing
        async with engine.connect() as conn:  # and the pool holds a connection, as in service
            await conn.execute(text("SELECT 1"))
        for n in range(rounds):
            await asyncio.to_thread(between)
            uploader.spool_dir = state / f"spool-{n}"
            link_spool(uploader.spool_dir, payloads, tag=f"{n}")
            start = time.perf_counter()
            verified = await uploader.run_once()
            seconds.append(time.perf_counter() - start)
            assert verified == len(payloads), f"{verified} of {len(payloads)} verified"
    finally:
        await uploader.stop()
        await engine.dispose()
    return seconds


def part_upload(
    settings: Settings, *, files: int, size: int, workers: int, rounds: int
) -> dict[str, float]:
    """MB/s (median of `rounds`) of bare put (1 and N threads), bare put+get (N threads) and
    the uploader (N workers), interleaved round by round on one private weed."""
    with tempfile.TemporaryDirectory(prefix="bench-rec-") as tmp:
        state = Path(tmp)
        (state / "secrets.json").write_text(json.dumps({"s3_sse_kek": secrets.token_hex(32)}))
        db = settings.database_url.rsplit("/", 1)[0] + f"/bench_rec_{uuid.uuid4().hex[:8]}"
        endpoint = f"{LOOPBACK}:{WeedPorts.free_s3_port()}"
        s3 = settings.model_copy(
            update={"state_dir": state, "s3_endpoint": endpoint, "database_url": db}
        )
        weed = S3Service(s3)
        weed.start(timeout_s=60)
        migrate.ensure_database(s3.sync_database_url)
        migrate.upgrade(s3.sync_database_url)
        try:
            payloads = write_payloads(state / "payloads", files=files, size=size)
            client, times = make_minio(s3, client=Minio), defaultdict[str, list[float]](list)

            def between() -> None:
                for name, n, get, lock in (
                    ("put_1", 1, False, False), ("put", workers, False, False),
                    ("put_get", workers, True, False), ("put_get_lock", workers, True, True),
                ):  # fmt: skip
                    seconds = bare(client, s3.s3_bucket, payloads, workers=n, get=get, lock=lock)
                    times[name].append(seconds)

            times["uploader"] = asyncio.run(
                uploader_rounds(s3, payloads, workers=workers, rounds=rounds, between=between)
            )
            total = files * size
            return {"mb": total / 1e6} | {
                name: total / statistics.median(seconds) / 1e6 for name, seconds in times.items()
            }
        finally:
            migrate.drop_database(s3.sync_database_url)
            weed.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2, help="calls per format")
    parser.add_argument("--talk", type=int, default=20, help="talk seconds per call")
    parser.add_argument(
        "--sizes-kb", default="480,1500",
        help="file sizes (kB) to upload, comma-separated: a 2.5-minute and an 8-minute call "
        "in Ogg Vorbis (188 kB per minute of speech)",
    )  # fmt: skip
    parser.add_argument("--mb", type=float, default=60.0, help="MB per contender per round")
    parser.add_argument("--workers", type=int, default=4, help="S3 threads, bare and ours")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median)")
    parser.add_argument("--upload-only", action="store_true", help="skip the codec parts")
    args = parser.parse_args()
    settings = get_settings()
    if not args.upload_only:
        part_codecs(settings, calls=args.calls, talk=args.talk)
    for size_kb in (int(v) for v in args.sizes_kb.split(",")):
        upload(settings, args, size=size_kb * 1000, files=max(4, round(args.mb * 1000 / size_kb)))


def part_codecs(settings: Settings, *, calls: int, talk: int) -> None:
    speech = part_speech(settings)
    per_min = asyncio.run(part_calls(settings, calls=calls, talk=talk))
    print("bytes per call-minute            speech    simulated calls (mostly silence)")
    for fmt, label in FORMATS.items():
        print(f"  {label:<28} {speech[fmt]:>9,.0f}  {per_min[fmt]:>9,.0f}")
    for fmt in ("ogg", "WAV"):
        print(f"  ratio {fmt} / 16-bit wav: speech {speech[fmt] / speech['wav']:.3f}, "
              f"calls {per_min[fmt] / per_min['wav']:.3f}")  # fmt: skip


def upload(settings: Settings, args: argparse.Namespace, *, size: int, files: int) -> None:
    up = part_upload(settings, files=files, size=size, workers=args.workers, rounds=args.rounds)
    n = args.workers
    print(f"upload of {files} files of {size / 1000:.0f} kB, {up['mb']:.1f} MB; "
          f"median of {args.rounds} rounds:")  # fmt: skip
    rows = (
        ("put_1", "bare put_object, 1 thread"),
        ("put", f"bare put_object, {n} threads"),
        ("put_get", f"bare put_object + get_object, {n} threads"),
        ("put_get_lock", f"  same, put with COMPLIANCE lock + meta, {n} threads"),
        ("uploader", f"uploader, {n} workers (hash, catalogue, lock, verify, delete)"),
    )
    for key, label in rows:
        print(f"  {label:<62} {up[key]:8.1f} MB/s")
    ours = up["uploader"]
    print(f"  ratio uploader / bare put ({n} threads):                {ours / up['put']:.2f}"
          " (goal >= 0.8)")  # fmt: skip
    print(
        f"  ratio bare put+get / bare put ({n} threads):            "
        f"{up['put_get'] / up['put']:.2f} (the S3 traffic alone of an uploader that reads back)"
    )
    print(f"  ratio uploader / bare put+get ({n} threads):            {ours / up['put_get']:.2f}"
          " (same S3 traffic: the read-back is a GET)")  # fmt: skip
    print(f"  ratio uploader / bare locked put+get ({n} threads):     "
          f"{ours / up['put_get_lock']:.2f} (plus the store's own cost of the lock)")  # fmt: skip
    print(f"  ratio uploader / bare put (1 thread):                   {ours / up['put_1']:.2f}")


if __name__ == "__main__":
    main()
