"""Unit tests of rail.datasets: registry, generator, loader, writer and command line."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from rail import datasets
from rail.datasets.__main__ import main as cli
from rail.datasets.anpr import DISTRICTS
from tests.paths import ROOT


def test_registry_lists_every_committed_dataset_and_datasheet():
    assert datasets.names() == [
        "anpr_alerts", "burglary_cases", "deepfake_detector_scores", "face_match_scores",
        "patrol_city", "risk_assessment", "safeguarding_audit", "safeguarding_deployment",
        "transaction_alerts"]
    for name in datasets.names():
        assert (ROOT / "datasets" / f"{name}.csv").is_file()
        sheet = (ROOT / "datasets" / f"{name}.md").read_text(encoding="utf-8")
        assert "synthetic" in sheet.lower()


@pytest.mark.parametrize("name", datasets.names())
def test_committed_csv_is_the_default_generation(name, tmp_path):
    rebuilt = datasets.write(datasets.generate(name), tmp_path / f"{name}.csv")
    assert rebuilt.read_bytes() == (ROOT / "datasets" / f"{name}.csv").read_bytes()


@pytest.mark.parametrize("name", datasets.names())
def test_load_returns_the_committed_table(name):
    loaded = datasets.load(name)
    pd.testing.assert_frame_equal(loaded, datasets.generate(name), check_dtype=False)


def test_same_seed_same_table_other_seed_other_table():
    a = datasets.generate("anpr_alerts", rows=300, seed=4)
    b = datasets.generate("anpr_alerts", rows=300, seed=4)
    c = datasets.generate("anpr_alerts", rows=300, seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_anpr_columns_and_ranges():
    alerts = datasets.generate("anpr_alerts", rows=2000, seed=1)
    assert list(alerts.columns) == [
        "alert_id", "district", "hour", "camera", "read_confidence", "true_match"
    ]
    assert alerts["alert_id"].is_unique
    assert set(alerts["district"]) == set(DISTRICTS)
    assert set(alerts["camera"]) == {"fixed", "mobile"}
    assert alerts["hour"].between(0, 23).all()
    assert alerts["read_confidence"].between(0, 1).all()
    assert set(alerts["true_match"]) == {0, 1}


def test_anpr_injected_false_alert_rates_have_the_stated_sizes():
    alerts = datasets.generate(
        "anpr_alerts", rows=200_000, seed=3, false_alert_fixed=0.05, false_alert_mobile=0.4
    )
    false_share = 1 - alerts.groupby("camera")["true_match"].mean()
    # Binomial standard error at n ~ 1e5 is about 0.0015: 0.01 is more than six of them.
    assert false_share["fixed"] == pytest.approx(0.05, abs=0.01)
    assert false_share["mobile"] == pytest.approx(0.4, abs=0.01)


def test_anpr_mobile_share_drives_the_district_gap():
    shares = [0.9, 0.1, 0.1, 0.1]
    alerts = datasets.generate("anpr_alerts", rows=100_000, seed=8, mobile_share=shares)
    mobile = (alerts["camera"] == "mobile").groupby(alerts["district"]).mean()
    np.testing.assert_allclose(mobile[list(DISTRICTS)], shares, atol=0.02)
    false_share = 1 - alerts.groupby("district")["true_match"].mean()
    assert false_share.idxmax() == "Riverside"


def test_anpr_confidence_is_higher_for_true_matches():
    alerts = datasets.generate("anpr_alerts", rows=20_000, seed=2)
    by_truth = alerts.groupby("true_match")["read_confidence"].mean()
    assert by_truth[1] > by_truth[0] + 0.1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "no_such_data"}, "unknown dataset 'no_such_data'; known datasets: anpr_alerts"),
        ({"name": "anpr_alerts", "rows": -3}, "rows must be a positive whole number, got -3"),
        ({"name": "anpr_alerts", "rows": 0}, "rows must be a positive whole number"),
        ({"name": "anpr_alerts", "rows": 2.5}, "rows must be a positive whole number"),
        ({"name": "anpr_alerts", "seed": -1}, "seed must be a whole number >= 0"),
        ({"name": "anpr_alerts", "speed": 3}, "unknown effect(s) speed"),
        ({"name": "anpr_alerts", "false_alert_mobile": 1.5},
         "false_alert_mobile must be a probability"),
        ({"name": "anpr_alerts", "mobile_share": [0.5]}, "one value per district"),
    ],
)
def test_bad_generate_arguments_raise_clear_errors(kwargs, message):
    with pytest.raises(datasets.DatasetError) as err:
        datasets.generate(**kwargs)
    assert message in str(err.value)


def test_load_unknown_name_is_a_clear_error():
    with pytest.raises(datasets.DatasetError, match="unknown dataset 'anpr'"):
        datasets.load("anpr")


def test_load_reports_a_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(datasets.DatasetError, match=r"is missing; run `make datasets`"):
        datasets.load("anpr_alerts")


def test_data_dir_env_must_name_a_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(datasets.DatasetError, match="not a folder"):
        datasets.data_dir()


def test_data_dir_env_overrides_the_default(tmp_path, monkeypatch):
    datasets.rebuild(tmp_path)
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    assert datasets.csv_path("anpr_alerts") == tmp_path / "anpr_alerts.csv"


def test_write_csv_and_parquet_round_trip(tmp_path):
    frame = datasets.generate("anpr_alerts", rows=50, seed=9)
    for suffix in (".csv", ".parquet"):
        path = datasets.write(frame, tmp_path / "nested" / f"alerts{suffix}")
        back = pd.read_csv(path) if suffix == ".csv" else pd.read_parquet(path)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)


def test_write_rejects_unknown_format_and_unwritable_path(tmp_path):
    frame = datasets.generate("anpr_alerts", rows=5, seed=0)
    with pytest.raises(datasets.DatasetError, match=r"use a \.csv or \.parquet name"):
        datasets.write(frame, tmp_path / "alerts.xlsx")
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    with pytest.raises(datasets.DatasetError, match="cannot write"):
        datasets.write(frame, blocker / "alerts.csv")


def test_cli_generate_with_effects(tmp_path, capsys):
    out = tmp_path / "alerts.csv"
    code = cli([
        "generate", "anpr_alerts", "--rows", "400", "--seed", "6",
        "--effect", "mobile_share=[0.9,0.1,0.1,0.1]", "--effect", "false_alert_fixed=0.0",
        "--out", str(out),
    ])
    assert code == 0
    assert "wrote 400 rows" in capsys.readouterr().out
    expected = datasets.generate(
        "anpr_alerts", rows=400, seed=6, mobile_share=[0.9, 0.1, 0.1, 0.1], false_alert_fixed=0.0
    )
    pd.testing.assert_frame_equal(pd.read_csv(out), expected, check_dtype=False)


def test_cli_list_names_defaults(capsys):
    assert cli(["list"]) == 0
    assert "anpr_alerts" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["generate", "nope", "--out", "x.csv"], "error: unknown dataset 'nope'"),
        (["generate", "anpr_alerts", "--rows", "-5", "--out", "x.csv"], "rows must be a positive"),
        (["generate", "anpr_alerts", "--effect", "bogus=1", "--out", "x.csv"], "unknown effect"),
    ],
)
def test_cli_bad_input_exits_2_with_a_message(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()


def test_cli_unwritable_path(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    assert cli(["generate", "anpr_alerts", "--out", str(blocker / "x.csv")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_cli_runs_as_a_module_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "rail.datasets", "generate", "anpr_alerts", "--rows", "-1",
         "--out", str(tmp_path / "x.csv")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "rows must be a positive whole number" in result.stderr
