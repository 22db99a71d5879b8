"""Callers over real SIP: SIPp (Debian's `sip-tester`) through the carrier trunk (ivr.toml [trunk]).

One `place()` runs one SIPp process with one scenario (XML, tests/fixtures/sipp/) for `calls`
calls at `rate` calls/s to the trunk's number. Each call takes its caller number and the Stasis
app to ask for (X-CC-Test-App; empty: the centre's own) from an injection file. SIPp binds
127.0.0.1 only (signalling, media and its control socket).
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import shutil
import socket
import struct
from dataclasses import dataclass, field
from pathlib import Path

SIPP = "sipp"
LOOPBACK = "127.0.0.1"
DTMF_DIR = "dtmf"  # scenarios play `dtmf/<slot>-<key>.pcap` (made in the run's folder)
DTMF_SLOTS = 24  # keys per call (a case number and #): each slot's RTP runs on from the last
KEYS = "0123456789*#"


class SippMissing(RuntimeError):
    """sipp is not installed (scripts/bootstrap.sh installs Debian's sip-tester)."""


@dataclass
class SippResult:
    returncode: int
    successful: int
    failed: int
    stdout: str
    errors: str = ""
    stats: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.failed == 0


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def _free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


def dtmf_pcap(key: str, slot: int) -> bytes:
    """A pcap of one RFC 4733 key press (telephone-event, payload type 101): 8 packets of 20 ms
    and the end packet three times. sip-tester ships such pcaps, but all of one call: replayed
    one after another their RTP sequence and timestamp can go backwards, and Asterisk drops
    the later key as an old one. Slot n of a call starts after slot n-1 ended."""
    event = KEYS.index(key)
    seq0, ts, ssrc = 1 + slot * 100, 16000 * (slot + 1), 0x1212
    packets = []
    for i in range(11):
        end = i >= 8
        duration = 160 * min(i + 1, 8)
        rtp = struct.pack(
            ">BBHII", 0x80, (0x80 if i == 0 else 0) | 101, seq0 + i, ts, ssrc
        ) + struct.pack(">BBH", event, (0x80 if end else 0) | 10, duration)
        udp = struct.pack(">HHHH", 6000, 6000, 8 + len(rtp), 0) + rtp
        ip = struct.pack(
            ">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
            socket.inet_aton(LOOPBACK), socket.inet_aton(LOOPBACK),
        ) + udp  # fmt: skip
        frame = b"\x00" * 12 + b"\x08\x00" + ip
        at_us = (i if i < 8 else 7) * 20000 + (i - 7 if end else 0) * 1000
        packets.append(struct.pack("<IIII", at_us // 1_000_000, at_us % 1_000_000,
                                   len(frame), len(frame)) + frame)  # fmt: skip
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    return header + b"".join(packets)


def write_dtmf_pcaps(folder: Path) -> Path:
    """Every key in every slot: `<folder>/dtmf/<slot>-<key>.pcap` (slot 1..24; '*' is 'star',
    '#' is 'pound' in the name)."""
    out = folder / DTMF_DIR
    out.mkdir(parents=True, exist_ok=True)
    for slot in range(1, DTMF_SLOTS + 1):
        for key in KEYS:
            name = {"*": "star", "#": "pound"}.get(key, key)
            (out / f"{slot}-{name}.pcap").write_bytes(dtmf_pcap(key, slot))
    return out


def write_injection(path: Path, callers: list[tuple[str, str]]) -> Path:
    """SIPp's injection file: field0 = caller number, field1 = Stasis app (may be empty)."""
    with path.open("w", newline="") as fh:
        fh.write("SEQUENTIAL\n")
        writer = csv.writer(fh, delimiter=";", lineterminator=";\n")
        for number, app in callers:
            writer.writerow([number, app])
    return path


def command(
    scenario: Path,
    *,
    injection: Path,
    calls: int,
    rate: float,
    target: str,
    number: str,
    sip_port: int,
    media_port: int,
    control_port: int,
    workdir: Path,
    timeout_s: float,
) -> list[str]:
    return [
        SIPP, target,
        "-sf", str(scenario.resolve()),
        "-inf", str(injection),
        "-s", number,
        "-m", str(calls),
        "-r", f"{rate:g}", "-rp", "1000",
        "-l", str(max(calls, 1)),
        "-i", LOOPBACK, "-p", str(sip_port),
        "-mi", LOOPBACK, "-mp", str(media_port),
        "-cp", str(control_port),
        "-timeout", f"{int(timeout_s)}s",
        "-nostdin", "-trace_err", "-trace_stat", "-fd", "1",
        "-stf", str(workdir / "stats.csv"),
        "-error_file", str(workdir / "errors.log"),
    ]  # fmt: skip


async def place(
    scenario: Path,
    *,
    callers: list[tuple[str, str]],
    workdir: Path,
    rate: float = 1.0,
    target: str = f"{LOOPBACK}:5060",
    number: str = "1212",
    timeout_s: float = 180.0,
) -> SippResult:
    """Run SIPp: one call per entry of `callers` (number, Stasis app); wait for all to end."""
    if shutil.which(SIPP) is None:
        raise SippMissing("sipp is not installed: run scripts/bootstrap.sh (Debian sip-tester)")
    await asyncio.to_thread(workdir.mkdir, parents=True, exist_ok=True)
    injection = await asyncio.to_thread(write_injection, workdir / "callers.csv", callers)
    await asyncio.to_thread(write_dtmf_pcaps, workdir)
    args = command(
        scenario, injection=injection, calls=len(callers), rate=rate, target=target,
        number=number, sip_port=_free_udp_port(), media_port=_free_udp_port(),
        control_port=_free_tcp_port(), workdir=workdir, timeout_s=timeout_s,
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        *args,
        cwd=workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=timeout_s + 30)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    return await asyncio.to_thread(_result, proc.returncode or 0, out, workdir)


def _result(returncode: int, out: bytes, workdir: Path) -> SippResult:
    stats = _last_stats(workdir / "stats.csv")
    errors = workdir / "errors.log"
    return SippResult(
        returncode=returncode,
        successful=int(stats.get("SuccessfulCall(C)", 0) or 0),
        failed=int(stats.get("FailedCall(C)", 0) or 0),
        stdout=out.decode(errors="replace")[-4000:],
        errors=errors.read_text(errors="replace")[-4000:] if errors.is_file() else "",
        stats=stats,
    )


def _last_stats(path: Path) -> dict[str, str]:
    """The last row of SIPp's statistics file (-trace_stat, ';'-separated)."""
    if not path.is_file():
        return {}
    rows = [line.rstrip(";\n").split(";") for line in path.read_text().splitlines() if line]
    if len(rows) < 2:
        return {}
    return dict(zip(rows[0], rows[-1], strict=False))
