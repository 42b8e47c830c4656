"""Risk scoring of every area: indicators, weights (direct, AHP, entropy), levels, reasons,
seasons, sensitivity and back-test (DOMAIN.md §5; issue 4).

The model is data (``model.toml`` next to this file, changed through ``risk.*`` project settings).
Entry points for the UI, the exporters and the CLI::

    from fireriskmap.analysis.risk import score_areas, priorities, ahp_weights

    result = score_areas(project, units="villages", date="2027-01-28")   # -> RiskResult
    result.areas            # the risk_areas layer: score, level, rank, reasons_zh/en, completeness, c_* ...
    result.levels           # the level scheme with counts and colours
    result.top(10)          # the ten highest-ranked areas with reasons
    result.sensitivity()    # rank ranges and Spearman ρ under ±20 % weights
    result.backtest()       # share of past fires in the top areas vs a population-only ranking
    priorities(project, top=10)                      # the ranked list (stored layer or fresh)
    ahp_weights([[1, 3], [1/3, 1]])                  # -> AHPResult (weights, λmax, CI, CR)

Nothing here imports Qt; long work takes ``progress(fraction, message)``.
"""

from fireriskmap.analysis.risk._errors import (AHPError, InconsistentMatrixError, RiskError, RiskInputError,
                                               RiskModelError)
from fireriskmap.analysis.risk.ahp import (CR_LIMIT, RANDOM_INDEX, AHPResult, Judgement, ahp_hierarchy, ahp_weights,
                                           read_matrix, saaty_text)
from fireriskmap.analysis.risk.backtest import BacktestResult, backtest, hit_curve
from fireriskmap.analysis.risk.entropy import combine_weights, entropy_weights
from fireriskmap.analysis.risk.model import DEFAULT_MODEL_PATH, RiskModel, default_model, load_model
from fireriskmap.analysis.risk.score import AREA_COLUMNS, ProjectView, RiskResult, compose, priorities, score_areas
from fireriskmap.analysis.risk.season import SeasonState, active_periods, season_multipliers
from fireriskmap.analysis.risk.sensitivity import SensitivityResult, sensitivity, spearman
from fireriskmap.analysis.risk.units import UnitSpec, parse_units

__all__ = [
    "AHPError", "InconsistentMatrixError", "RiskError", "RiskInputError", "RiskModelError",
    "CR_LIMIT", "RANDOM_INDEX", "AHPResult", "Judgement", "ahp_hierarchy", "ahp_weights", "read_matrix", "saaty_text",
    "BacktestResult", "backtest", "hit_curve", "combine_weights", "entropy_weights",
    "DEFAULT_MODEL_PATH", "RiskModel", "default_model", "load_model",
    "AREA_COLUMNS", "ProjectView", "RiskResult", "compose", "priorities", "score_areas",
    "SeasonState", "active_periods", "season_multipliers", "SensitivityResult", "sensitivity", "spearman",
    "UnitSpec", "parse_units",
]
