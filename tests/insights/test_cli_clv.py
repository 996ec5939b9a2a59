"""`bondfire clv ...` through typer's CliRunner: one JSON object on stdout, errors on one line."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app

DATA = Path(__file__).resolve().parent.parent / "data" / "cdnow_summary.csv"
runner = CliRunner()


def run(*args: str) -> dict[str, float]:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    parsed: dict[str, float] = json.loads(lines[0])
    return parsed


def test_fit_sbg_prints_alpha_beta_and_log_likelihood():
    out = run("clv", "fit-sbg", "--survivors", "1000,869,743,653,593,551,517,491")
    assert set(out) == {"alpha", "beta", "log_likelihood"}
    assert out["alpha"] == pytest.approx(0.668, abs=0.001)
    assert out["beta"] == pytest.approx(3.806, abs=0.002)


def test_fit_bgnbd_on_cdnow():
    out = run("clv", "fit-bgnbd", "--summary", str(DATA))
    assert set(out) == {"r", "alpha", "a", "b", "log_likelihood"}
    assert [round(out[k], 3) for k in ("r", "alpha", "a", "b")] == [0.243, 4.414, 0.793, 2.426]


def test_fit_gamma_gamma_on_cdnow():
    out = run("clv", "fit-gamma-gamma", "--summary", str(DATA))
    assert set(out) == {"p", "q", "v", "log_likelihood"}
    assert (round(out["p"], 2), round(out["q"], 2), round(out["v"], 1)) == (6.25, 3.74, 15.4)


def test_bad_input_is_one_line_and_a_failure(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("frequency,recency\n1,2\n")
    for args, message in (
        (["clv", "fit-sbg", "--survivors", "100,120"], "never increase"),
        (["clv", "fit-sbg", "--survivors", "a,b"], "numbers separated by commas"),
        (["clv", "fit-bgnbd", "--summary", str(bad)], "missing column(s) T"),
        (["clv", "fit-gamma-gamma", "--summary", str(tmp_path / "none.csv")], "no such file"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1
        assert message in result.stderr and result.stderr.count("\n") == 1
