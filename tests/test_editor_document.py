"""The judgment editor below the page: document edits, live figures, saving and the JSON API.

Edits must keep every byte they do not change (comments, order, alignment, quoting), refuse
bad input with one clear message and leave the file untouched; the figures must be those
of ``evalsys weights``; the HTTP API must answer JSON and refuse foreign requests.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import evalsys.editor.document as document_module
from evalsys.editor.app import make_server
from evalsys.editor.blocks import EditError, scale_value
from evalsys.editor.check import check_block, display_value
from evalsys.editor.document import TreeDocument
from evalsys.editor.session import EditorSession, parse_pasted_matrix
from evalsys.errors import TreeSpecError
from evalsys.model.compiled import compile_tree
from evalsys.model.io import load_tree, shipped_path
from evalsys.weights.ahp import ahp_priorities
from evalsys.weights.diagnosis import diagnose
from evalsys.weights.hierarchy import tree_weights

SMALL = """\
# A small tree for the editor tests.   Comments must survive every edit.
schema_version: 1
id: small
name: Small tree   # trailing comment
nodes:
  - id: root
    parent: null
    kind: dimension
    name: Goal
    weights:
      type: pairwise
      # CR of this matrix: see the tests
      matrix:
        - [1,     3,     5]    # a over b and c
        - ['1/3', 1,     2]
        - ['1/5', '1/2', 1]
  - id: a
    parent: root
    kind: dimension
    name: A
    weights:
      type: pairwise
      incomplete_method: llsm
      judgments:
        - [a1, a2, 2]      # first
        - [a3, a2, "1/2"]  # written the other way round
  - id: b
    parent: root
    kind: dimension
    name: B
    weights:
      type: pairwise
      experts:
        - name: E1
          matrix: [[1, 2], ["1/2", 1]]
        - {name: E2, judgments: [[b1, b2, 3]]}
  - {id: c, parent: root, name: C, kind: rating}
  - {id: a1, parent: a, name: A1, kind: rating}
  - {id: a2, parent: a, name: A2, kind: rating}
  - {id: a3, parent: a, name: A3, kind: rating}
  - {id: b1, parent: b, name: B1, kind: rating}
  - {id: b2, parent: b, name: B2, kind: rating}
