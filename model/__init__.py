"""Scenario decision trees: cited probabilities in, exact what-if answers and briefings out.

    import model
    s = model.load("scenarios/russia_iran_2025.yaml")
    s.query("nuclear_deal")                                # observations: given=
    s.query("nuclear_deal", do={"israeli_strike": "yes"})  # interventions: do=
    s.probability("israeli_strike=yes or us_strike=yes")   # any event, exactly
    model.judgements(s)                                    # key judgements and confidence
"""

from .analysis.judgements import Judgement, judgements
from .briefing import report
from .errors import LimitError, Problem, QueryError, ScenarioError
from .language.probability import ESTIMATIVE_TERMS, Prob, parse_prob, term_for
from .results import Distribution, Explanation
from .scenario import Scenario, load, loads

__all__ = [
    "ESTIMATIVE_TERMS",
    "Distribution",
    "Explanation",
    "Judgement",
    "LimitError",
    "Prob",
    "Problem",
    "QueryError",
    "Scenario",
    "ScenarioError",
    "judgements",
    "load",
    "loads",
    "parse_prob",
    "report",
    "term_for",
]
