"""Whether demo data is loaded, so pages can say their figures are made up."""

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db

# Written once by `flask seed demo`; the audit log is append-only, so the mark stays.
DEMO_LOADED = "demo.loaded"


def demo_data_loaded() -> bool:
    """Tell whether `flask seed demo` has loaded its made-up members into this database."""
    return bool(db.session.scalar(sa.select(sa.exists().where(AuditEvent.action == DEMO_LOADED))))
