"""Reports: HTML / Markdown / Excel contents, escaping, determinism, CLI, and a real
headless-Chromium check (DOM, console, screenshot) when a browser is installed."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import warnings
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from evalsys.engines.memory import score_entities
from evalsys.errors import DataError
from evalsys.model.compiled import compile_tree
from evalsys.model.data import indicator_data
from evalsys.model.io import load_tree, shipped_path, tree_from_dict, tree_to_dict
from evalsys.model.sample import generate_sample
from evalsys.model.tables import table_from_columns
from evalsys.report import build_report, write_excel, write_html, write_markdown
from evalsys.report import charts as S
from evalsys.report.browser import find_chromium, headless_command, svg_to_png
from evalsys.report.data import Report, format_cell
from evalsys.report.html import render_html
from evalsys.report.inputs import compliance_rows, sensitivity_series
from evalsys.report.markdown import render_markdown, write_charts
from evalsys.report.write import write_report

SAMPLE = shipped_path("samples", "ecommerce_merchants.csv")
HOSTILE = "<script>alert(1)</script>"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
COMPLIANCE = [
    {
        "indicator": "order_processing_time",
        "limit": 30,
        "unit": "min",
        "compliant_share": 0.82,
        "worst_gap": 25.1,
    },
    {
        "indicator": "refund_review_time",
        "limit": 24,
        "unit": "h",
        "compliant_share": 0.55,
        "worst_gap": 12.0,
    },
]
SENSITIVITY = {
    "x_label": "weight multiplier",
    "y_label": "Spearman ρ",
    "客户服务": ([0.5, 1.0, 1.5], [0.97, 1.0, 0.98]),
    "物流配送": ([0.5, 1.0, 1.5], [0.99, 1.0, 0.99]),
}
SECTIONS = [
    "summary",
    "scores",
    "dimensions",
    "entities",
    "weights",
    "compliance",
    "sensitivity",
    "ranking",
]


def _score(spec: Any, table: Any, **kw: Any) -> tuple[Any, Any]:
    from evalsys.model.tables import read_table

    compiled = compile_tree(spec)
    t = read_table(table) if isinstance(table, Path) else table
    d = indicator_data(compiled, t)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compiled, score_entities(compiled, d, **kw)


@pytest.fixture(scope="module")
def scored() -> tuple[Any, Any]:
    return _score(load_tree("ecommerce_service"), SAMPLE)


@pytest.fixture(scope="module")
def report(scored: tuple[Any, Any]) -> Report:
    compiled, res = scored
    return build_report(compiled, res, compliance=COMPLIANCE, sensitivity=SENSITIVITY)


def _hostile_tree() -> Any:
    """The shipped tree with hostile names on the tree, a dimension, a leaf and a grade."""
    d = copy.deepcopy(tree_to_dict(load_tree("ecommerce_service")))
    d["name"] = HOSTILE
    for n in d["nodes"]:
        if n["id"] in ("customer_service", "first_response_time"):
            n["name"] = HOSTILE
        if n["id"] == "response_rate":
            n["name"] = 'a "quoted" & <b>bold</b> | pipe'
    d["grades"] = [
        g.model_dump(mode="json", exclude_none=True) for g in load_tree("ecommerce_service").grades
    ]
    d["grades"][0]["name"] = "<i>优</i>"
    return tree_from_dict(d)


@pytest.fixture(scope="module")
def hostile() -> tuple[Any, Any, Report]:
    spec = _hostile_tree()
    cols = generate_sample(spec, 40, seed=7)
    ids = np.asarray(cols["entity_id"]).astype(object)
    ids[0] = "<img src=x onerror=alert(2)>"
    cols["entity_id"] = ids.astype(str)
    seg = np.asarray(cols["segment"]).astype(object)
    seg[:5] = "<svg onload=alert(3)>"
    cols["segment"] = seg.astype(str)
    compiled, res = _score(spec, table_from_columns(cols))
    rep = build_report(
        compiled,
        res,
        entities=["<img src=x onerror=alert(2)>"],
        compliance=[{"indicator": HOSTILE, "compliant_share": 0.5, "limit": "<= 1 <b>"}],
        sensitivity={HOSTILE: [0.9, 1.0, 0.95]},
    )
    return compiled, res, rep


class _Collect(HTMLParser):
    """Element tree summary: tags, section ids, figures and the svgs inside them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.sections: list[str] = []
        self.figures: list[str] = []
        self.svg_in_figure: list[str] = []
        self.text: list[str] = []
        self._figure: str | None = None
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(a.get("id") or "")
        if tag == "figure":
            self._figure = a.get("data-chart")
            self.figures.append(self._figure or "")
        if tag == "svg" and self._figure is not None:
            self.svg_in_figure.append(self._figure)
        for k in ("src", "href"):
            if a.get(k):
                self.urls.append(a[k] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._figure = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(html: str) -> _Collect:
    p = _Collect()
    p.feed(html)
    return p


# ------------------------------------------------------------------ structure


def test_html_sections_and_charts(report: Report, scored: tuple[Any, Any]) -> None:
    _, res = scored
    html = render_html(report)
    p = _parse(html)
    assert p.sections == SECTIONS
    # every chart is an inline <svg> inside its figure
    keys = [c.key for c in report.charts]
    assert p.figures == keys
    assert p.svg_in_figure == keys
    assert len(keys) == 12
    assert {
        "weights_sunburst",
        "weights_tree",
        "score_histogram",
        "grade_distribution",
        "dimension_boxplot",
        "dimension_heatmap",
        "segment_heatmap",
        "compliance",
        "sensitivity",
    } <= set(keys)
    assert sum(k.startswith("radar_") for k in keys) == 3
    # self-contained: no script, no remote resource, a CSP that forbids both
    assert "script" not in p.tags
    assert all(u.startswith(("#", "data:")) for u in p.urls), p.urls
    assert "default-src 'none'" in html
    assert re.search(r"https?://(?!www\.w3\.org/2000/svg)", html) is None
    # Chinese labels are present as text and the font stack names CJK fonts first
    text = "".join(p.text)
    for name in res.dimension_names:
        assert name in text
    assert '"Noto Sans CJK SC"' in html
    assert '<html lang="zh-CN">' in html


def test_report_numbers_match_the_result(report: Report, scored: tuple[Any, Any]) -> None:
    compiled, res = scored
    grades = {t.key: t for t in report.tables}["grades"]
    counts = np.bincount(res.grade, minlength=4)
    assert [r[3] for r in grades.rows] == [int(c) for c in counts]
    assert sum(int(r[3] or 0) for r in grades.rows) == 500
    assert grades.rows[1][1] == "良" and grades.rows[1][3] == 285
    weights = {t.key: t for t in report.tables}["weights"]
    leaf_ids = set(compiled.leaf_ids)
    leaf_sum = sum(float(r[6] or 0) for r in weights.rows if r[0] in leaf_ids)
    assert leaf_sum == pytest.approx(1.0, abs=1e-12)
    cr = {t.key: t for t in report.tables}["consistency"]
    assert [r[0] for r in cr.rows] == [n.node_id for n in res.weights.nodes]
    assert [r[9] for r in cr.rows] == [n.cr for n in res.weights.nodes]
    assert cr.rows[0][9] == pytest.approx(0.012386884, abs=1e-8)  # root matrix of the tree
    ranking = {t.key: t for t in report.tables}["ranking"]
    best = int(np.argmin(res.rank))
    assert ranking.rows[0][1] == str(res.entity_ids[best])
    assert ranking.rows[0][4] == pytest.approx(float(res.score[best]))
    assert len(ranking.rows) == 500
    # heat map: top 15 and bottom 15 of 500, best first
    hm = next(c for c in report.charts if c.key == "dimension_heatmap").svg
    order = np.argsort(res.rank, kind="stable")
    assert hm.count("<rect") >= 30 * 5
    assert hm.index(str(res.entity_ids[order[0]])) < hm.index(str(res.entity_ids[order[-1]]))
    assert str(res.entity_ids[order[250]]) not in hm
    # selected entities default to best, median and worst
    sel = {t.key: t for t in report.tables}["selected"]
    assert [r[1] for r in sel.rows] == ["best", "median", "worst"]
    assert [r[2] for r in sel.rows] == [1, int(res.rank[order[250]]), 500]


def test_hostile_names_are_escaped(hostile: tuple[Any, Any, Report], tmp_path: Path) -> None:
    _, _, rep = hostile
    html = render_html(rep)
    assert HOSTILE not in html
    assert "<img src=x" not in html and "<svg onload" not in html and "<i>优" not in html
    assert HOSTILE_ESCAPED in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    p = _parse(html)
    assert "script" not in p.tags and "img" not in p.tags and "i" not in p.tags
    text = "".join(p.text)
    assert HOSTILE in text  # shown as text: the parser gives back the literal name
    assert 'a "quoted" & <b>bold</b> | pipe' in text
    # inside the SVG charts too (sunburst, weight tree, heat map, radar, compliance)
    for c in rep.charts:
        assert HOSTILE not in c.svg and "<img" not in c.svg
    assert HOSTILE_ESCAPED in next(c for c in rep.charts if c.key == "weights_tree").svg
    # Markdown: HTML-escaped and pipes escaped, so the tables keep their columns
    md = write_markdown(rep, tmp_path / "r.md").read_text(encoding="utf-8")
    assert HOSTILE not in md and "<b>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md
    assert "\\| pipe" in md
    for f in (tmp_path / "r_charts").glob("*.svg"):
        assert HOSTILE not in f.read_text(encoding="utf-8")
    # Excel stores the literal name as text (a cell is data, not markup)
    from openpyxl import load_workbook

    wb = load_workbook(write_excel(rep, tmp_path / "r.xlsx"))
    names = [c.value for c in wb["weights"]["B"]]
    assert HOSTILE in names


def test_markdown_tables_and_chart_files(report: Report, tmp_path: Path) -> None:
    out = write_markdown(report, tmp_path / "report.md", tmp_path / "figs")
    md = out.read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert links == [f"figs/{c.key}.svg" for c in report.charts]
    for link in links:
        svg_text = (tmp_path / link).read_text(encoding="utf-8")
        assert svg_text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg ')
    assert "| grade | name | grade score | entities | share | mean score | mean validity |" in md
    assert "| good | 良 | 85 | 285 | 57.0% |" in md
    assert "All 500 entities by rank: 500 rows, in the Excel report." in md
    assert md.count("\n## ") == len(report.sections)


def test_excel_one_sheet_per_table(report: Report, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(write_excel(report, tmp_path / "report.xlsx"))
    assert wb.sheetnames == [t.key for t in report.tables]
    assert wb.sheetnames == [
        "summary",
        "grades",
        "dimensions",
        "segments",
        "selected",
        "consistency",
        "hierarchical_cr",
        "weights",
        "compliance",
        "sensitivity",
        "ranking",
    ]
    for t in report.tables:
        ws = wb[t.key]
        assert [c.value for c in ws[1]] == list(t.columns)
        assert ws.max_row == len(t.rows) + 1
    g = wb["grades"]
    assert [g.cell(r, 4).value for r in range(2, 6)] == [88, 285, 110, 17]
    assert g.cell(3, 5).value == pytest.approx(0.57) and g.cell(3, 5).number_format == "0.0%"
    rk = wb["ranking"]
    assert rk.cell(2, 1).value == 1 and isinstance(rk.cell(2, 5).value, float)
    assert rk.max_row == 501


def test_same_input_same_bytes(scored: tuple[Any, Any], tmp_path: Path) -> None:
    compiled, _ = scored
    outs = []
    for k in range(2):
        _, res2 = _score(load_tree("ecommerce_service"), SAMPLE)
        rep = build_report(compiled, res2, compliance=COMPLIANCE, sensitivity=SENSITIVITY)
        d = tmp_path / f"run{k}"
        write_html(rep, d / "r.html")
        write_markdown(rep, d / "r.md")
        write_excel(rep, d / "r.xlsx")
        outs.append(d)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert len(files) == 3 + 12
    for f in files:
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    html = (outs[0] / "r.html").read_text(encoding="utf-8")
    assert re.search(r"20\d\d-\d\d-\d\d", html) is None  # no date anywhere
    with zipfile.ZipFile(outs[0] / "r.xlsx") as z:
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_other_methods_and_selected_entities(scored: tuple[Any, Any]) -> None:
    compiled, _ = scored
    _, res = _score(load_tree("ecommerce_service"), SAMPLE, method="weighted_sum")
    rep = build_report(compiled, res, entities=["M0000002", "M0000001"], heatmap_rows=10)
    keys = [c.key for c in rep.charts]
    assert "grade_distribution" not in keys
    assert keys.count("radar_selected_1") + keys.count("radar_selected_2") == 2
    assert "grades" not in [t.key for t in rep.tables]
    sel = {t.key: t for t in rep.tables}["selected"]
    assert [r[0] for r in sel.rows] == ["M0000002", "M0000001"]
    assert sel.rows[0][3] == pytest.approx(float(res.score[1]))
    hm = next(c for c in rep.charts if c.key == "dimension_heatmap").svg
    assert (
        hm.count("<text") > 0
        and "Top 5 and bottom 5 of 500"
        in next(c for c in rep.charts if c.key == "dimension_heatmap").caption
    )
    with pytest.raises(DataError, match=r"unknown entity id.*NOPE"):
        build_report(compiled, res, entities=["NOPE"])
    with pytest.raises(DataError, match="heatmap_rows must be at least 2"):
        build_report(compiled, res, heatmap_rows=1)


# --------------------------------------------------------------- duck inputs


class _Rows:
    def to_rows(self) -> list[dict[str, Any]]:
        return [{"indicator": "x", "compliant_share": 0.25, "segment": "food"}]


def test_compliance_and_sensitivity_inputs() -> None:
    cols, rows = compliance_rows(_Rows())
    assert cols == ("indicator", "compliant_share", "segment")
    assert rows == [["x", 0.25, "food"]]
    with pytest.raises(DataError, match="every row needs an 'indicator'"):
        compliance_rows([{"limit": 3}])
    with pytest.raises(DataError, match="expected a list of rows"):
        compliance_rows({"indicator": "x"})  # type: ignore[arg-type]
    bars = sensitivity_series({"fce vs topsis": 0.91, "fce vs grey": 0.87})
    assert bars.kind == "bars" and bars.series[1] == ("fce vs grey", (), (0.87,))
    lines = sensitivity_series(
        [{"series": "a", "x": 0.5, "y": 0.9}, {"series": "a", "x": 1, "y": 1.0}]
    )
    assert lines.kind == "lines" and lines.series == (("a", (0.5, 1.0), (0.9, 1.0)),)
    seq = sensitivity_series({"a": [0.9, 1.0, 0.8]})
    assert seq.series == (("a", (1.0, 2.0, 3.0), (0.9, 1.0, 0.8)),)
    with pytest.raises(DataError, match=r"rows need keys \{series, x, y\}"):
        sensitivity_series([{"foo": 1}])
    with pytest.raises(DataError, match="3 x values and 2 y values"):
        sensitivity_series({"a": ([1, 2, 3], [1, 2])})


def test_real_benchmark_and_sensitivity_results(scored: tuple[Any, Any]) -> None:
    """The report takes evalsys.analysis.benchmark and evalsys.analysis.sensitivity results as they
    are."""
    from evalsys.analysis.benchmark import check_standards, load_standards
    from evalsys.analysis.sensitivity.oat import perturb_one_at_a_time
    from evalsys.model.tables import read_table

    compiled, res = scored
    prof = load_standards("ecommerce_documents", compiled.spec)
    d = indicator_data(
        compiled, read_table(SAMPLE), passthrough=("segment", "tier", *prof.selector_columns())
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        comp = check_standards(compiled, d, prof)
        oat = [perturb_one_at_a_time(compiled, d, res.weights, delta=x) for x in (0.1, 0.3)]
    rep = build_report(compiled, res, compliance=comp, sensitivity=oat)
    ct = {t.key: t for t in rep.tables}["compliance"]
    assert [r[0] for r in ct.rows] == list(comp.indicator_ids)
    share = ct.columns.index("compliant_share")
    assert [r[share] for r in ct.rows] == [float(x) for x in comp.compliance]
    st = {t.key: t for t in rep.tables}["sensitivity"]
    assert [r[0] for r in st.rows] == [0.7, 0.9, 1.0, 1.1, 1.3]
    assert st.columns[1:] == res.dimension_names
    p0 = oat[0].perturbations[0]  # first dimension × (1 + 0.1)
    assert (p0.child, p0.direction) == ("customer_service", 1)
    assert st.rows[3][1] == p0.spearman
    assert 0.99 < p0.spearman < 1.0
    assert st.rows[2][1:] == (1.0,) * 5  # the base ranking


# --------------------------------------------------------------- SVG charts


def test_svg_primitives() -> None:
    assert S.nice_ticks(0, 285) == [0, 100, 200, 300]
    assert S.nice_ticks(60, 95, 7) == [60, 65, 70, 75, 80, 85, 90, 95]
    h = S.histogram([1, 2, 2, 3, 3, 3], bins=3, value_range=(0.5, 3.5), title="<t>")
    heights = [
        float(x)
        for x in re.findall(
            r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" '
            r'height="([\d.]+)" fill="#3b6fb6"',
            h,
        )
    ]
    assert len(heights) == 3 and heights[0] * 3 == pytest.approx(heights[2], abs=0.02)
    assert "<title>&lt;t&gt;</title>" in h
    hm = S.heat_map(["a", "b"], ["x", "y", "z"], [[1, 2, 3], [4, 5, float("nan")]], vmin=1, vmax=5)
    assert hm.count("<title>a · x: 1.0</title>") == 1 and "b · z: —" in hm
    assert S.diverging_color(0.0) == "#d73027" and S.diverging_color(1.0) == "#4575b4"
    r = S.radar(["a", "b", "c", "d"], [("e", [95, 60, 95, 60])], vmin=60, vmax=95, size=300)
    assert r.count("<circle") == 4
    nodes = [
        S.SunburstNode("root", -1, 1.0, 1.0, 0),
        S.SunburstNode("A", 0, 0.75, 0.75, 1),
        S.SunburstNode("B", 0, 0.25, 0.25, 1),
        S.SunburstNode("a1", 1, 0.5, 2 / 3, 2),
        S.SunburstNode("a2", 1, 0.25, 1 / 3, 2),
    ]
    sb = S.sunburst(nodes)
    assert sb.count("<path") == 4  # one arc per non-root node
    assert "A: global 0.7500, local 0.7500" in sb
    wt = S.weight_tree(nodes)
    assert wt.index(">A<") < wt.index(">a1<") < wt.index(">a2<") < wt.index(">B<")
    assert format_cell(0.5, "0.0%") == "50.0%" and format_cell(3, "0.00") == "3"
    assert format_cell(float("nan"), "0.00") == "—" and format_cell(None) == "—"


def test_write_report_by_extension(report: Report, tmp_path: Path) -> None:
    assert (
        write_report(report, tmp_path / "a.htm")
        .read_text(encoding="utf-8")
        .startswith("<!DOCTYPE html>")
    )
    with pytest.raises(DataError, match=r"unsupported report type '\.pdf'"):
        write_report(report, tmp_path / "a.pdf")
    files = write_charts(report, tmp_path / "charts")
    assert sorted(p.name for p in files) == sorted(f"{c.key}.svg" for c in report.charts)
    assert render_markdown(report, {}).count("![") == 0


# ----------------------------------------------------------------------- CLI


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evalsys", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_report_formats(tmp_path: Path) -> None:
    p = _cli(
        "report", "ecommerce_service", str(SAMPLE), "-o", str(tmp_path / "r.html"),
        "--standard", "ecommerce_documents", "--entity", "M0000007",
        "--charts", str(tmp_path / "c"), "--json",
    )  # fmt: skip
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["entities"] == 500 and out["format"] == "html"
    assert out["sections"] == SECTIONS
    assert len(out["charts"]) == 10  # one radar (the selected entity) instead of three
    assert sorted(Path(c).name for c in out["charts"]) == sorted(
        p.name for p in (tmp_path / "c").iterdir()
    )
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "M0000007 — selected" in html and "order_processing_time" in html
    q = _cli(
        "report", "ecommerce_service", str(SAMPLE), "-o", str(tmp_path / "r.xlsx"),
        "--no-sensitivity", "--method", "topsis",
    )  # fmt: skip
    assert q.returncode == 0, q.stderr
    assert f"→ {tmp_path / 'r.xlsx'}" in q.stdout
    from openpyxl import load_workbook

    wb = load_workbook(tmp_path / "r.xlsx")
    assert "sensitivity" not in wb.sheetnames and "grades" not in wb.sheetnames
    assert wb["summary"]["B4"].value == "topsis"
    bad = _cli("report", "ecommerce_service", str(SAMPLE), "-o", str(tmp_path / "r.pdf"))
    assert bad.returncode == 2 and "unsupported report type" in bad.stderr
    assert not (tmp_path / "r.pdf").exists()


# ----------------------------------------------------------- real browser


def _browser() -> str:
    exe = find_chromium()
    if exe is None:
        pytest.skip(
            "chromium not found: install it (apt-get install chromium fonts-noto-cjk) "
            "or set EVALSYS_CHROMIUM to run the headless-browser test"
        )
    return exe


def test_html_in_headless_chromium(hostile: tuple[Any, Any, Report], tmp_path: Path) -> None:
    """Load the report in real Chromium: no console message at all (the page has no
    script, so any message is an error or a CSP violation), every chart in the DOM, the
    hostile names as text, and a screenshot of the page."""
    exe = _browser()
    _, _, rep = hostile
    page = write_html(rep, tmp_path / "hostile.html")
    run = subprocess.run(
        headless_command(
            exe,
            tmp_path / "profile",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.resolve().as_uri(),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]
    assert console == []
    dom = run.stdout
    assert dom.count("<svg") == len(rep.charts) == 10
    assert "<script" not in dom and "<img" not in dom
    assert HOSTILE_ESCAPED in dom  # a text node, serialised escaped
    p = _parse(dom)
    assert HOSTILE in "".join(p.text)
    assert p.sections == SECTIONS
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        headless_command(
            exe,
            tmp_path / "profile2",
            f"--screenshot={shot}",
            "--window-size=1280,2400",
            page.resolve().as_uri(),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and shot.exists(), run.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1280, 2400)
    assert len(data) > 50_000  # a page with charts, not a blank image


def test_chart_to_png(report: Report, tmp_path: Path) -> None:
    _browser()
    svg_path = write_charts(report, tmp_path)[0]
    png = svg_to_png(svg_path, tmp_path / "chart.png", scale=2)
    data = png.read_bytes()
    w = int.from_bytes(data[16:20], "big")
    width = float(re.search(r'width="([\d.]+)"', svg_path.read_text(encoding="utf-8"))[1])  # type: ignore[index]
    assert data[:4] == b"\x89PNG" and w == round(2 * width)
