"""``evalsys ahp``, ``evalsys group`` and ``evalsys ri-simulate``: pairwise matrices.

Plain functions with Typer annotations; :mod:`evalsys.cli` registers them.  A matrix file
is CSV (optional header row and label column) or JSON (a list of rows, or an object with
``matrix`` and ``criteria``).  Heavy modules are imported inside the functions so that
``evalsys --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from evalsys.cli._common import JsonOpt, _console, _emit_json, _table

__all__ = ["ahp_cmd", "group_cmd", "ri_simulate_cmd"]


def _read_matrix_file(path: Path) -> tuple[Any, list[str] | None]:
    from evalsys.errors import MatrixError

    if not path.is_file():
        raise MatrixError("no such file" if not path.exists() else "not a file", file=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (UnicodeDecodeError, OSError) as exc:
        raise MatrixError(f"cannot read the file as UTF-8 text: {exc}", file=str(path)) from None
    if not text.strip():
        raise MatrixError("file is empty", file=str(path))
    labels: list[str] | None = None
    if path.suffix.lower() == ".json":
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MatrixError(
                f"malformed JSON: {exc.msg}", file=str(path), line=exc.lineno
            ) from None
        if isinstance(obj, dict):
            labels = obj.get("criteria") or obj.get("labels")
            if labels is not None and not (
                isinstance(labels, list) and all(isinstance(x, str) for x in labels)
            ):
                raise MatrixError("'criteria' must be a list of names (strings)", file=str(path))
            obj = obj.get("matrix")
            if obj is None:
                raise MatrixError("JSON object needs a 'matrix' key", file=str(path))
        return obj, labels
    import csv
    import io as _io
    from fractions import Fraction

    rows = [r for r in csv.reader(_io.StringIO(text)) if any(c.strip() for c in r)]

    def is_num(tok: str) -> bool:
        try:
            Fraction(tok.strip())
        except (ValueError, ZeroDivisionError):
            return False
        return True

    # a header row has no number in it; a label column has no number in its first cells
    if rows and not any(is_num(c) for c in rows[0] if c.strip()):
        labels = [c.strip() for c in rows[0]]
        rows = rows[1:]
    if rows and all(r and not is_num(r[0]) for r in rows):
        row_labels = [r[0].strip() for r in rows]
        rows = [r[1:] for r in rows]
        if labels is not None and len(labels) == len(rows) + 1:
            labels = labels[1:]  # the corner cell ("criterion") names the label column
        labels = labels if labels is not None and len(labels) == len(rows) else row_labels
    elif labels is not None:
        labels = [x for x in labels if x]
    return [[c.strip() for c in r] for r in rows], labels


def _criterion_names(labels: list[str] | None, n: int) -> list[str]:
    """The file's criterion labels if there is one for each of the ``n`` rows, else C1 … Cn."""
    return labels if labels and len(labels) == n else [f"C{i + 1}" for i in range(n)]


