"""Ending a server session from outside, as a database restart or an administrator would."""

from __future__ import annotations

import time

from .conftest import EngineFactory


def terminate(make_engine: EngineFactory, pid: int) -> None:
    """End the server session ``pid`` and wait until it is gone (the server signals the
    backend and answers at once; the backend exits, and closes its socket, after)."""
    admin = make_engine(pool_size=1, max_overflow=0)
    with admin.connect() as connection:
        if admin.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            gone = f"SELECT count(*) FROM pg_stat_activity WHERE pid = {int(pid)}"
        else:
            connection.exec_driver_sql(f"KILL {int(pid)}")
            gone = f"SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = {int(pid)}"
        connection.commit()
        for _ in range(500):
            if connection.exec_driver_sql(gone).scalar() == 0:
                # It leaves the server's list of sessions on its way out, just before
                # its socket closes: a margin for that last step.
                time.sleep(0.2)
                return
            connection.rollback()
            time.sleep(0.01)
    raise AssertionError(f"the server session {pid} did not end")
