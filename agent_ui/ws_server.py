"""uvicorn's websocket protocol plus one ASGI extension: send a text frame now, without awaiting.

A wallboard change goes to every client in one pass (agent_ui.ws), like a bare
`websockets.broadcast` loop. Through the ASGI `send` coroutine each client cost
a coroutine chain (Starlette, uvicorn) and, while its sender waited, a task and
a future: at a thousand clients the fan-out took twice the broadcast loop's time
and its futures kept the garbage collector busy. `send_now` writes the frame at
once when the socket takes it, and refuses (returns False, sends nothing)
otherwise, so the caller falls back to the ASGI send, which waits for the socket
or raises. Without per-message deflate a server's frame is the same bytes for
every client, so it is framed once for all the clients that share the payload.
Servers without the extension still work: the route then uses the ASGI send.

`callcenter serve` runs uvicorn with UVICORN_WS (tests and benchmarks serve as it does).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode

SEND_NOW = "callcenter.websocket.send_now"  # scope["extensions"][SEND_NOW]["send"](bytes) -> bool


class FanOutProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol that offers the SEND_NOW extension to the app."""

    _framed: tuple[bytes, bytes] = (b"", b"")  # the last payload and its frame, for all clients
    plain = False  # no websocket extension: frames need no per-client encoding
    paused = False  # the transport's buffer is over its high-water mark

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:  # the scope exists: the app is about to run
            self.plain = not self.conn.extensions  # settled by the handshake
            self.scope.setdefault("extensions", {})[SEND_NOW] = {"send": self.send_now}

    def pause_writing(self) -> None:
        super().pause_writing()
        self.paused = True

    def resume_writing(self) -> None:
        super().resume_writing()
        self.paused = False

    def send_now(self, data: bytes) -> bool:
        """Write one text frame (UTF-8 `data`) if the socket is open and not backed up."""
        # Only this object and the transport are read: a send to a thousand clients costs about
        # as much in memory reads as in code. A close received, or a connection lost, closes
        # the transport (uvicorn's handle_close, connection_lost); a close sent sets close_sent.
        if (
            self.paused
            or self.close_sent
            or not self.handshake_complete
            or self.transport.is_closing()
        ):
            return False
        if not self.plain:  # per-message deflate: each client's frame is its own
            self.conn.send_text(data)
            self.transport.write(b"".join(self.conn.data_to_send()))
            return True
        # A server's frame without extensions is the same bytes for every client (no mask):
        # framed once for all the clients that share the payload. uvicorn writes what its
        # protocol queues (pongs, closes) at once, so nothing of theirs is waiting here.
        if (framed := FanOutProtocol._framed)[0] is not data:
            wire = Frame(Opcode.TEXT, data).serialize(mask=False, extensions=[])
            framed = FanOutProtocol._framed = (data, wire)
        self.transport.write(framed[1])
        return True


# uvicorn's websocket options for the service. No per-message deflate: wallboard frames are
# encoded once for every client, and deflate would compress each client's copy anew.
# proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from any client on
# 127.0.0.1; callcenter.guards honours it only from the configured trusted proxies.
UVICORN_WS: dict[str, Any] = {
    "ws": FanOutProtocol, "ws_per_message_deflate": False, "proxy_headers": False,
}  # fmt: skip
