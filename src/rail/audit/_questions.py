"""The questions the numbers cannot answer: the human part of the audit.

The figures describe a sample of past decisions. Whether the system should be used at all,
for what, and under what oversight, needs evidence and judgement that no table holds. The
list follows the INTERPOL-UNICRI Toolkit for Responsible AI Innovation in Law Enforcement's
themes (lawfulness, minimisation of harm, human autonomy, fairness, good governance) and
Suresh and Guttag (2021) on where bias enters.
"""

from __future__ import annotations

GENERAL_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("Does the label measure what matters?",
     "The audit takes the label column as the truth. A recorded outcome (an arrest, an "
     "alert confirmed by an officer) can differ from the real one, and differ more for some "
     "groups (measurement bias, Suresh and Guttag, 2021)."),
    ("Who is missing from this table?",
     "People never scored, cases never recorded and rows left out are not in any figure; "
     "the sample may not represent the people the system will be used on."),
    ("Are the groups the right ones, and recorded correctly?",
     "The audit can only compare the groups it is given. Groups not recorded (or recorded "
     "by an officer's perception) cannot be checked here."),
    ("Which disparity matters for this use?",
     "When base rates differ between groups, equal error rates and equal predictive values "
     "cannot all hold at once (Chouldechova, 2017): choosing which to equalise is a decision "
     "about harm, not a statistical one."),
    ("Is the use lawful, necessary and proportionate?",
     "Whether the system may be used at all (and whether it is prohibited or high-risk under "
     "the EU AI Act) depends on its purpose and context, not on these rates."),
    ("What happens to a person who is flagged, or missed?",
     "A false positive and a false negative cost different people different things; weigh "
     "them with those who bear them."),
    ("Who oversees each decision, and can they overrule it?",
     "Human oversight, the training of the people using the output, and the time they have "
     "to question it are not in the data."),
    ("Will the system meet the same people and conditions after deployment?",
     "These figures hold for the audit sample; a new area, period or practice can change "
     "them. Plan monitoring, with the same report run again on new decisions."),
    ("Can affected people find out, and contest a decision?",
     "Transparency, explanation and redress are questions for the process around the system."),
)
"""(question, why the numbers cannot answer it), asked in every audit."""


def questions_for(*, small_groups: list[str], inconclusive: int, base_rates_differ: bool,
                  notes: bool) -> list[tuple[str, str]]:
    """The general questions, preceded by those this table's figures raise."""
    specific = []
    if small_groups:
        specific.append((
            "How will the groups too small to judge be protected?",
            "Too few people to judge: " + "; ".join(small_groups) + ". A rate on few people "
            "can hide a large disparity: collect more decisions before concluding anything "
            "about them."))
    if inconclusive:
        specific.append((
            f"What would settle the {inconclusive} inconclusive comparison(s)?",
            "Their intervals reach both sides of the tolerance: more decisions are needed, or "
            "a judgement on what to do while uncertain."))
    if base_rates_differ:
        specific.append((
            "Why do the base rates differ between groups?",
            "A difference in recorded outcomes may reflect the world, or how outcomes are "
            "recorded (e.g. where and whom police patrol)."))
    if notes:
        specific.append((
            "Why are some values missing?",
            "See the data notes: values missing more often in one group can skew every figure."))
    return specific + list(GENERAL_QUESTIONS)
