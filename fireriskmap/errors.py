"""Errors raised by fireriskmap.

Each error carries a message key from the translation catalogue and its parameters, so the CLI and
the UI show it in the user's language; ``str(error)`` is the message in the current language.
They subclass built-ins (``ValueError``, ``OSError``) so callers that do not know fireriskmap can
still catch them.
"""

from __future__ import annotations

from typing import Any


class FireRiskError(Exception):
    """Base class: a problem the user can understand and fix."""

    key: str = "error.generic"

    def __init__(self, key: str | None = None, /, **params: Any) -> None:
        self.key = key or self.key
        self.params = params
        super().__init__(self.message())

    def message(self, lang: str | None = None) -> str:
        from fireriskmap.i18n import tr

        return tr(self.key, lang=lang, **self.params)

    def __str__(self) -> str:  # re-render so a language switch applies
        return self.message()


class SpecError(FireRiskError, ValueError):
    """A layer spec, style or settings file is malformed (names file and key)."""

    key = "error.spec"


class SchemaError(FireRiskError, ValueError):
    """Data does not fit the layer spec (missing required field, bad value)."""

    key = "error.schema"


class CRSError(FireRiskError, ValueError):
    """A coordinate reference system is missing, unknown or unsuitable."""

    key = "error.crs"


class ImportFileError(FireRiskError, ValueError):
    """An input file cannot be read (broken, empty, unknown format)."""

    key = "error.import"


class ProjectFileError(FireRiskError, OSError):
    """A project file cannot be opened or saved."""

    key = "error.project"


class Cancelled(FireRiskError):
    """Raised from a progress callback to stop long work."""

    key = "error.cancelled"


class LedgerError(FireRiskError, ValueError):
    """A change the hazard ledger does not allow (deleting a row, closing without evidence ...)."""

    key = "error.ledger"


class BriefingError(FireRiskError, ValueError):
    """The big-screen briefing cannot be shown as asked (bad screen, size, tour step, date ...)."""

    key = "brief.error.generic"
