"""Serving a built site on 127.0.0.1 and the Chromium it is checked in.

Shared by the browser tests and the browser benchmark, which both serve the
site themselves and drive Debian's Chromium (Playwright never downloads one).
"""

from __future__ import annotations

import functools
import http.server
import os
import socket
import threading
from pathlib import Path
from typing import ClassVar, Final

CHROMIUM: Final = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, and without the background traffic that this machine's closed
# network would refuse (updates, sync, QUIC).
CHROMIUM_ARGS: Final = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    # Module workers need a JavaScript type; Pyodide streams wasm when typed.
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }

    def log_message(self, *args) -> None:
        pass


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(folder: Path, port: int) -> http.server.ThreadingHTTPServer:
    """Serve ``folder`` on 127.0.0.1:``port`` from a background thread; call
    ``shutdown()`` on the result to stop."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
