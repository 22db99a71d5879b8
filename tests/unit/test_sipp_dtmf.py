"""The DTMF pcaps SIPp replays for the carrier-trunk callers (callcenter/simulate/sipp.py)."""

from __future__ import annotations

import struct
from pathlib import Path

from callcenter.simulate.sipp import KEYS, dtmf_pcap, write_dtmf_pcaps, write_injection


def _rtp(pcap: bytes) -> list[tuple[int, int, int, int, bool]]:
    """(payload type, sequence, timestamp, event, end) of each packet."""
    out, off = [], 24
    while off < len(pcap):
        incl = struct.unpack("<IIII", pcap[off : off + 16])[2]
        rtp = pcap[off + 16 + 42 : off + 16 + incl]
        off += 16 + incl
        _, pt, seq, ts = struct.unpack(">BBHI", rtp[:8])
        event, flags = rtp[12], rtp[13]
        out.append((pt & 0x7F, seq, ts, event, bool(flags & 0x80)))
    return out


def test_a_key_is_one_rfc4733_event_with_its_end_sent_three_times() -> None:
    packets = _rtp(dtmf_pcap("3", 1))
    assert {p[0] for p in packets} == {101}
    assert {p[3] for p in packets} == {3}
    assert len({p[2] for p in packets}) == 1, "one event: one timestamp"
    assert [p[4] for p in packets] == [False] * 8 + [True] * 3
    assert [p[1] for p in packets] == sorted(p[1] for p in packets)


def test_a_later_key_of_a_call_never_goes_back_in_rtp() -> None:
    """9 then 3 (English, then cyber threats): the second key's sequence and timestamp come
    after the first's, whatever the keys (Asterisk drops an older event)."""
    for first in KEYS:
        for second in KEYS:
            a, b = _rtp(dtmf_pcap(first, 1)), _rtp(dtmf_pcap(second, 2))
            assert b[0][1] > a[-1][1] and b[0][2] > a[-1][2]


def test_files_for_every_slot_and_key_and_the_callers(tmp_path: Path) -> None:
    folder = write_dtmf_pcaps(tmp_path)
    assert (folder / "1-star.pcap").is_file() and (folder / "4-pound.pcap").is_file()
    path = write_injection(tmp_path / "c.csv", [("0812345678", "cc-ivr-x"), ("0899", "")])
    assert path.read_text() == "SEQUENTIAL\n0812345678;cc-ivr-x;\n0899;;\n"
