"""The judgment editor in a real headless Chromium: enter a judgment, see CR change, save.

``evalsys edit`` runs as a subprocess on a free port; Python playwright drives the
Debian Chromium at ``/usr/bin/chromium`` (``.ci/run`` installs it; playwright's own
browser downloads are never used).  The saved file is read back with
:func:`evalsys.model.io.load_tree`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalsys.editor.check import check_block
from evalsys.editor.document import TreeDocument
from evalsys.model.io import load_tree, shipped_path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium (apt-get install chromium)"
)


@pytest.fixture
def editor(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    tree = tmp_path / "ecommerce_service.yaml"
    shutil.copy(shipped_path("ecommerce_service.yaml"), tree)
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalsys", "edit", str(tree), "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert " at http://127.0.0.1:" in line, (line, proc.stderr and proc.stderr.read())
        yield line.split(" at ", 1)[1].split()[0], tree
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


def test_enter_judgment_see_cr_change_save_and_reload(editor: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright  # the `dev` extra

    url, tree = editor
    original = tree.read_text(encoding="utf-8")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            page = browser.new_page()
            page.goto(url)
            cr = page.locator("#cr")
            expect(cr).to_have_attribute("data-state", "ok")
            expect(cr).to_contain_text("CR = 0.0124")  # the shipped root matrix
            expect(page.locator("#dirty")).to_have_text("saved")
            # the hierarchy: every dimension and indicator is drawn
            assert page.locator("#tree .node").count() == 37
            expect(page.locator('#tree .node[data-node="tech_support"]')).to_contain_text("CR")

            # enter a judgment: customer service over tech support 3 → 1/9
            page.select_option("#cell-0-4", "1/9")
            expect(cr).to_have_attribute("data-state", "bad")
            expect(cr).to_contain_text("CR = 0.4403")
            expect(cr).to_contain_text("NOT consistent")
            expect(page.locator("#matrix td.worst")).to_have_count(2)
            expect(page.locator('#matrix td.worst[data-i="0"][data-j="4"]')).to_have_count(1)
            expect(page.locator('#matrix td[data-i="4"][data-j="0"]')).to_have_text("9")
            expect(page.locator("#repair")).to_contain_text("1/9 → 4")
            expect(page.locator("#dirty")).to_have_text("unsaved changes")
            assert tree.read_text(encoding="utf-8") == original  # nothing written yet

            # a pasted matrix of the wrong size: one clear message, nothing changed
            page.locator("summary", has_text="Paste a whole matrix").click()
            page.fill("#paste", "1 2\n1/2 1")
            page.click("#use-paste")
            expect(page.locator("#msg")).to_contain_text("must be 5×5")
            expect(page.locator("#msg")).to_contain_text("got 2×2")
            expect(cr).to_contain_text("CR = 0.4403")

            # save, then read the file back
            page.click("#save")
            expect(page.locator("#msg")).to_contain_text("Saved to")
            expect(page.locator("#dirty")).to_have_text("saved")
            spec = load_tree(tree)
            assert spec.node("ecommerce_service").weights.matrix[0][4] == "1/9"  # type: ignore[union-attr]
            assert spec.node("ecommerce_service").weights.matrix[4][0] == 9  # type: ignore[union-attr]
            saved = tree.read_text(encoding="utf-8")
            changed = [
                (a, b)
                for a, b in zip(original.splitlines(), saved.splitlines(), strict=True)
                if a != b
            ]
            assert changed == [
                (
                    "        - [1,     2,     2,     1,     3]",
                    '        - [1,     2,     2,     1,     "1/9"]',
                ),
                (
                    '        - ["1/3", "1/2", "1/2", "1/3", 1]',
                    '        - [9,     "1/2", "1/2", "1/3", 1]',
                ),
            ]
            fig = check_block(TreeDocument.open(tree).block("ecommerce_service"))
            assert f"CR = {fig['cr']:.4f}" in cr.inner_text()

            # apply the suggested repair: the state turns consistent again
            page.click("#apply-repair")
            expect(cr).to_have_attribute("data-state", "ok")
            # another dimension of the hierarchy opens its own matrix
            page.click('#tree .node[data-node="logistics"]')
            expect(page.locator("#panel h2")).to_contain_text("logistics")
            expect(page.locator("#matrix tbody tr")).to_have_count(6)
            if os.environ.get("EVALSYS_EDITOR_SCREENSHOT"):
                page.screenshot(path=os.environ["EVALSYS_EDITOR_SCREENSHOT"], full_page=True)
        finally:
            browser.close()
