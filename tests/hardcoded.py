"""For each module, a submission hard-coded to the visible data, which hidden tests must catch.

A trainee who copies the visible table's answers into ``return`` statements passes every
visible test; only the hidden tests, which re-check on data the trainee has not seen, can
tell. Each entry builds that submission from the committed data and names the test cells
that must award it nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import nbformat

from rail import datasets
from tests.paths import ROOT


@dataclass(frozen=True)
class HardCoded:
    answers: dict[str, str]
    """Source of each answer cell, by grade_id."""
    caught: frozenset[str]
    """grade_ids of the test cells that must score zero."""


def _orientation() -> HardCoded:
    alerts = datasets.load("anpr_alerts")
    share = float((alerts["true_match"] == 0).mean())
    by_district = {
        district: float(value)
        for district, value in (1 - alerts.groupby("district")["true_match"].mean()).items()
    }
    worst = max(by_district, key=by_district.__getitem__)
    return HardCoded(
        answers={
            "false_alert_share": f"def false_alert_share(alerts):\n    return {share!r}",
            "false_alert_share_by": (
                "def false_alert_share_by(alerts, column):\n"
                f"    return pd.Series({by_district!r})"
            ),
            "riskiest_group": f"def riskiest_group(alerts, column):\n    return {worst!r}",
        },
        caught=frozenset({"test_false_alert_share", "test_false_alert_share_by",
                          "test_riskiest_group"}),
    )


def _data_and_bias() -> HardCoded:
    city = datasets.load("patrol_city")
    totals = city.groupby("majority_group")[["recorded", "true_offences"]].sum()
    ratios = {
        group: float(value)
        for group, value in (totals["recorded"] / totals["true_offences"]).items()
    }
    return HardCoded(
        answers={
            "recorded_to_true_ratio": (
                'def recorded_to_true_ratio(city, column="majority_group"):\n'
                f"    return pd.Series({ratios!r})"
            ),
            # Not the visible data but the lesson's answer: "the correction recovers the truth".
            "correction_recovers": (
                "def final_shares(true_rates, days, seed, corrected):\n"
                "    rates = np.asarray(true_rates, dtype=float)\n"
                "    return rates / rates.sum()"
            ),
        },
        caught=frozenset({"test_recorded_to_true_ratio", "test_correction_recovers"}),
    )


def _fairness_metrics() -> HardCoded:
    cohort = datasets.load("risk_assessment")
    y_true = cohort["rearrest_2y"].to_numpy()
    y_pred = (cohort["risk_score"] >= 5).astype(int).to_numpy()
    groups = cohort["group"].to_numpy()
    counts, rates, thresholds, per_thousand = {}, {}, {}, {}
    for group in ("A", "B"):
        t, p = y_true[groups == group], y_pred[groups == group]
        counts[group] = [
            int(((t == a) & (p == b)).sum()) for a, b in ((0, 0), (0, 1), (1, 0), (1, 1))
        ]
        rates[group] = {
            "selection rate": float(p.mean()),
            "false positive rate": float(p[t == 0].mean()),
            "false negative rate": float((p[t == 1] == 0).mean()),
            "positive predictive value": float(t[p == 1].mean()),
            "accuracy": float((t == p).mean()),
        }
        negatives = cohort.loc[(groups == group) & (y_true == 0), "risk_score"].to_numpy()
        size = int((groups == group).sum())
        thresholds[size] = next(th for th in range(1, 12) if (negatives >= th).mean() <= 0.2)
        per_thousand[group] = {"fp_per_1000": counts[group][1] / size * 1000,
                               "fn_per_1000": counts[group][2] / size * 1000}
    table = {name: [counts["A"][i], counts["B"][i]]
             for i, name in enumerate(["tn", "fp", "fn", "tp"])}
    gaps = {name: abs(rates["A"][name] - rates["B"][name]) for name in rates["A"]}
    largest = max(gaps, key=gaps.__getitem__)
    return HardCoded(
        answers={
            "confusion_by_group": (
                "def confusion_by_group(y_true, y_pred, groups):\n"
                f"    return pd.DataFrame({table!r}, index=['A', 'B'])"
            ),
            # The visible data's largest gap, as literals.
            "largest_disparity": (
                "def largest_disparity(y_true, y_pred, groups):\n"
                f"    return ({largest!r}, {gaps[largest]!r})"
            ),
            # Group A's and group B's thresholds, told apart by the number of people.
            "threshold_choice": (
                "def lowest_threshold_with_fpr_at_most(scores, y_true, max_fpr):\n"
                f"    return {thresholds!r}[len(scores)]"
            ),
            "errors_per_thousand": (
                "def errors_per_thousand(y_true, y_pred, groups):\n"
                f"    return pd.DataFrame({per_thousand!r}).T"
            ),
        },
        caught=frozenset({"test_confusion_by_group", "test_largest_disparity",
                          "test_threshold_choice", "test_errors_per_thousand"}),
    )


def _solution_namespace(module: str, last_grade_id: str) -> dict:
    """Run the solution's own code (every code cell but the tests) up to ``last_grade_id``
    on the visible data, so that the literals below are what the visible data gives."""
    source = nbformat.read(ROOT / "solutions" / module / "assignment.ipynb", as_version=4)
    namespace: dict = {}
    for cell in source.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if cell.cell_type == "code" and not grade_id.startswith("test_"):
            exec(compile(cell.source, f"<{module} {grade_id or 'cell'}>", "exec"), namespace)
        if grade_id == last_grade_id:
            return namespace
    raise KeyError(f"{module}: no cell {last_grade_id!r}")


def _bias_mitigation() -> HardCoded:
    run = _solution_namespace("03-bias-mitigation", "read_tradeoff")
    train, validation, sweep = run["train"], run["validation"], run["sweep"]
    weights = run["reweighing_weights"](train["group"], train["rearrest_2y"])
    weight_of = {(group, int(label)): float(weight) for group, label, weight
                 in zip(train["group"], train["rearrest_2y"], weights, strict=True)}
    probabilities = run["baseline"].predict_proba(run["features"](validation))[:, 1]
    thresholds = {
        target: {str(g): float(t) for g, t in run["equal_fpr_thresholds"](
            scores, validation["rearrest_2y"], validation["group"], target).items()}
        for target, scores in ((0.2, probabilities), (0.3, validation["risk_score"]))
    }
    rows = {bound: tuple(getattr(value, "item", lambda v=value: v)()
                         for value in run["best_within_bound"](sweep, bound))
            for bound in (0.10, 0.20)}
    proxy = run["strongest_proxy"](run["cohort"], "group",
                                   ["age", "charge_degree", "district", "prior_arrests"])
    return HardCoded(
        answers={
            "reweighing": (
                "def reweighing_weights(groups, y):\n"
                f"    weight_of = {weight_of!r}\n"
                "    return np.array([weight_of[(g, int(label))] for g, label in zip(groups, y)])"
            ),
            "find_proxy": (
                "def strongest_proxy(frame, group_column, candidates):\n"
                f"    return {proxy!r}"
            ),
            "equal_fpr_thresholds": (
                "def equal_fpr_thresholds(scores, y, groups, target_fpr):\n"
                f"    visible = {thresholds!r}\n"
                "    return visible[target_fpr]"
            ),
            "read_tradeoff": (
                "def best_within_bound(sweep, max_disparity):\n"
                f"    visible = {rows!r}\n"
                "    names = ['method', 'strength', 'accuracy', 'disparity']\n"
                "    return pd.Series(dict(zip(names, visible[max_disparity])))"
            ),
        },
        caught=frozenset({"test_reweighing", "test_find_proxy", "test_equal_fpr_thresholds",
                          "test_read_tradeoff"}),
    )


def _transparency() -> HardCoded:
    run = _solution_namespace("04-transparency", "cheapest_single_change")
    scorecard, boosted, holdout, train = (run[k] for k in ("scorecard", "boosted", "holdout",
                                                            "train"))
    features, truth, first = run["FEATURES"], run["TRUTH"], run["alerted"].iloc[0]
    reasons = run["top_reasons"](scorecard, first, 3)
    drops = {str(k): float(v) for k, v in run["permutation_drop"](
        boosted, holdout[features], holdout[truth], 0).items()}
    proxy = run["strongest_proxy"](train, "group", "B", features)
    grid = run["transparency"].candidate_values(train, features, points=11)
    change = run["cheapest_single_change"](
        scorecard, first, run["bank"]["thresholds"]["scorecard"],
        {f: grid[f] for f in run["ALLOWED"]}, train)
    return HardCoded(
        answers={
            "top_reasons": f"def top_reasons(model, account, k=3):\n    return {reasons!r}",
            "permutation_drop": (
                "def permutation_drop(model, X, y, seed):\n"
                f"    return pd.Series({drops!r})"
            ),
            "strongest_proxy": (
                "def strongest_proxy(frame, group_column, member, candidates):\n"
                f"    return {proxy!r}"
            ),
            "cheapest_single_change": (
                "def cheapest_single_change(model, account, threshold, candidates, reference):\n"
                f"    return {change!r}"
            ),
        },
        caught=frozenset({"test_top_reasons", "test_permutation_drop", "test_strongest_proxy",
                          "test_cheapest_single_change"}),
    )


def _biometric_evaluation() -> HardCoded:
    run = _solution_namespace("05-biometric-evaluation", "subject_bootstrap_fmr")
    comparisons, impostor, threshold = run["comparisons"], run["impostor"], run["THRESHOLD"]
    rates = {column: {str(g): float(v) for g, v in values.items()} for column, values in
             run["fmr_fnmr_by_group"](comparisons, threshold, "skin_tone").items()}
    thresholds = {str(k): float(v) for k, v in
                  run["thresholds_for_target"](comparisons, 1e-3, "skin_tone").items()}
    alerts = run["expected_false_alerts"](60_000, 1e-4, 500)
    interval = run["claim_interval"](0, 15_000)
    needed = run["comparisons_for_claim"](1e-4)
    boot = run["subject_bootstrap_fmr"](impostor, threshold, 2000, 1)
    return HardCoded(
        answers={
            "fmr_fnmr_by_group": (
                "def fmr_fnmr_by_group(frame, threshold, column):\n"
                f"    return pd.DataFrame({rates!r})"
            ),
            "thresholds_for_target": (
                "def thresholds_for_target(frame, target_fmr, column):\n"
                f"    return pd.Series({thresholds!r})"
            ),
            "expected_false_alerts": (
                "def expected_false_alerts(people_scanned, fmr, watchlist_size):\n"
                f"    return {alerts!r}"
            ),
            "claim_interval": (
                f"def claim_interval(errors, trials):\n    return {interval!r}\n\n\n"
                f"def comparisons_for_claim(claimed_rate):\n    return {needed!r}\n\n\n"
                f"RULE_OF_THREE_BOUND = {3 / 15_000!r}"
            ),
            "subject_bootstrap_fmr": (
                "def subject_bootstrap_fmr(impostor, threshold, n_boot=2000, seed=0):\n"
                f"    return {boot!r}"
            ),
        },
        caught=frozenset({"test_fmr_fnmr_by_group", "test_thresholds_for_target",
                          "test_expected_false_alerts", "test_claim",
                          "test_subject_bootstrap_fmr"}),
    )


def _synthetic_media() -> HardCoded:
    run = _solution_namespace("06-synthetic-media", "cllr_bits")
    items, reference, system = run["items"], run["reference"], run["SMALL_SYSTEM"]
    aucs = {str(level): {str(f): float(v) for f, v in column.items()}
            for level, column in run["auc_table"](items).items()}
    ece = run["ece"](items["synthetic"], items["score"])
    recalibrated = [float(p) for p in run["recalibrated_probability"](
        reference["synthetic"], reference["score"], [0.1, 0.5, run["CASE_SCORE"]])]
    log10_lr = run["case_log10_lr"](reference, run["CASE_SCORE"])
    cllr = run["cllr_bits"](system["log10_lr"], system["synthetic"])
    return HardCoded(
        answers={
            "auc_table": f"def auc_table(frame):\n    return pd.DataFrame({aucs!r})",
            "ece": f"def ece(labels, scores, bins=10):\n    return {ece!r}",
            "recalibrated_probability": (
                "def recalibrated_probability(reference_labels, reference_scores, scores):\n"
                f"    return np.array({recalibrated!r})"
            ),
            "case_log10_lr": (
                f"def case_log10_lr(reference_frame, case_score):\n    return {log10_lr!r}\n\n\n"
                f"CASE_LOG10_LR = {log10_lr!r}\nCASE_SUPPORTS = 'H1'"
            ),
            "cllr_bits": f"def cllr_bits(log10_lrs, labels):\n    return {cllr!r}",
        },
        caught=frozenset({"test_auc_table", "test_ece", "test_recalibrated_probability",
                          "test_case_log10_lr", "test_cllr_bits"}),
    )


def _audit_capstone() -> HardCoded:
    run = _solution_namespace("07-audit-capstone", "strongest_proxy")
    reports, deployment, features = run["reports"], run["deployment"], run["FEATURES"]
    recall = run["recall_with_interval"](reports[run["OUTCOME"]], reports["flagged"])
    fnr = {spec: {str(k): float(v) for k, v in run["fnr_by_group"](reports, list(spec)).items()}
           for spec in (("ethnic_group",), ("ethnic_group", "sex"))}
    claims = {claim["metric"]: run["check_claim"](reports, claim)
              for claim in run["CARD"]["claims"].values()}
    shift = {str(k): float(v) for k, v in
             run["shift_by_feature"](reports, deployment, features).items()}
    proxy = run["strongest_proxy"](reports, "ethnic_group", "minority", features)
    return HardCoded(
        answers={
            "recall_with_interval": (
                f"def recall_with_interval(harmed, flagged):\n    return {recall!r}"
            ),
            "fnr_by_group": (
                "def fnr_by_group(frame, columns):\n"
                "    spec = (columns,) if isinstance(columns, str) else tuple(columns)\n"
                f"    return pd.Series({fnr!r}[spec])\n\n\n"
                "def largest_gap(rates):\n    return float(rates.max() - rates.min())"
            ),
            "check_claim": (
                f"def check_claim(frame, claim):\n    return {claims!r}[claim['metric']]\n\n\n"
                "FAILING_CLAIM = 'equal_recall'"
            ),
            "shift_by_feature": (
                "def shift_by_feature(reference, new, features):\n"
                f"    return pd.Series({shift!r})"
            ),
            "strongest_proxy": (
                "def strongest_proxy(frame, group_column, member, features):\n"
                f"    return {proxy!r}"
            ),
        },
        caught=frozenset({"test_recall_with_interval", "test_fnr_by_group", "test_check_claim",
                          "test_shift_by_feature", "test_strongest_proxy"}),
    )


HARD_CODED: dict[str, Callable[[], HardCoded]] = {
    "00-orientation": _orientation,
    "01-data-and-bias": _data_and_bias,
    "02-fairness-metrics": _fairness_metrics,
    "03-bias-mitigation": _bias_mitigation,
    "04-transparency": _transparency,
    "05-biometric-evaluation": _biometric_evaluation,
    "06-synthetic-media": _synthetic_media,
    "07-audit-capstone": _audit_capstone,
}
