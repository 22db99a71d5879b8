"""uvicorn's websocket protocol plus one ASGI extension: send a text frame now, without awaiting.

A wallboard change goes to every client in one pass (agent_ui.ws), like a bare
`websockets.broadcast` loop. Through the ASGI `send` coroutine each client cost
a coroutine chain (Starlette, uvicorn) and, while its sender waited, a task and
a future: at a thousand clients the fan-out took twice the broadcast loop's time
and its futures kept the garbage collector busy. `send_now` does what uvicorn's
own send does for a text frame when the socket takes it at once, and refuses
(returns False, sends nothing) otherwise, so the caller falls back to the ASGI
send, which waits for the socket or raises. Servers without it still work: the
route then uses the ASGI send for every frame.

`callcenter serve` runs uvicorn with UVICORN_WS (tests and benchmarks serve as it does).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

SEND_NOW = "callcenter.websocket.send_now"  # scope["extensions"][SEND_NOW]["send"](bytes) -> bool


class FanOutProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol that offers the SEND_NOW extension to the app."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:  # the scope exists: the app is about to run
            self.scope.setdefault("extensions", {})[SEND_NOW] = {"send": self.send_now}

    def send_now(self, data: bytes) -> bool:
        """Write one text frame (UTF-8 `data`) if the socket is open and not backed up."""
        if (
            not self.handshake_complete
            or self.close_sent
            or self.disconnected
            or self.initial_response is not None
            or not self.writable.is_set()
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        ):
            return False
        self.conn.send_text(data)
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True


# uvicorn's websocket options for the service. No per-message deflate: wallboard frames are
# encoded once for every client, and deflate would compress each client's copy anew.
UVICORN_WS: dict[str, Any] = {"ws": FanOutProtocol, "ws_per_message_deflate": False}
