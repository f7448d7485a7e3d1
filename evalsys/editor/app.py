"""The editor's web app and local server: one page and a small JSON API on 127.0.0.1.

:func:`make_server` binds a threaded WSGI server of the standard library to
``127.0.0.1`` and serves a :mod:`bottle` app (bottle: one pure-Python module without
dependencies of its own) with these routes:

``GET /``
    The page, ``static/editor.html`` (HTML, CSS and JavaScript in one file shipped with
    the package; nothing is fetched from elsewhere).
``GET /api/state``
    The session's state (:meth:`~evalsys.editor.session.EditorSession.state`).
``POST /api/judgments``, ``/api/matrix``, ``/api/save``, ``/api/reload``
    ``{"block": "id" | "id#expert", "changes": [[i, j, value], …]}``,
    ``{"block": …, "matrix": [[…], …] | "pasted text"}``, ``{}``, ``{}``.

Every answer is JSON: the new state, or ``{"error": message}`` with status 400 for a
refused request (the document and the file unchanged), 500 for an internal error.
Requests must come to the server's own address (``Host`` checked, against DNS
rebinding) and carry the page's random token in ``X-Evalsys-Token``, so other web pages
open in the browser cannot drive the editor.
"""

from __future__ import annotations

import secrets
import socketserver
from collections.abc import Callable
from importlib import resources
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.simple_server import make_server as _wsgi_server

import bottle

from evalsys.editor.blocks import EditError
from evalsys.editor.session import EditorSession
from evalsys.errors import EvalsysError

__all__ = ["EditorServer", "make_app", "make_server", "page_html"]

HOST = "127.0.0.1"
_TOKEN_HEADER = "X-Evalsys-Token"


def page_html(token: str) -> str:
    """The editor page with the session's ``token`` filled in."""
    text = resources.files("evalsys.editor").joinpath("static", "editor.html").read_text("utf-8")
    return text.replace("__EVALSYS_TOKEN__", token)


def _json_body() -> dict[str, Any]:
    try:
        data = bottle.request.json
    except bottle.HTTPError:
        raise EditError("the request body is not valid JSON") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise EditError("the request body must be a JSON object")
    return data


def make_app(session: EditorSession, token: str, hosts: frozenset[str]) -> Any:
    """The bottle app of ``session``; requests must name one of ``hosts`` and carry ``token``.

    Parameters
    ----------
    session
        The editing session.
    token
        The secret the page sends back in ``X-Evalsys-Token``.
    hosts
        Accepted ``Host`` headers (``"127.0.0.1:8765"``, ``"localhost:8765"``).
    """
    app = bottle.Bottle(catchall=True)
    page = page_html(token)

    @app.hook("before_request")  # type: ignore[untyped-decorator]
    def _guard() -> None:
        if bottle.request.get_header("Host", "") not in hosts:
            raise bottle.HTTPResponse(status=403, body="forbidden host")
        path = str(bottle.request.path)
        if path.startswith("/api/") and bottle.request.get_header(_TOKEN_HEADER) != token:
            raise bottle.HTTPResponse(status=403, body="missing or wrong editor token")

    def api(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
        def handler() -> dict[str, Any]:
            bottle.response.set_header("Cache-Control", "no-store")
            try:
                return fn(_json_body())
            except EvalsysError as exc:
                bottle.response.status = 400
                return {"error": str(exc)}
            except Exception as exc:  # a bug: say so on the page instead of an HTML page
                bottle.response.status = 500
                return {"error": f"internal error of the editor ({type(exc).__name__}: {exc})"}

        return handler

    @app.get("/")  # type: ignore[untyped-decorator]
    def _page() -> str:
        bottle.response.content_type = "text/html; charset=utf-8"
        bottle.response.set_header("Cache-Control", "no-store")
        return page

    app.get("/api/state")(api(lambda body: session.state()))
    app.post("/api/judgments")(
        api(lambda body: session.set_judgments(body.get("block"), body.get("changes")))
    )
    app.post("/api/matrix")(api(lambda b: session.set_matrix(b.get("block"), b.get("matrix"))))
    app.post("/api/save")(api(lambda body: session.save()))
    app.post("/api/reload")(api(lambda body: session.reload()))
    return app


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not log every request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        """Drop the access log line."""


class EditorServer(socketserver.ThreadingMixIn, WSGIServer):
    """The standard library's WSGI server, one thread per connection (daemon threads)."""

    daemon_threads = True
    allow_reuse_address = False

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://{HOST}:{self.server_port}/"


def make_server(session: EditorSession, port: int = 0) -> EditorServer:
    """A server for ``session`` bound to ``127.0.0.1:port`` (0: a free port), not started.

    Call ``serve_forever()`` (and ``shutdown()`` / ``server_close()`` from another
    thread).  Raises :class:`~evalsys.editor.blocks.EditError` when the port is taken.
    """
    try:
        server = _wsgi_server(
            HOST, port, lambda env, start: [], EditorServer, handler_class=_QuietHandler
        )
    except OSError as exc:
        raise EditError(
            f"cannot listen on {HOST}:{port}: {exc.strerror or exc}; choose another --port"
        ) from None
    bound = server.server_port
    hosts = frozenset({f"{HOST}:{bound}", f"localhost:{bound}"})
    server.set_app(make_app(session, secrets.token_urlsafe(24), hosts))
    return server
