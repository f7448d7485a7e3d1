"""``evalsys edit``: the local judgment editor for a YAML tree file, in the browser.

Starts :mod:`evalsys.editor.app` on ``127.0.0.1`` and opens its page; the editor itself
(and its web framework) is imported only when the command runs, so that
``evalsys --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["edit_cmd"]


def edit_cmd(
    tree: Annotated[Path, typer.Argument(help="Tree file to edit (.yaml or .yml).")],
    port: Annotated[
        int,
        typer.Option(min=0, max=65535, help="Port on 127.0.0.1 (default 0: any free port)."),
    ] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Print the address; do not open a browser.")
    ] = False,
) -> None:
    """Edit the pairwise judgments of a tree in the browser: live CR, repairs, safe saving.

    The page draws the tree, a 1–9 matrix per dimension with its CR recomputed on every
    change, the most inconsistent judgment and a suggested repair.  Save writes the YAML
    file atomically, keeping its comments and order, and never writes a file that
    ``evalsys validate`` would reject.  Stop with Ctrl+C (unsaved edits are discarded).
    """
    from evalsys.editor.app import make_server
    from evalsys.editor.session import EditorSession

    session = EditorSession.open(tree)
    server = make_server(session, port=port)
    typer.echo(f"editing {tree} at {server.url}  (Ctrl+C to stop)")
    if not no_browser:
        import webbrowser

        webbrowser.open(server.url)
    import signal
    import threading

    # Ctrl+C stops the editor even when started where SIGINT is ignored (a background
    # job of a non-interactive shell passes SIG_IGN on, and Python then keeps it)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # the server runs in its own thread and this one only waits, so Ctrl+C always lands
    # here, never inside the server's request handling
    serving = threading.Thread(target=server.serve_forever, name="evalsys-edit", daemon=True)
    serving.start()
    try:
        while serving.is_alive():
            serving.join(0.25)
    except KeyboardInterrupt:
        unsaved = " (unsaved edits discarded)" if session.document.changed else ""
        typer.echo(f"stopped{unsaved}", err=True)
    finally:
        server.shutdown()
        server.server_close()
