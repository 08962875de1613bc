"""Serving a built site on 127.0.0.1 and the Chromium it is checked in.

Shared by the browser tests and the browser benchmark, which both serve the
site themselves and drive Debian's Chromium (Playwright never downloads one).
"""

from __future__ import annotations

import functools
import http.server
import io
import os
import socket
import sys
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
    """A static host in miniature: typed modules and wasm, the site under
    ``prefix``, and the site's own 404.html for anything missing (as GitHub
    Pages and most static hosts do)."""

    prefix: ClassVar[str] = "/"
    extensions_map: ClassVar[dict[str, str]] = {
        # Module workers need a JavaScript type; Pyodide streams wasm when typed.
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
        ".wasm": "application/wasm",
    }

    def translate_path(self, path: str) -> str:
        # Outside the prefix nothing exists: a path that cannot be a file.
        if not path.startswith(self.prefix):
            return os.path.join(self.directory, ".outside-the-prefix", "nothing")
        return super().translate_path("/" + path[len(self.prefix):])

    def send_head(self):
        path = self.translate_path(self.path.split("?", 1)[0].split("#", 1)[0])
        missing = not os.path.exists(path) or (os.path.isdir(path) and not os.path.isfile(os.path.join(path, "index.html")))
        not_found = os.path.join(self.directory, "404.html")
        if missing and os.path.isfile(not_found):
            body = Path(not_found).read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return io.BytesIO(body)
        return super().send_head()

    def log_message(self, *args) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    """A threading server that says nothing when a client hangs up mid-request
    (a browser that closes a connection it no longer needs, as Lighthouse
    does): socketserver prints a traceback for each one otherwise."""

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(folder: Path, port: int, *, prefix: str = "/") -> http.server.ThreadingHTTPServer:
    """Serve ``folder`` at ``http://127.0.0.1:port{prefix}`` from a background
    thread; call ``shutdown()`` on the result to stop. A ``prefix`` such as
    ``/sub/`` stands for a project page (``https://owner.github.io/repo/``)."""
    if not (prefix.startswith("/") and prefix.endswith("/")):
        raise ValueError(f"prefix {prefix!r} must start and end with '/'")
    handler_class = type("_Handler", (_QuietHandler,), {"prefix": prefix})
    handler = functools.partial(handler_class, directory=str(folder))
    server = QuietServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
