"""Headless Chromium, used only to turn SVG charts into PNG images (optional).

Nothing here downloads anything: the browser must already be installed (Debian:
``apt-get install chromium fonts-noto-cjk``), found as ``$EVALSYS_CHROMIUM`` or on ``PATH``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from evalsys.errors import EvalsysError

__all__ = ["HEADLESS_FLAGS", "find_chromium", "headless_command", "svg_to_png"]

HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
"""Flags for an offline, single-shot headless run (no sandbox: CI containers run as root)."""

_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable: ``$EVALSYS_CHROMIUM``, else the first of
    ``chromium``, ``chromium-browser``, ``google-chrome`` on PATH, else ``/usr/bin/chromium``."""
    env = os.environ.get("EVALSYS_CHROMIUM")
    if env and Path(env).is_file():
        return env
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def headless_command(browser: str, user_data_dir: str | os.PathLike[str], *extra: str) -> list[str]:
    """The command line of one headless run with a throw-away profile directory."""
    return [browser, *HEADLESS_FLAGS, f"--user-data-dir={user_data_dir}", *extra]


def _svg_size(text: str) -> tuple[int, int]:
    m = re.search(r'<svg[^>]*\bwidth="([\d.]+)"[^>]*\bheight="([\d.]+)"', text)
    if not m:
        return 800, 600
    return round(float(m.group(1))), round(float(m.group(2)))


def svg_to_png(
    svg_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    scale: float = 2.0,
    timeout: float = 60.0,
) -> Path:
    """Render ``svg_path`` to ``png_path`` with headless Chromium at ``scale`` × its size.

    Raises :class:`~evalsys.errors.EvalsysError` when no browser is installed or it fails.
    """
    browser = find_chromium()
    if browser is None:
        raise EvalsysError(
            "PNG charts need Chromium (not found; install it, e.g. 'apt-get install chromium "
            "fonts-noto-cjk', or set EVALSYS_CHROMIUM); the SVG charts were written"
        )
    src = Path(svg_path).resolve()
    w, h = _svg_size(src.read_text(encoding="utf-8"))
    target = Path(png_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="evalsys-chromium-") as tmp:
        shot = Path(tmp) / "shot.png"
        cmd = headless_command(
            browser,
            Path(tmp) / "profile",
            f"--screenshot={shot}",
            f"--window-size={w},{h}",
            f"--force-device-scale-factor={scale:g}",
            "--default-background-color=ffffffff",
            src.as_uri(),
        )
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EvalsysError(
                f"Chromium failed to render the chart: {exc}", file=str(src)
            ) from None
        if proc.returncode != 0 or not shot.exists():
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise EvalsysError(
                f"Chromium failed to render the chart (exit {proc.returncode}): "
                + " | ".join(tail),
                file=str(src),
            )
        shutil.move(str(shot), str(target.with_suffix(".png.tmp")))
        os.replace(target.with_suffix(".png.tmp"), target)
    return target
