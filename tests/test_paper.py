"""Paper-ready outputs (``evalsys paper``): LaTeX structure and escaping, numbers equal to
the API results, Excel sheets, well-formed SVG, same bytes for the same input, PNG at
300 dpi from a real headless Chromium with Chinese labels, and the CLI's exit codes.

Published reference: Tzeng, G.-H. and Huang, J.-J. (2011). *Multiple Attribute Decision
Making: Methods and Applications*. CRC Press, TOPSIS example: closeness C = 0.5037,
0.6581, 0.7482, 0.3340 (examples/03_entropy_topsis).
"""

from __future__ import annotations

import json
import re
import struct
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalsys.analysis.sensitivity.montecarlo import monte_carlo
from evalsys.analysis.sensitivity.oat import perturb_one_at_a_time
from evalsys.engines.memory import score_entities
from evalsys.errors import DataError
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree, shipped_path
from evalsys.model.tables import read_table
from evalsys.report import build_paper, charts, write_paper
from evalsys.report.data import Chart, Report, Section, Table
from evalsys.report.latex import latex_escape, latex_table, plain_cell
from evalsys.report.paper_write import png_with_dpi

SAMPLE = shipped_path("samples", "ecommerce_merchants.csv")
ROOT = Path(__file__).resolve().parents[1]
TOPSIS_DIR = ROOT / "examples" / "03_entropy_topsis"
CHROMIUM = Path("/usr/bin/chromium")


def _scored(tree: Any, data: Path, **kw: Any) -> tuple[Any, Any, Any]:
    compiled = compile_tree(load_tree(tree))
    d = indicator_data(compiled, read_table(data))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compiled, d, score_entities(compiled, d, **kw)


