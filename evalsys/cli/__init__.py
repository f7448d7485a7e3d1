"""The ``evalsys`` command line: the Typer app, the registration of its commands, ``main``.

Parse → call the API → render; the commands have no logic of their own.  Each group of
commands lives in its own module (:mod:`~evalsys.cli.tree`, :mod:`~evalsys.cli.ahp`,
:mod:`~evalsys.cli.score`, :mod:`~evalsys.cli.demo`, :mod:`~evalsys.cli.benchmark`, …);
:func:`_register_commands` adds them in the order ``evalsys --help`` lists them.

Exit codes: 0 success, 1 bad input (one clear message on stderr, no traceback), 2 usage.
Heavy modules (numpy, pydantic, pyarrow) are imported inside the commands so that
``evalsys --help`` starts fast.
"""

from __future__ import annotations

import typer

__all__ = ["app", "main"]

app = typer.Typer(
    name="evalsys",
    help="Multi-level indicator evaluation systems: AHP weights with consistency checks, "
    "fuzzy comprehensive evaluation, grades, ranks and benchmarks.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _register_commands() -> None:
    """Add every command and the ``history`` sub-app to :data:`app`, in help order."""
    from evalsys.cli.ahp import ahp_cmd, group_cmd, ri_simulate_cmd
    from evalsys.cli.benchmark import benchmark_cmd, gaps_cmd, peers_cmd
    from evalsys.cli.demo import demo_cmd
    from evalsys.cli.edit import edit_cmd
    from evalsys.cli.history import app as history_app
    from evalsys.cli.indicators import indicators_cmd, sample_logs_cmd
    from evalsys.cli.paper import paper_cmd
    from evalsys.cli.report import report_cmd
    from evalsys.cli.score import sample_data_cmd, score_cmd
    from evalsys.cli.sensitivity import sensitivity_cmd
    from evalsys.cli.survey import survey_cmd
    from evalsys.cli.tree import schema_cmd, validate_cmd, weights_cmd

    app.command("validate")(validate_cmd)
    app.command("schema")(schema_cmd)
    app.command("sample-data")(sample_data_cmd)
    app.command("weights")(weights_cmd)
    app.command("edit")(edit_cmd)
    app.command("ahp")(ahp_cmd)
    app.command("group")(group_cmd)
    app.command("survey")(survey_cmd)
    app.command("ri-simulate")(ri_simulate_cmd)
    app.command("score")(score_cmd)
    app.command("demo")(demo_cmd)
    app.command("benchmark")(benchmark_cmd)
    app.command("gaps")(gaps_cmd)
    app.command("peers")(peers_cmd)
    app.command("report")(report_cmd)
    app.command("paper")(paper_cmd)
    app.command("sensitivity")(sensitivity_cmd)
    app.command("indicators")(indicators_cmd)
    app.command("sample-logs")(sample_logs_cmd)
    app.add_typer(history_app, name="history")


_register_commands()


def main() -> None:
    """Console entry point: run the app; bad input → one message and exit code 1."""
    from evalsys.errors import EvalsysError

    try:
        app()
    except EvalsysError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise SystemExit(130) from None


if __name__ == "__main__":  # pragma: no cover
    main()
