"""Migrations: upgrade an empty database to head, no drift, down to base and up again."""

import flask_migrate
import pytest
import sqlalchemy as sa

from app import create_app
from config import TestingConfig
from tests.dbutil import recreate_database, test_database_url


@pytest.fixture
def empty_database_app(tmp_path):
    url = test_database_url(tmp_path, "seedbed_test_migrations")
    recreate_database(url)
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url)
    yield app
    with app.app_context():
        from app.extensions import db

        db.engine.dispose()


def table_names(app) -> set[str]:
    from app.extensions import db

    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


@pytest.mark.no_isolation
def test_upgrade_check_downgrade_upgrade(empty_database_app):
    app = empty_database_app
    runner = app.test_cli_runner()
    with app.app_context():
        from app.extensions import db

        flask_migrate.upgrade()
        assert table_names(app) == {table.name for table in db.metadata.sorted_tables}

        check = runner.invoke(args=["db", "check"])
        assert check.exit_code == 0, check.output

        flask_migrate.downgrade(revision="base")
        assert table_names(app) == set()

        flask_migrate.upgrade()
        assert table_names(app) == {table.name for table in db.metadata.sorted_tables}


@pytest.mark.no_isolation
def test_check_reports_drift_when_schema_and_models_differ(empty_database_app):
    app = empty_database_app
    with app.app_context():
        from app.extensions import db

        flask_migrate.upgrade()
        with db.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_notifications_kind")

        check = app.test_cli_runner().invoke(args=["db", "check"])

    assert check.exit_code != 0


@pytest.mark.no_isolation
def test_there_is_one_head(empty_database_app):
    with empty_database_app.app_context():
        from alembic.script import ScriptDirectory

        migrate = empty_database_app.extensions["migrate"]
        script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
        assert len(script.get_heads()) == 1
