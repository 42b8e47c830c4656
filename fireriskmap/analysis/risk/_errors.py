"""Errors of the risk model: each carries a message key of ``risk.*.toml`` and subclasses ``ValueError``."""

from __future__ import annotations

from typing import Any

from fireriskmap.errors import FireRiskError
from fireriskmap.i18n import Msg


class RiskError(FireRiskError):
    """Base class of the risk-scoring errors."""

    key = "risk.error.generic"


class RiskModelError(RiskError, ValueError):
    """The risk model (TOML file, dict or settings) is malformed: names the file and the key."""

    key = "risk.error.model"


class RiskInputError(RiskError, ValueError):
    """The project cannot be scored as asked (no villages layer for village units, bad unit spec ...)."""

    key = "risk.error.input"


class AHPError(RiskError, ValueError):
    """A pairwise judgement matrix is unusable (not square, not reciprocal, outside Saaty's 1–9 scale)."""

    key = "risk.error.ahp"


class InconsistentMatrixError(AHPError):
    """A judgement matrix whose consistency ratio is not below the limit (CR ≥ 0.10).

    ``error.result`` is the full :class:`~fireriskmap.analysis.risk.ahp.AHPResult` (weights, λmax, CI,
    CR and the judgements sorted from the most inconsistent), so a caller can still show it.
    """

    key = "risk.error.inconsistent"

    def __init__(self, key: str | None = None, /, result: Any = None, **params: Any) -> None:
        self.result = result
        super().__init__(key, **params)


class LazyText(Msg):
    """Text rendered by a function of the language, usable as a :class:`Msg` parameter."""

    def __init__(self, render) -> None:  # noqa: D107
        super().__init__("risk.lazy")
        self._render = render

    def render(self, lang: str | None = None) -> str:
        return self._render(lang)


def layer_names(kinds) -> LazyText:
    """The layer kinds' labels from the layer specs ("消火栓、消防水源" / "Hydrants, Water sources")."""
    from fireriskmap.core.spec import catalogue
    from fireriskmap.i18n import tr

    def render(lang):
        specs = catalogue()
        names = [specs[k].label(lang) if k in specs else k for k in kinds]
        return tr("risk.list_sep", lang=lang).join(names)

    return LazyText(render)
