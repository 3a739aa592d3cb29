"""Scenario decision trees: cited probabilities in, exact what-if answers and briefings out.

    import model
    s = model.load("scenarios/russia_iran_2025.yaml")
    s.query("nuclear_deal")                                # observations: given=
    s.query("nuclear_deal", do={"israeli_strike": "yes"})  # interventions: do=
"""

from .briefing import report
from .errors import LimitError, Problem, QueryError, ScenarioError
from .language.probability import ESTIMATIVE_TERMS, Prob, parse_prob, term_for
from .results import Distribution, Explanation
from .scenario import Scenario, load, loads

__all__ = [
    "ESTIMATIVE_TERMS",
    "Distribution",
    "Explanation",
    "LimitError",
    "Prob",
    "Problem",
    "QueryError",
    "Scenario",
    "ScenarioError",
    "load",
    "loads",
    "parse_prob",
    "report",
    "term_for",
]
