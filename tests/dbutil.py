"""Create and empty test databases on SQLite or PostgreSQL; snapshot one's rows."""

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from app.extensions import db


def test_database_url(tmp_dir: Path, name: str) -> str:
    """Return the URL of a test database called `name` on the backend TEST_DATABASE_URL picks."""
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base or base.startswith("sqlite"):
        return f"sqlite:///{tmp_dir / (name + '.sqlite3')}"
    return make_url(base).set(database=name).render_as_string(hide_password=False)


test_database_url.__test__ = False  # a helper, not a test, despite its name


def is_postgres() -> bool:
    """Tell whether the suite runs on PostgreSQL."""
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def recreate_database(url: str) -> None:
    """Make the database at `url` exist and be empty."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if path.exists():
            path.unlink()
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": parsed.database},
        )
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{parsed.database}"')
        connection.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()


def snapshot(exclude: frozenset[str] = frozenset()) -> dict[str, list[tuple]]:
    """Return every row of every table, to prove a refused request changed nothing."""
    tables = {}
    for table in db.metadata.sorted_tables:
        if table.name in exclude:
            continue
        rows = db.session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = [tuple(row) for row in rows]
    return tables
