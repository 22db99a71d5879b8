"""AMI wire format at the edge: event blocks become plain dicts, most are never parsed.

panoramisk's `Message` (a case-insensitive dict built header by header) is the most
expensive step of reading AMI, and most events are not the centre's (RTCP, Newstate,
...). `WireProtocol` hands an event's raw block and name to the client, which turns
it into a dict only when its filter keeps the name.
"""

from __future__ import annotations

from urllib.parse import unquote

from panoramisk.ami_protocol import AMIProtocol
from panoramisk.message import Message

EOL = "\r\n"


def block_to_dict(block: str) -> dict[str, str]:
    """`message_to_dict(Message.from_line(block))` for an event block, without the Message."""
    out: dict[str, str] = {}
    for line in block.split(EOL):
        key, sep, value = line.partition(": ")
        if not sep:
            continue
        if key in out:
            out[key] = f"{out[key]},{value}"
        else:
            out[key] = value
    if "Result" in out:  # the one header panoramisk unquotes (Message.quoted_keys)
        out["Result"] = unquote(out["Result"]).strip()
    return out


class WireProtocol(AMIProtocol):
    """AMIProtocol whose unsolicited events go to `factory.event(name, block)` unparsed.

    Replies to our actions (they carry an ActionID) and Shutdown keep panoramisk's path.
    While `held` (the client paused reading), the rest of a chunk already received waits
    in the buffer; `data_received(b"")` after resuming hands it over.
    """

    version: str | None
    encoding = "utf8"
    held = False

    def data_received(self, data: bytes) -> None:
        text = data.decode(self.encoding, "ignore")
        if self.version is None and text.startswith("Asterisk Call Manager/"):
            self.version = text.partition(EOL)[0].partition("/")[2].strip()
        if self.queue:
            text = self.queue.popleft() + text
        blocks = text.split(EOL + EOL)
        tail = blocks.pop()
        for i, raw in enumerate(blocks):
            if self.held:
                self.queue.append(_join(blocks[i:], tail))
                return
            self._block(raw.strip())
        self.queue.append(tail)

    def _block(self, block: str) -> None:
        if block.startswith("Event: ") and "ActionID: " not in block:
            name = block[7 : block.find(EOL)] if EOL in block else block[7:]
            if name != "Shutdown":
                self.factory.event(name, block)
                return
        message = Message.from_line(block)
        if message is not None:
            self.handle_message(message)


def _join(blocks: list[str], tail: str) -> str:
    return (EOL + EOL).join([*blocks, tail])