def ahp_cmd(
    matrix_file: Annotated[Path, typer.Argument(help="CSV or JSON pairwise matrix.")],
    method: Annotated[str, typer.Option(help="Priority method.")] = "eigenvector",
    ri: Annotated[str, typer.Option(help="Random-index table.")] = "saaty1980",
    threshold: Annotated[float, typer.Option(help="CR threshold.")] = 0.10,
    max_changes: Annotated[int, typer.Option(help="Most judgments a repair may change.")] = 3,
    as_json: JsonOpt = False,
) -> None:
    """Weights and consistency of one pairwise matrix, with diagnosis and suggested repair."""
    from evalsys.weights.ahp import ahp_priorities, parse_matrix
    from evalsys.weights.consistency import gci, koczkodaj
    from evalsys.weights.diagnosis import diagnose, suggest_repair

    raw, labels = _read_matrix_file(matrix_file)
    try:
        a = parse_matrix(raw)
        r = ahp_priorities(a, method=method, ri=ri, threshold=threshold)
    except Exception as exc:
        from evalsys.errors import EvalsysError

        if isinstance(exc, EvalsysError):
            raise exc.with_context(file=str(matrix_file)) from None
        raise
    n = r.n
    names = _criterion_names(labels, n)
    diag = diagnose(a, method=method, ri=ri, threshold=threshold)
    repair = (
        None
        if r.consistent
        else suggest_repair(a, threshold=threshold, max_changes=max_changes, method=method, ri=ri)
    )
    g = float(gci(a)) if n >= 3 else None
    k = float(koczkodaj(a)) if n >= 3 else None
    out: dict[str, Any] = {
        "criteria": names,
        "weights": [float(w) for w in r.weights],
        "lambda_max": float(r.lambda_max),
        "ci": float(r.ci),
        "cr": float(r.cr),
        "ri": r.ri,
        "ri_table": r.ri_table,
        "threshold": r.threshold,
        "consistent": bool(r.consistent),
        "method": r.method,
        "gci": g,
        "koczkodaj": k,
        "diagnosis": [
            {
                "row": names[d.i],
                "col": names[d.j],
                "value": d.value,
                "implied": d.implied,
                "epsilon": d.epsilon,
                "share": d.share,
            }
            for d in diag.judgments[:5]
        ],
        "intransitive_triads": [[names[x] for x in t] for t in diag.intransitive_triads],
        "repair": None
        if repair is None
        else {
            "changes": [
                {"row": names[c.i], "col": names[c.j], "old": c.old, "new": c.new}
                for c in repair.changes
            ],
            "cr_after": repair.cr_after,
            "consistent": repair.consistent,
            "weights_after": [float(w) for w in repair.weights],
        },
    }
    if as_json:
        _emit_json(out)
        return
    from rich.markup import escape

    con = _console()
    t = _table(f"AHP priorities ({r.method})", "criterion", "weight")
    for nm, w in zip(names, r.weights, strict=True):
        t.add_row(escape(nm), f"{w:.4f}")
    con.print(t)
    verdict = "consistent" if r.consistent else "NOT consistent"
    con.print(
        f"λmax = {r.lambda_max:.4f}   CI = {r.ci:.4f}   CR = {r.cr:.4f}   "
        f"(RI {r.ri_table}: {r.ri:.4f}, threshold {r.threshold:g}) → {verdict}"
    )
    if g is not None:
        con.print(f"GCI = {g:.4f}   Koczkodaj index = {k:.4f}")
    if diag.intransitive_triads:
        for tri in diag.intransitive_triads:
            a_, b_, c_ = (names[x] for x in tri)
            con.print(
                f"[red]ordinal inconsistency[/red]: {escape(a_)} ≻ {escape(b_)} ≻ "
                f"{escape(c_)} ≻ {escape(a_)}"
            )
    con.print("most inconsistent judgments (ε = a_ij·w_j/w_i; 1 is perfect):")
    for d in diag.judgments[:3]:
        con.print(
            f"  {escape(names[d.i])} vs {escape(names[d.j])}: {_frac(d.value)} "
            f"(priorities imply {d.implied:.3f}, ε = {d.epsilon:.3f}, "
            f"{d.share:.0%} of squared log error)"
        )
    if repair is not None and repair.changes:
        con.print("suggested repair (not applied):")
        for c in repair.changes:
            con.print(
                f"  set {escape(names[c.i])} vs {escape(names[c.j])} from "
                f"{_frac(c.old)} to {_frac(c.new)}"
            )
        con.print(
            f"  → CR {repair.cr_before:.4f} → {repair.cr_after:.4f}"
            + ("" if repair.consistent else " (still above the threshold)")
        )


def _frac(x: float) -> str:
    from fractions import Fraction

    f = Fraction(x).limit_denominator(9)
    if abs(float(f) - x) < 1e-9:
        return str(f)
    return f"{x:.4g}"


