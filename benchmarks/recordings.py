"""Recordings: bytes per call-minute by codec, and uploader throughput vs bare `put_object`.

One run, three parts, all against the real local stack:

1. calls: simulated answered calls recorded by the dialplan's [record] subroutine
   (MixMonitor) in each format; bytes per minute of the real files. The simulated
   agent speaks 1.4 s then is silent, so VBR codecs (Vorbis) look better than on speech.
2. speech: continuous speech (Asterisk's longest core prompts) converted by Asterisk's
   own `file convert` into each format: bytes per minute of talk, the fair comparison.
3. upload: FILES synthetic recordings into a private `weed mini` (own ports, temp dir):
   bare minio `put_object` of the files (same thread count), then the uploader (sha256,
   COMPLIANCE retention, metadata, DB catalogue, read-back verification, spool delete).
   Prints MB/s of each and the ratio uploader / bare (goal >= 0.8).

    .venv/bin/python benchmarks/recordings.py [--calls 2 --talk 20 --files 60 --size-kb 480]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import struct
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import _root  # noqa: F401  (before any project import: see _root.py)

from callcenter import migrate
from callcenter.ami.client import AmiClient
from callcenter.config import Settings, get_settings
from callcenter.db import make_engine, make_sessionmaker
from callcenter.simulate.agents import SimAgents
from callcenter.simulate.runner import TRACKED, simulator_ami
from callcenter.stack import procs
from callcenter.stack.asterisk import AsteriskService
from callcenter.stack.s3 import LOOPBACK, S3Service, WeedPorts
from recordings import spool
from recordings.storage import make_minio
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


def free_weed_port() -> int:
    for _ in range(200):
        port = random.randint(21000, 29000)
        if all(
            procs.port_free(host=LOOPBACK, port=p, proto="tcp")
            for p in WeedPorts.for_s3(port).all()
        ):
            return port
    raise RuntimeError("no free port family for a private weed")


def write_spool(spool_dir: Path, *, files: int, size: int) -> int:
    spool_dir.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        name = f"bench-{n:04d}-net"
        # noise between two Ogg page headers (the last says 60 s): the uploader takes it for audio
        page = b"OggS\x00\x04" + struct.pack("<q", 8000 * 60)
        audio = page + os.urandom(size - 28) + page
        (spool_dir / f"{name}.ogg").write_bytes(audio)
        (spool_dir / f"{name}.meta").write_text(
            f"|file={name}.ogg|kind=queue|uniqueid={name}|linkedid=bench-{n:04d}"
            f"|queue={QUEUE}|caller=0800000000|started={int(time.time())}|agent=bench"
        )
        (spool_dir / f"{name}.done").touch()
    return files * size


def bare_put(s3: Settings, spool_dir: Path, *, workers: int) -> float:
    """Seconds for plain put_object of every spool file (no hash, no lock, no check)."""
    client = make_minio(s3)
    paths = sorted(spool_dir.glob("*.ogg"))

    def put(path: Path) -> None:
        with path.open("rb") as f:
            client.put_object(s3.s3_bucket, f"bare/{path.name}", f, path.stat().st_size)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(put, paths))
    return time.perf_counter() - start


async def uploader_run(s3: Settings, spool_dir: Path, *, workers: int) -> tuple[float, int]:
    engine = make_engine(s3.database_url)
    empty = spool_dir.with_name("empty")
    empty.mkdir()
    uploader = Uploader(
        s3=make_minio(s3), sessions=make_sessionmaker(engine), spool_dir=empty,
        bucket=s3.s3_bucket, retention_days=s3.retention_days, workers=workers,
    )  # fmt: skip
    try:
        await uploader.run_once()  # the lifecycle rule is set outside the timing
        uploader.spool_dir = spool_dir
        start = time.perf_counter()
        verified = await uploader.run_once()
        return time.perf_counter() - start, verified
    finally:
        await engine.dispose()


def part_upload(settings: Settings, *, files: int, size: int, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-rec-") as tmp:
        state = Path(tmp)
        (state / "secrets.json").write_text(json.dumps({"s3_sse_kek": secrets.token_hex(32)}))
        db = settings.database_url.rsplit("/", 1)[0] + f"/bench_rec_{uuid.uuid4().hex[:8]}"
        s3 = settings.model_copy(update={
            "state_dir": state, "s3_endpoint": f"{LOOPBACK}:{free_weed_port()}", "database_url": db,
        })  # fmt: skip
        weed = S3Service(s3)
        weed.start(timeout_s=60)
        migrate.ensure_database(s3.sync_database_url)
        migrate.upgrade(s3.sync_database_url)
        try:
            total = write_spool(state / "spool", files=files, size=size)
            bare_1 = bare_put(s3, state / "spool", workers=1)
            bare_n = bare_put(s3, state / "spool", workers=workers)
            seconds, verified = asyncio.run(uploader_run(s3, state / "spool", workers=workers))
            assert verified == files, f"{verified} of {files} verified"
            return {"mb": total / 1e6, "bare_1": total / bare_1 / 1e6,
                    "bare_n": total / bare_n / 1e6, "uploader": total / seconds / 1e6}  # fmt: skip
        finally:
            migrate.drop_database(s3.sync_database_url)
            weed.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2, help="calls per format")
    parser.add_argument("--talk", type=int, default=20, help="talk seconds per call")
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--size-kb", type=int, default=480, help="≈ an 8-minute Vorbis call")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    settings = get_settings()

    speech = part_speech(settings)
    calls = asyncio.run(part_calls(settings, calls=args.calls, talk=args.talk))
    print("bytes per call-minute            speech    simulated calls (mostly silence)")
    for fmt, label in FORMATS.items():
        print(f"  {label:<28} {speech[fmt]:>9,.0f}  {calls[fmt]:>9,.0f}")
    for fmt in ("ogg", "WAV"):
        print(f"  ratio {fmt} / 16-bit wav: speech {speech[fmt] / speech['wav']:.3f}, "
              f"calls {calls[fmt] / calls['wav']:.3f}")  # fmt: skip

    up = part_upload(settings, files=args.files, size=args.size_kb * 1000, workers=args.workers)
    print(f"upload of {args.files} files, {up['mb']:.1f} MB, {args.workers} threads:")
    print(f"  bare put_object, 1 thread       {up['bare_1']:8.1f} MB/s")
    print(f"  bare put_object, {args.workers} threads      {up['bare_n']:8.1f} MB/s")
    print(f"  uploader (hash, lock, verify)   {up['uploader']:8.1f} MB/s")
    print(f"  ratio uploader / bare ({args.workers} threads): {up['uploader'] / up['bare_n']:.2f} "
          f"(goal >= 0.8); vs bare 1 thread: {up['uploader'] / up['bare_1']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