"""


@pytest.fixture
def small(tmp_path: Path) -> Path:
    p = tmp_path / "small.yaml"
    p.write_bytes(SMALL.encode())
    return p


def _changed_lines(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.splitlines(), new.splitlines()
    assert len(a) == len(b)
    return [(x, y) for x, y in zip(a, b, strict=True) if x != y]


# --------------------------------------------------------------------------- scale


def test_scale_values_are_canonical_and_off_scale_values_refused() -> None:
    assert [scale_value(v) for v in (9, "9", 0.5, "1/7", 1.0, "2/6")] == [
        "9",
        "9",
        "1/2",
        "1/7",
        "1",
        "1/3",
    ]
    for bad in (10, "0", -3, "x", 2.5, None, True):
        with pytest.raises(EditError):
            scale_value(bad)
    with pytest.raises(EditError, match="off the Saaty scale"):
        scale_value(11)


# ------------------------------------------------------------------ document edits


def test_unchanged_document_is_byte_identical(small: Path) -> None:
    doc = TreeDocument.open(small)
    assert doc.encoded() == small.read_bytes()
    assert not doc.changed
    same = doc.with_judgments("root", None, [(0, 1, 3)])  # already 3: no edit at all
    assert same is doc
    _, written = doc.save()
    assert not written and small.read_bytes() == SMALL.encode()


def test_shipped_trees_round_trip_byte_for_byte(tmp_path: Path) -> None:
    for name in ("ecommerce_service", "customer_service_agent"):
        p = tmp_path / f"{name}.yaml"
        shutil.copy(shipped_path(f"{name}.yaml"), p)
        doc = TreeDocument.open(p)
        assert doc.encoded() == p.read_bytes()
        assert doc.blocks, name


def test_matrix_edit_changes_only_the_two_judgments(small: Path) -> None:
    doc = TreeDocument.open(small)
    new = doc.with_judgments("root", None, [(0, 2, "7"), (2, 1, 0.25)])
    diff = _changed_lines(doc.text, new.text)
    # comments kept, quote style of the file kept, aligned columns stay aligned
    assert diff == [
        (
            "        - [1,     3,     5]    # a over b and c",
            "        - [1,     3,     7]    # a over b and c",
        ),
        ("        - ['1/3', 1,     2]", "        - ['1/3', 1,     4]"),
        ("        - ['1/5', '1/2', 1]", "        - ['1/7', '1/4', 1]"),
    ]
    assert new.spec.node("root").weights.matrix[1][2] == 4  # type: ignore[union-attr]
    assert doc.text == SMALL  # the old document is unchanged
    assert small.read_text() == SMALL  # nothing is written before save


def test_alignment_padding_keeps_the_next_column_in_place(tmp_path: Path) -> None:
    p = tmp_path / "eco.yaml"
    shutil.copy(shipped_path("ecommerce_service.yaml"), p)
    doc = TreeDocument.open(p)
    new = doc.with_judgments("ecommerce_service", None, [(1, 2, "1/3")])
    (upper, lower) = _changed_lines(doc.text, new.text)
    assert upper == (
        '        - ["1/2", 1,     1,     1,     2]',
        '        - ["1/2", 1,     "1/3", 1,     2]',
    )
    assert lower[1] == '        - ["1/2", 3,     1,     "1/2", 2]'


def test_incomplete_judgments_edit_in_place_and_reversed(small: Path) -> None:
    doc = TreeDocument.open(small)
    # a3 over a2 is written as [a3, a2, 1/2]: in matrix terms a2 over a3 = 2 (i=1, j=2)
    block = doc.block("a")
    assert block.labels == ("a1", "a2", "a3")
    assert block.values[1][2] == pytest.approx(2.0)
    new = doc.with_judgments("a", None, [(1, 2, "4"), (0, 1, 3)])
    assert _changed_lines(doc.text, new.text) == [
        ("        - [a1, a2, 2]      # first", "        - [a1, a2, 3]      # first"),
        (
            '        - [a3, a2, "1/2"]  # written the other way round',
            '        - [a3, a2, "1/4"]  # written the other way round',
        ),
    ]


def test_missing_judgment_is_added_as_a_line_of_the_list(small: Path) -> None:
    doc = TreeDocument.open(small)
    new = doc.with_judgments("a", None, [(2, 0, "1/5")])  # a3 over a1 = 1/5 → a1 over a3 = 5
    added = [line for line in new.text.splitlines() if line not in doc.text.splitlines()]
    assert added == ["        - [a1, a3, 5]"]
    assert new.text.index("[a1, a3, 5]") > new.text.index("other way round")
    assert new.block("a").complete is False
    assert new.block("a").values[0][2] == 5


def test_expert_blocks_in_flow_style(small: Path) -> None:
    doc = TreeDocument.open(small)
    assert {k for k in doc.blocks if k[0] == "b"} == {("b", 0), ("b", 1)}
    e1 = doc.with_judgments("b", 0, [(0, 1, 5)])
    assert _changed_lines(doc.text, e1.text) == [
        (
            '          matrix: [[1, 2], ["1/2", 1]]',
            '          matrix: [[1, 5], ["1/5", 1]]',
        )
    ]
    e2 = doc.with_judgments("b", 1, [(1, 0, "1/9")])
    assert _changed_lines(doc.text, e2.text) == [
        (
            "        - {name: E2, judgments: [[b1, b2, 3]]}",
            "        - {name: E2, judgments: [[b1, b2, 9]]}",
        )
    ]


def test_wrong_size_matrix_is_one_clear_message(small: Path) -> None:
    doc = TreeDocument.open(small)
    with pytest.raises(EditError) as err:
        doc.with_matrix("root", None, [[1, 2], ["1/2", 1]])
    assert str(err.value) == (
        f"{small}: the matrix of 'root' must be 3×3 (one row and one column per child: "
        "a, b, c); got 2×2; nothing was changed"
    )
    with pytest.raises(EditError, match=r"must be 3×3 .*got 3×2/3"):
        doc.with_matrix("root", None, [[1, 2, 3], ["1/2", 1], ["1/3", 1, 1]])
    with pytest.raises(EditError, match="outside the 3×3 matrix of 'root'"):
        doc.with_judgments("root", None, [(0, 3, 2)])
    assert small.read_text() == SMALL


@pytest.mark.parametrize(
    ("node", "changes", "message"),
    [
        ("root", [(0, 1, 11)], "off the Saaty scale"),
        ("root", [(0, 1, "abc")], "not a number"),
        ("root", [(1, 1, 3)], "diagonal of 'root' is always 1"),
        ("c", [(0, 1, 3)], "no editable pairwise judgments at node 'c'"),
        ("root", [("0", 1, 3)], "outside the 3×3 matrix"),
    ],
)
def test_bad_edits_are_refused(
    small: Path, node: str, changes: list[tuple[Any, Any, object]], message: str
) -> None:
    doc = TreeDocument.open(small)
    with pytest.raises(EditError, match=message):
        doc.with_judgments(node, None, changes)


def test_with_matrix_checks_reciprocity_and_takes_whole_matrices(small: Path) -> None:
    doc = TreeDocument.open(small)
    with pytest.raises(EditError, match=r"not reciprocal at \[0\]\[1\]"):
        doc.with_matrix("root", None, [[1, 2, 3], [2, 1, 1], ["1/3", 1, 1]])
    with pytest.raises(EditError, match="diagonal entry"):
        doc.with_matrix("root", None, [[2, 2, 3], ["1/2", 1, 1], ["1/3", 1, 1]])
    new = doc.with_matrix("root", None, parse_pasted_matrix("1\t2\t4\n1/2\t1\t2\n1/4 1/2 1\n"))
    r = ahp_priorities(np.array([[1, 2, 4], [0.5, 1, 2], [0.25, 0.5, 1]]))
    assert check_block(new.block("root"))["cr"] == pytest.approx(float(r.cr), abs=1e-12)
    # incomplete: an empty cell keeps a missing judgment missing, removing one is refused
    inc = doc.with_matrix("a", None, [[1, 2, "?"], ["1/2", 1, 2], ["", "1/2", 1]])
    assert inc.text == doc.text
    with pytest.raises(EditError, match="does not remove judgments"):
        doc.with_matrix("a", None, [[1, "", ""], ["", 1, 2], ["", "1/2", 1]])


def test_anchors_and_aliases_are_refused_not_corrupted(tmp_path: Path) -> None:
    text = (
        SMALL.replace("- [1,     3,     5]", "- [1,     &three 3, 5]")
        .replace("- ['1/3', 1,     2]", "- ['1/3', 1,     *three]")
        .replace("- ['1/5', '1/2', 1]", "- ['1/5', '1/3', 1]")
    )
    p = tmp_path / "alias.yaml"
    p.write_text(text)
    doc = TreeDocument.open(p)
    with pytest.raises(EditError, match="anchor, alias"):
        doc.with_judgments("root", None, [(0, 1, 2)])
    # a judgment elsewhere in the same matrix is refused too (the alias is in the matrix)
    with pytest.raises(EditError, match="anchor, alias"):
        doc.with_judgments("root", None, [(0, 2, 2)])


def test_crlf_bom_and_no_final_newline_are_kept(tmp_path: Path) -> None:
    body = SMALL.rstrip("\n").replace("\n", "\r\n")
    p = tmp_path / "crlf.yaml"
    p.write_bytes(b"\xef\xbb\xbf" + body.encode())
    doc = TreeDocument.open(p)
    assert doc.encoded() == p.read_bytes()
    new = doc.with_judgments("root", None, [(0, 1, 2)]).with_judgments("a", None, [(0, 2, 3)])
    saved, written = new.save()
    raw = p.read_bytes()
    assert written and raw.startswith(b"\xef\xbb\xbf")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # every line break still CRLF
    assert b"- [a1, a3, 3]\r\n" in raw or raw.endswith(b"- [a1, a3, 3]")
    assert load_tree(p).node("root").weights.matrix[0][1] == 2  # type: ignore[union-attr]
    assert not saved.changed


def test_open_refuses_json_missing_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(EditError, match="YAML tree files"):
        TreeDocument.open(tmp_path / "t.json")
    with pytest.raises(EditError, match="no such file"):
        TreeDocument.open(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text(SMALL.replace("['1/3', 1,     2]", "['1/3', 1]"))
    with pytest.raises(TreeSpecError, match="not square"):
        TreeDocument.open(bad)


# ------------------------------------------------------------------------- saving


def test_save_writes_atomically_keeps_comments_and_mode(small: Path) -> None:
    os.chmod(small, 0o640)
    doc = TreeDocument.open(small).with_judgments("root", None, [(0, 1, 9)])
    saved, written = doc.save()
    assert written and not saved.changed
    text = small.read_text()
    assert text.startswith("# A small tree for the editor tests.")
    assert "# CR of this matrix: see the tests" in text and "# written the other way round" in text
    assert (small.stat().st_mode & 0o777) == 0o640
    assert load_tree(small).node("root").weights.matrix[0][1] == 9  # type: ignore[union-attr]
    assert sorted(x.name for x in small.parent.iterdir()) == ["small.yaml"]  # no temp left


def test_save_refused_when_the_file_changed_on_disk(small: Path) -> None:
    doc = TreeDocument.open(small).with_judgments("root", None, [(0, 1, 9)])
    small.write_text(SMALL + "# edited elsewhere\n")
    with pytest.raises(EditError, match="changed on disk since the editor read it"):
        doc.save()
    assert small.read_text() == SMALL + "# edited elsewhere\n"


def test_save_that_validate_rejects_leaves_the_file_untouched(
    small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = TreeDocument.open(small).with_judgments("root", None, [(0, 1, 9)])

    def reject(*args: Any, **kwargs: Any) -> Any:
        raise TreeSpecError("judgment matrix is not square", file=str(small), line=14)

    monkeypatch.setattr(document_module, "tree_from_dict", reject)
    with pytest.raises(EditError) as err:
        doc.save()
    assert "`evalsys validate` would reject the edited file" in str(err.value)
    assert "the file is unchanged" in str(err.value)
    assert small.read_bytes() == SMALL.encode()
    assert sorted(x.name for x in small.parent.iterdir()) == ["small.yaml"]


# --------------------------------------------------------------------- live figures


def test_figures_are_those_of_evalsys_weights(tmp_path: Path) -> None:
    p = tmp_path / "eco.yaml"
    shutil.copy(shipped_path("ecommerce_service.yaml"), p)
    doc = TreeDocument.open(p)
    tw = {nw.node_id: nw for nw in tree_weights(compile_tree(doc.spec)).nodes}
    for (node, _), block in doc.blocks.items():
        fig = check_block(block)
        assert fig["cr"] == pytest.approx(tw[node].cr, abs=1e-12)
        assert fig["consistent"] == tw[node].consistent
        assert fig["repair"] is None  # the shipped judgments are consistent


def test_worst_judgment_and_repair_of_an_inconsistent_matrix(small: Path) -> None:
    doc = TreeDocument.open(small).with_judgments("root", None, [(1, 2, "1/9")])
    fig = check_block(doc.block("root"))
    assert not fig["consistent"] and fig["cr"] > 0.1
    worst = diagnose(doc.block("root").matrix()).worst
    assert worst is not None and (fig["worst"]["i"], fig["worst"]["j"]) == (worst.i, worst.j)
    assert fig["worst"]["value"] == display_value(worst.value)
    rep = fig["repair"]
    assert rep["consistent"] and rep["cr_after"] < 0.1 and rep["changes"]
    fixed = doc.with_judgments("root", None, [(c["i"], c["j"], c["new"]) for c in rep["changes"]])
    assert check_block(fixed.block("root"))["cr"] == pytest.approx(rep["cr_after"])


def test_incomplete_figures_and_disconnected_error(small: Path) -> None:
    fig = check_block(TreeDocument.open(small).block("a"))
    assert fig["complete"] is False and fig["incomplete_method"] == "llsm"
    assert fig["cells"][0][2]["text"] is None
    assert sum(fig["weights"]) == pytest.approx(1.0)
    text = SMALL.replace('        - [a3, a2, "1/2"]  # written the other way round\n', "")
    p = small.parent / "disc.yaml"
    p.write_text(text)
    fig = check_block(TreeDocument.open(p).block("a"))
    assert "error" in fig and "a3" in fig["error"]


# ------------------------------------------------------------------------- session


def test_session_state_hierarchy(small: Path) -> None:
    st = EditorSession.open(small).state()
    nodes = {n["id"]: n for n in st["nodes"]}
    assert [n["id"] for n in st["nodes"]] == ["root", "a", "a1", "a2", "a3", "b", "b1", "b2", "c"]
    assert nodes["root"]["blocks"] == ["root"] and nodes["b"]["blocks"] == ["b#0", "b#1"]
    assert nodes["a1"]["global"] == pytest.approx(nodes["a"]["local"] * nodes["a1"]["local"])
    assert sum(nodes[k]["local"] for k in ("a", "b", "c")) == pytest.approx(1.0)
    assert set(st["blocks"]) == {"root", "a", "b#0", "b#1"}
    assert st["changed"] is False


# ---------------------------------------------------------------------- JSON API


@pytest.fixture
def server(small: Path) -> Iterator[tuple[str, str, Path]]:
    srv = make_server(EditorSession.open(small), port=0)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    page = urllib.request.urlopen(srv.url, timeout=10).read().decode()
    token = page.split('name="evalsys-token" content="', 1)[1].split('"', 1)[0]
    try:
        yield srv.url, token, small
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(5)


def _call(url: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    req = urllib.request.Request(
        url.rstrip("/") + path,
        data=None if body is None else json.dumps(body).encode(),
        method="GET" if body is None else "POST",
        headers={
            "Content-Type": "application/json",
            **({"X-Evalsys-Token": token} if token else {}),
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode()


def test_page_is_self_contained(server: tuple[str, str, Path]) -> None:
    url, token, _ = server
    page = urllib.request.urlopen(url, timeout=10).read().decode()
    assert "<script>" in page and len(token) > 20 and "__EVALSYS_TOKEN__" not in page
    assert "http://" not in page and "https://" not in page  # no CDN, nothing fetched


def test_api_edit_save_and_refusals(server: tuple[str, str, Path]) -> None:
    url, token, path = server
    code, st = _call(url, "/api/state", token=token)
    assert code == 200 and st["blocks"]["root"]["cr"] == pytest.approx(
        float(ahp_priorities(np.array([[1, 3, 5], [1 / 3, 1, 2], [0.2, 0.5, 1]])).cr)
    )
    before = st["blocks"]["root"]["cr"]
    code, st = _call(url, "/api/judgments", {"block": "root", "changes": [[1, 2, "1/9"]]}, token)
    assert code == 200 and st["changed"] and st["blocks"]["root"]["cr"] > before
    assert path.read_text() == SMALL  # not saved yet
    code, err = _call(url, "/api/matrix", {"block": "root", "matrix": "1 2\n1/2 1"}, token)
    assert code == 400 and "must be 3×3" in err["error"] and "got 2×2" in err["error"]
    code, err = _call(url, "/api/judgments", {"block": "root", "changes": [[0, 1, 12]]}, token)
    assert code == 400 and "off the Saaty scale" in err["error"]
    code, err = _call(url, "/api/judgments", {"block": "b#7", "changes": []}, token)
    assert code == 400 and "no editable pairwise judgments" in err["error"]
    code, st = _call(url, "/api/save", {}, token)
    assert code == 200 and st["written"] and not st["changed"]
    assert load_tree(path).node("root").weights.matrix[1][2] == "1/9"  # type: ignore[union-attr]
    assert "# trailing comment" in path.read_text()
    code, st = _call(url, "/api/save", {}, token)
    assert code == 200 and st["written"] is False
    path.write_text(SMALL)
    code, st = _call(url, "/api/reload", {}, token)
    assert code == 200 and st["blocks"]["root"]["cells"][1][2]["text"] == "2"


def test_api_refuses_requests_without_the_token_or_from_another_host(
    server: tuple[str, str, Path],
) -> None:
    url, _, path = server
    code, _ = _call(url, "/api/state")
    assert code == 403
    code, _ = _call(url, "/api/save", {}, token="wrong")
    assert code == 403
    req = urllib.request.Request(url, headers={"Host": "evil.example:80"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert err.value.code == 403
    assert path.read_text() == SMALL


def _evalsys(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, check=False
    )


def test_cli_edit_help_and_bad_files(tmp_path: Path) -> None:
    res = _evalsys("edit", "--help")
    assert res.returncode == 0 and "--no-browser" in res.stdout and "--port" in res.stdout
    for target, message in ((tmp_path / "nope.yaml", "no such file"), (tmp_path / "t.json", "")):
        res = _evalsys("edit", str(target), "--no-browser")
        assert res.returncode == 1 and res.stderr.startswith("error: "), res.stderr
        assert res.stderr.count("\n") == 1 and message in res.stderr
    assert _evalsys("edit", str(tmp_path / "t.yaml"), "--port", "70000").returncode == 2


def test_cli_edit_serves_until_interrupted(small: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "evalsys", "edit", str(small), "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"editing {small} at http://127.0.0.1:"), line
        url = line.split(" at ", 1)[1].split()[0]
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "evalsys edit" in page
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and err.strip() == "stopped"
    assert small.read_text() == SMALL