def group_cmd(
    files: Annotated[list[Path], typer.Argument(help="One matrix file (CSV/JSON) per expert.")],
    aggregation: Annotated[str, typer.Option(help="aij, aip_geometric, aip_arithmetic.")] = "aij",
    expert_weights: Annotated[
        str | None, typer.Option("--expert-weights", help="Comma-separated, one per file.")
    ] = None,
    method: Annotated[str, typer.Option(help="Priority method.")] = "eigenvector",
    ri: Annotated[str, typer.Option(help="Random-index table.")] = "saaty1980",
    cr_max: Annotated[
        float | None, typer.Option(help="Screen out experts with CR >= this.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Group AHP: aggregate several experts' matrices, with per-expert CR and agreement."""
    from evalsys.errors import MatrixError
    from evalsys.weights.ahp import parse_matrix
    from evalsys.weights.group import group_priorities

    mats = []
    labels = None
    for f in files:
        raw, lab = _read_matrix_file(f)
        try:
            mats.append(parse_matrix(raw))
        except MatrixError as exc:
            raise exc.with_context(file=str(f)) from None
        labels = labels or lab
    if len({m.shape for m in mats}) > 1:
        raise MatrixError(
            "expert matrices differ in size: "
            + ", ".join(f"{f}: {m.shape[0]}x{m.shape[1]}" for f, m in zip(files, mats, strict=True))
        )
    ew = None
    if expert_weights is not None:
        try:
            ew = [float(x) for x in expert_weights.split(",")]
        except ValueError:
            raise typer.BadParameter(
                "expert weights must be numbers", param_hint="--expert-weights"
            ) from None
        if len(ew) != len(files):
            raise typer.BadParameter(
                f"{len(ew)} weights for {len(files)} files", param_hint="--expert-weights"
            )
    import numpy as np

    g = group_priorities(
        np.stack(mats), ew, aggregation=aggregation, method=method, ri=ri, cr_max=cr_max
    )
    names = _criterion_names(labels, mats[0].shape[0])
    out = {
        "criteria": names,
        "weights": [float(w) for w in g.weights],
        "aggregation": g.aggregation,
        "method": g.method,
        "ri_table": g.ri_table,
        "group_cr": g.group_cr,
        "experts": [str(f) for f in files],
        "expert_cr": [float(x) for x in g.expert_cr],
        "used_weights": [float(x) for x in g.used_weights],
        "screened_out": [str(files[i]) for i in g.screened_out],
        "kendall_w": g.kendall_w,
        "saaty_compatibility": [float(x) for x in g.saaty_compatibility],
    }
    if as_json:
        _emit_json(out)
        return
    from rich.markup import escape

    con = _console()
    t = _table(
        f"Group priorities ({g.aggregation}, {g.method})",
        "criterion",
        "group weight",
        *(escape(Path(f).stem) for f in files),
    )
    for i, nm in enumerate(names):
        t.add_row(
            escape(nm),
            f"{g.weights[i]:.4f}",
            *(f"{g.expert_priorities[k, i]:.4f}" for k in range(len(files))),
        )
    con.print(t)
    for k, f in enumerate(files):
        flag = " (screened out)" if k in g.screened_out else ""
        con.print(
            f"{escape(str(f))}: CR {g.expert_cr[k]:.4f}, weight {g.used_weights[k]:.3f}, "
            f"compatibility S {g.saaty_compatibility[k]:.4f}{flag}"
        )
    if g.group_cr is not None:
        con.print(f"group matrix CR {g.group_cr:.4f}")
    if g.kendall_w is not None:
        con.print(f"Kendall's W (agreement of the experts' rankings): {g.kendall_w:.4f}")


def ri_simulate_cmd(
    n: Annotated[int, typer.Argument(min=1, help="Matrix order.")],
    samples: Annotated[int, typer.Option(min=1, help="Random matrices.")] = 100_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Monte Carlo random index: mean CI of random reciprocal Saaty-scale matrices."""
    from evalsys.weights.consistency import ri_simulate

    value = ri_simulate(n, samples, seed=seed)
    if as_json:
        _emit_json({"n": n, "samples": samples, "seed": seed, "ri": value})
    else:
        typer.echo(f"RI({n}) = {value:.4f}  ({samples} samples, seed {seed})")
