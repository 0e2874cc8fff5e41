"""Engine, sessions and migrations.

SQLite (the default) runs in WAL mode with every transaction ``BEGIN IMMEDIATE``: writers queue
on the busy timeout instead of failing when a read transaction later wants to write.
PostgreSQL is selected by URL. Migrations are Alembic's, run by ``migrate`` and on startup.
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 7_431_202_611  # arbitrary advisory-lock key for this service


def make_engine(url: str, pool_size: int = 10) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            _private_database_file(Path(parsed.database))
        # SQLAlchemy 1.4 defaults to NullPool for SQLite files (a new connection and PRAGMAs per
        # transaction); a small queue pool is several times faster.
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=pool_size,
                               max_overflow=0, connect_args={"timeout": 30, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    # No pre-ping: it costs a round trip per transaction on the filing path. A connection that
    # died with a database restart fails one call with 503, which the client retries.
    return create_engine(url, future=True, pool_size=pool_size, max_overflow=pool_size,
                         pool_recycle=1800)


def _private_database_file(path: Path) -> None:
    """The SQLite file holds personal data: only its owner may read it (SQLite gives the -wal and
    -shm files the database file's mode)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let the begin hook below own transactions
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker:
    from bot.backend.services.audit import write_pending

    factory = sessionmaker(engine, future=True, expire_on_commit=False)
    event.listen(factory, "before_commit", write_pending)
    return factory


@contextlib.contextmanager
def transaction(factory: sessionmaker) -> Iterator[Session]:
    with factory() as session, session.begin():
        yield session


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    url = engine.url.render_as_string(hide_password=False)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(engine: Engine) -> None:
    """Upgrade to head; concurrent callers (server and worker starting together) take turns."""
    config = alembic_config(engine)
    if is_postgres(engine):
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK})
                connection.commit()
        return
    database = engine.url.database
    lock_path = Path(database + ".migrate.lock") if database and database != ":memory:" else None
    with contextlib.ExitStack() as stack:
        if lock_path:
            handle = stack.enter_context(open(lock_path, "w"))
            fcntl.flock(handle, fcntl.LOCK_EX)
        with engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