def _analyses(compiled: Any, d: Any, res: Any, method: str = "fce") -> tuple[Any, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oat = perturb_one_at_a_time(compiled, d, res.weights, delta=0.2, method=method)
        mc = monte_carlo(compiled, d, samples=60, weights=res.weights, seed=5, method=method)
    return oat, mc


@pytest.fixture(scope="module")
def fce() -> tuple[Any, Any, Any, Any, Any]:
    compiled, d, res = _scored("ecommerce_service", SAMPLE)
    oat, mc = _analyses(compiled, d, res)
    return compiled, d, res, oat, mc


@pytest.fixture(scope="module")
def paper(fce: tuple[Any, ...]) -> Report:
    compiled, d, res, oat, mc = fce
    return build_paper(compiled, d, res, oat=oat, stability=mc)


@pytest.fixture(scope="module")
def topsis() -> tuple[Any, Any, Any, Report]:
    compiled, d, res = _scored(
        TOPSIS_DIR / "tzeng_huang.yaml", TOPSIS_DIR / "alternatives.csv", method="topsis"
    )
    oat, mc = _analyses(compiled, d, res, "topsis")
    return compiled, d, res, build_paper(compiled, d, res, oat=oat, stability=mc)


def _table(rep: Report, key: str) -> Table:
    return next(t for t in rep.tables if t.key == key)


def _col(t: Table, name: str) -> list[Any]:
    j = t.columns.index(name)
    return [r[j] for r in t.rows]


# ------------------------------------------------------------------ contents


def test_the_paper_set(paper: Report) -> None:
    assert [s.key for s in paper.sections] == ["weights", "memberships", "scores", "sensitivity"]
    keys = [t.key for t in paper.tables]
    assert keys[:2] == ["weights", "consistency"]
    assert sum(k.startswith("matrix_") for k in keys) == 6  # root + five dimensions
    for k in ("membership_level0", "membership_level1", "membership_level2", "scores",
              "grades", "sensitivity", "rank_stability"):  # fmt: skip
        assert k in keys
    assert [c.key for c in paper.charts] == [
        "weights",
        "membership_radar",
        "sensitivity_tornado",
        "rank_stability",
    ]


def test_numbers_equal_the_api_results(fce: tuple[Any, ...], paper: Report) -> None:
    compiled, _, res, oat, mc = fce
    tw = res.weights
    w = _table(paper, "weights")
    by_id = dict(zip(_col(w, "node"), _col(w, "global weight"), strict=True))
    assert by_id == {n: float(g) for n, g in zip(tw.node_ids, tw.global_weights, strict=True)}
    cons = _table(paper, "consistency")
    assert _col(cons, "CR") == [nw.cr for nw in tw.nodes]
    assert _col(cons, "λmax") == [nw.lambda_max for nw in tw.nodes]
    assert _col(cons, "RI table") == [nw.ri_table for nw in tw.nodes]
    lv0 = _table(paper, "membership_level0")
    grades = list(res.grade_names)
    assert [lv0.rows[0][lv0.columns.index(g)] for g in grades] == list(np.mean(res.B, axis=0))
    lv1 = _table(paper, "membership_level1")
    mean_dims = np.mean(res.dimension_B, axis=0)
    for k, row in enumerate(lv1.rows):
        assert [row[lv1.columns.index(g)] for g in grades] == list(mean_dims[k])
    # the deeper level (leaf memberships R) aggregates to the dimensions' B (M(·,+) is linear)
    lv2 = _table(paper, "membership_level2")
    R = {row[0]: np.array([row[lv2.columns.index(g)] for g in grades]) for row in lv2.rows}
    local = dict(zip(tw.node_ids, tw.local, strict=True))
    for k, dim in enumerate(res.dimension_ids):
        kids = [compiled.node_ids[int(c)] for c in compiled.children(compiled.index[dim])]
        agg = sum(local[c] * R[c] for c in kids)
        np.testing.assert_allclose(agg, mean_dims[k], rtol=0, atol=1e-12)
    s = _table(paper, "scores")
    order = np.argsort(res.rank, kind="stable")
    assert _col(s, "score") == [float(res.score[i]) for i in order]
    assert _col(s, "rank") == [int(res.rank[i]) for i in order]
    assert _col(s, "grade") == [res.grade_names[res.grade[i]] for i in order]
    sens = _table(paper, "sensitivity")
    assert _col(sens, "Spearman ρ") == [p.spearman for p in oat.perturbations]
    assert _col(sens, "mean Δscore") == [p.mean_score_change for p in oat.perturbations]
    st = _table(paper, "rank_stability")
    mo = np.argsort(mc.entities.base_rank, kind="stable")
    assert _col(st, "mean rank") == [float(mc.entities.rank_mean[i]) for i in mo]
    assert _col(st, "worst rank") == [int(mc.entities.rank_max[i]) for i in mo]


def test_selected_entities_show_their_own_b(fce: tuple[Any, ...]) -> None:
    compiled, d, res, _, _ = fce
    ids = [str(x) for x in res.entity_ids]
    rep = build_paper(compiled, d, res, entities=[ids[7], ids[3]])
    lv0 = _table(rep, "membership_level0")
    assert _col(lv0, "entity") == [ids[7], ids[3]]
    grades = list(res.grade_names)
    assert [lv0.rows[0][lv0.columns.index(g)] for g in grades] == list(res.B[7])
    lv1 = _table(rep, "membership_level1")
    assert len(lv1.rows) == 2 * len(res.dimension_ids)
    assert [lv1.rows[5][lv1.columns.index(g)] for g in grades] == list(res.dimension_B[3, 0])
    assert [c.key for c in rep.charts] == [
        "weights",
        f"membership_radar_{ids[7]}",
        f"membership_radar_{ids[3]}",
    ]
    with pytest.raises(DataError, match="unknown entity id"):
        build_paper(compiled, d, res, entities=["nope"])
    with pytest.raises(DataError, match="digits"):
        build_paper(compiled, d, res, digits=11)


def test_topsis_distances_reproduce_the_published_closeness(
    topsis: tuple[Any, Any, Any, Report],
) -> None:
    _, _, res, rep = topsis
    t = _table(rep, "topsis")
    order = np.argsort(res.rank, kind="stable")
    assert _col(t, "C") == [float(res.score[i]) for i in order]  # the very same bits
    dp, dm = np.array(_col(t, "D+")), np.array(_col(t, "D−"))
    np.testing.assert_allclose(dm / (dp + dm), _col(t, "C"), rtol=0, atol=1e-15)
    published = {"A1": 0.5037, "A2": 0.6581, "A3": 0.7482, "A4": 0.3340}
    got = dict(zip(_col(t, "entity"), _col(t, "C"), strict=True))
    assert {k: round(v, 4) for k, v in got.items()} == published
    tex = latex_table(t)
    assert r"A3 & 0.0487 & 0.1446 & 0.7482 \\" in tex  # printed by the stated rule
    assert r"$D^{+}$ & $D^{-}$ & C \\" in tex
    assert "membership_level0" not in [x.key for x in rep.tables]
    ideal = _table(rep, "topsis_ideal")
    assert len(ideal.rows) == len(res.leaf_ids)


# --------------------------------------------------------------------- LaTeX


def test_latex_escaping() -> None:
    assert latex_escape("R&D 100% a_b #1 $5 {x}") == r"R\&D 100\% a\_b \#1 \$5 \{x\}"
    assert latex_escape("~^\\") == r"\textasciitilde{}\textasciicircum{}\textbackslash{}"
    assert latex_escape("电商服务质量 · 优") == "电商服务质量 · 优"  # CJK kept as UTF-8
    assert latex_escape("λmax − 1") == r"$\lambda_{\max}$ $-$ 1"
    assert plain_cell(-1e-9, "0.0000") == "0.0000" and plain_cell(-0.01, "0.00") == "-0.01"
    t = Table(
        "odd_key",
        "R&D 50% of a_b #1 客户服务",
        ("名称 & name", "value"),
        (("交易_安全 #2", -0.25), ("x%", None), ("y", 1e-12)),
        ("", "0.00"),
        note="note with & and %",
    )
    tex = latex_table(t, comment=("made by a test",))
    assert tex.startswith("% made by a test\n")
    assert r"\caption{R\&D 50\% of a\_b \#1 客户服务}" in tex
    assert r"\label{tab:odd_key}" in tex
    assert r"名称 \& name & value \\" in tex
    assert r"交易\_安全 \#2 & $-$0.25 \\" in tex
    assert r"x\% & --- \\" in tex and r"y & 0.00 \\" in tex
    assert r"note with \& and \%" in tex
    body = re.sub(r"\\[&%#_$]|\\label\{[^}]*\}", "", tex.split("\n", 1)[1])
    assert not re.search(r"[%#_]", body)  # every special character escaped


def _check_booktabs(tex: str, t: Table) -> None:
    for cmd in (r"\toprule", r"\midrule", r"\bottomrule", r"\caption{", r"\label{tab:"):
        assert cmd in tex, (t.key, cmd)
    env = "longtable" if r"\begin{longtable}" in tex else "tabular"
    assert tex.count(rf"\begin{{{env}}}") == tex.count(rf"\end{{{env}}}") == 1
    assert tex.index(r"\toprule") < tex.index(r"\midrule") < tex.rindex(r"\bottomrule")
    if env == "tabular":
        assert tex.index(r"\caption") < tex.index(r"\begin{tabular}")
        lines = tex.split(r"\midrule")[1].split(r"\bottomrule")[0].strip().splitlines()
        assert len(lines) == len(t.rows)
        assert all(ln.count(" & ") == len(t.columns) - 1 for ln in lines)


def test_latex_files_are_booktabs_tables(paper: Report, tmp_path: Path) -> None:
    files = write_paper(paper, tmp_path, tables=("latex",), figures=(), max_rows=20)
    assert [p.name for p in files] == [f"{t.key}.tex" for t in paper.tables]
    for p, t in zip(files, paper.tables, strict=True):
        tex = p.read_text(encoding="utf-8")
        assert tex.startswith("% ") and "booktabs" in tex.split("\n")[1]
        assert "rounded to 4 decimal places" in tex
        shown = t if not t.detail else Table(t.key, t.title, t.columns, t.rows[:20], t.formats)
        _check_booktabs(tex, shown)
    scores = (tmp_path / "tables" / "scores.tex").read_text(encoding="utf-8")
    assert "First 20 of 500 rows; every row is in tables.xlsx." in scores
    assert "电商服务质量" in (tmp_path / "tables" / "weights.tex").read_text(encoding="utf-8")
    # every row (longtable) with --rows 0
    files = write_paper(paper, tmp_path / "all", tables=("latex",), figures=(), max_rows=0)
    tex = (tmp_path / "all" / "tables" / "scores.tex").read_text(encoding="utf-8")
    assert r"\begin{longtable}" in tex and r"\endhead" in tex
    assert tex.count(r" \\" + "\n") >= 500


def test_markdown_and_excel(paper: Report, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    files = write_paper(paper, tmp_path, tables=("md", "xlsx"), figures=())
    md = (tmp_path / "tables" / "consistency.md").read_text(encoding="utf-8")
    assert md.startswith("<!-- ") and "| node | name | n |" in md
    assert "| ecommerce\\_service | 电商服务质量 | 5 | eigenvector | 5.0555 |" in md
    xlsx = tmp_path / "tables" / "tables.xlsx"
    assert files[-1] == xlsx
    wb = load_workbook(xlsx)
    assert wb.sheetnames == [t.key for t in paper.tables]
    ws = wb["scores"]
    t = _table(paper, "scores")
    assert ws.max_row == 1 + len(t.rows) == 501  # every row, not the first 50
    assert ws["C2"].value == pytest.approx(t.rows[0][2], rel=1e-14)
    assert ws["C2"].number_format == "0.0000"
    ws = wb["consistency"]
    assert [c.value for c in ws[1]][:5] == ["node", "name", "n", "method", "λmax"]
    cr = float(_table(paper, "consistency").rows[0][8])  # type: ignore[arg-type]
    assert ws["I2"].value == pytest.approx(cr, rel=1e-14) != round(cr, 4)  # CR, unrounded


def test_svg_figures_are_well_formed(paper: Report, tmp_path: Path) -> None:
    files = write_paper(paper, tmp_path, tables=(), figures=("svg",))
    assert [p.name for p in files] == [f"{c.key}.svg" for c in paper.charts]
    ns = "{http://www.w3.org/2000/svg}"
    for p in files:
        root = ET.parse(p).getroot()
        assert root.tag == f"{ns}svg" and float(root.get("width", "0")) > 0
        assert "Noto Sans CJK SC" in root.get("font-family", "")
        texts = "".join(e.text or "" for e in root.iter(f"{ns}text"))
        assert re.search(r"[\u4e00-\u9fff]", texts), p.name  # Chinese labels


def test_same_input_same_bytes(fce: tuple[Any, ...], tmp_path: Path) -> None:
    compiled, d, res, _, _ = fce
    outs = []
    for k in range(2):
        oat, mc = _analyses(compiled, d, res)
        rep = build_paper(compiled, d, res, oat=oat, stability=mc, entities=["M0000007"])
        write_paper(rep, tmp_path / str(k), figures=("svg",))
        outs.append(
            {
                p.relative_to(tmp_path / str(k)): p.read_bytes()
                for p in (tmp_path / str(k)).rglob("*.*")
            }
        )
    assert outs[0].keys() == outs[1].keys() and len(outs[0]) > 20
    assert outs[0] == outs[1]


def test_sensitivity_charts() -> None:
    svg = charts.tornado(["a", "b", "c"], [-0.1, 0.5, float("nan")], [0.2, -0.4, 0.05])
    root = ET.fromstring(svg)
    labels = [e.text for e in root.iter("{http://www.w3.org/2000/svg}text")]
    assert labels.index("b") < labels.index("a") < labels.index("c")  # sorted by effect
    svg = charts.rank_stability(
        ["x", "y"], [1, 2], [1, 1], [2, 3], [1.2, 2.1], [0.3, float("nan")], n_entities=3
    )
    assert ET.fromstring(svg).tag.endswith("svg")


def test_png_dpi_chunk() -> None:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    raw = zlib.compress(b"\x00\xff\xff\xff")
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"tIME", b"\x07\xe8\x01\x01\x00\x00\x00")
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )
    out = png_with_dpi(png, 300)
    assert out == png_with_dpi(out, 300)  # idempotent
    assert b"tIME" not in out
    i = out.index(b"pHYs")
    assert out[i - 4 : i] == struct.pack(">I", 9) and out.index(b"IHDR") < i < out.index(b"IDAT")
    assert struct.unpack(">IIB", out[i + 4 : i + 13]) == (11811, 11811, 1)
    with pytest.raises(DataError):
        png_with_dpi(b"GIF89a", 300)


