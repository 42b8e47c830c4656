"""JSON-ready copies of analysis results (for ``--json``, run records and the UI)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, Mapping

import numpy as np
import pandas as pd

from fireriskmap.i18n import Msg


def plain(value: Any) -> Any:
    """A JSON-ready copy: numpy scalars to Python, NaN/NA to None, Msg to text, dates to ISO."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Msg):
        return str(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return value
