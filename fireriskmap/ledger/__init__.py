"""The campaign's closed loop: hazard ledger (隐患台账), inspections (入户排查), weekly report.

No Qt here (DESIGN.md §3). :class:`Ledger` is the only way to change the ledger; every change is
recorded in the audit trail and nothing is ever deleted.
"""

from fireriskmap.ledger.inspections import add_inspections, inspection_coverage
from fireriskmap.ledger.model import (
    ACTIVE, ID_FIELD, KIND, STATUS_MOVES, Ledger, as_date, attachments_dir, display_status, evidence_paths,
    ledger_today, ledger_user, overdue_mask,
)

__all__ = ["ACTIVE", "ID_FIELD", "KIND", "STATUS_MOVES", "Ledger", "add_inspections", "as_date",
           "attachments_dir", "display_status", "evidence_paths", "inspection_coverage", "ledger_today",
           "ledger_user", "overdue_mask"]