# ----------------------------------------------------------- real browser


def _chromium() -> None:
    if not CHROMIUM.is_file():
        pytest.skip("/usr/bin/chromium is absent (apt-get install chromium fonts-noto-cjk)")


def _png_info(data: bytes) -> tuple[int, int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    w, h = struct.unpack(">II", data[16:24])
    i = data.index(b"pHYs")
    ppm, _, unit = struct.unpack(">IIB", data[i + 4 : i + 13])
    assert unit == 1
    return w, h, ppm


def test_png_at_300_dpi_with_chinese_labels(paper: Report, tmp_path: Path) -> None:
    _chromium()
    files = write_paper(paper, tmp_path, tables=(), figures=("svg", "png"))
    pngs = [p for p in files if p.suffix == ".png"]
    assert [p.stem for p in pngs] == [c.key for c in paper.charts]
    for p in pngs:
        svg = ET.parse(p.with_suffix(".svg")).getroot()
        w, h, ppm = _png_info(p.read_bytes())
        # 300 dpi over the CSS-pixel size (96 px per inch), within the rounding of a pixel
        assert abs(w - float(svg.get("width", "0")) * 300 / 96) <= 0.5
        assert abs(h - float(svg.get("height", "0")) * 300 / 96) <= 0.5
        assert ppm == 11811  # 300 dpi
    again = write_paper(paper, tmp_path / "again", tables=(), figures=("png",), dpi=300)
    assert [p.name for p in again] == [p.name for p in pngs]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(again, pngs, strict=True))
    assert not list((tmp_path / "again" / "figures").glob("*.svg"))
    # Chinese glyphs are drawn by a CJK font: two labels give two different images (missing
    # glyphs would all be the same box)
    shots = []
    for k, label in enumerate(("评价指标", "权重排序")):
        chart = Chart("c", label, charts.bar_chart([label], [1.0], title=label))
        rep = Report("t", "", (), (Section("s", "s", charts=(chart,)),), "t", "fce", None, 1)
        (out,) = write_paper(rep, tmp_path / f"cjk{k}", tables=(), figures=("png",))
        shots.append(out.read_bytes())
    assert shots[0] != shots[1]


# ----------------------------------------------------------------------- CLI


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def test_cli_paper(tmp_path: Path) -> None:
    out = tmp_path / "paper"
    p = _cli(
        "paper", str(TOPSIS_DIR / "tzeng_huang.yaml"), str(TOPSIS_DIR / "alternatives.csv"),
        "-o", str(out), "--method", "topsis", "--samples", "50", "--json",
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["method"] == "topsis" and info["entities"] == 4
    assert "topsis" in info["tables"] and "sensitivity_tornado" in info["figures"]
    assert sorted(info["files"]) == sorted(str(f) for f in out.rglob("*.*"))
    assert (out / "tables" / "topsis.tex").is_file() and (out / "tables" / "tables.xlsx").is_file()
    assert "rounded to 4 decimal places" in info["number_format"]
    q = _cli(
        "paper", "ecommerce_service", str(SAMPLE), "-o", str(tmp_path / "p2"),
        "--format", "tex", "--figures", "none", "--no-sensitivity", "-e", "M0000007",
    )  # fmt: skip
    assert q.returncode == 0, q.stderr
    lines = q.stdout.splitlines()
    assert lines[0].startswith("paper tables and figures of 500 entities")
    assert sorted(lines[1:]) == sorted(str(f) for f in (tmp_path / "p2" / "tables").glob("*"))
    assert all(line.endswith(".tex") for line in lines[1:])
    assert not (tmp_path / "p2" / "figures").exists()
    b = (tmp_path / "p2" / "tables" / "membership_level1.tex").read_text(encoding="utf-8")
    assert "M0000007" in b and "sensitivity.tex" not in q.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("--format", "latex,pdf"), 2, "unknown format 'pdf'"),
        (("--figures", "jpg"), 2, "unknown format 'jpg'"),
        (("-e", "NO_SUCH_ID"), 1, "error: unknown entity id(s): NO_SUCH_ID"),
        (("--method", "topsis", "-e", "M0000007"), 1, "use it with method fce"),
        (("--method", "nope"), 1, "error: unknown"),
        (("--digits", "12"), 2, "--digits"),
    ],
)
def test_cli_paper_bad_input(
    tmp_path: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    p = _cli(
        "paper", "ecommerce_service", str(SAMPLE), "-o", str(tmp_path / "out"),
        "--no-sensitivity", *args,
    )  # fmt: skip
    assert p.returncode == code, (p.stdout, p.stderr)
    assert message in p.stderr and "Traceback" not in p.stderr
    if code == 1:
        assert len(p.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_cli_paper_bad_paths(tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("x")
    p = _cli("paper", "ecommerce_service", str(SAMPLE), "-o", str(f))
    assert p.returncode == 2 and "is a file, not a folder" in p.stderr
    p = _cli("paper", "ecommerce_service", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "o"))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error:")
