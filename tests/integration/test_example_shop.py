"""The example application (examples/shop): migrated up with its Alembic revision, called over
HTTP with FastAPI's test client, and migrated down again, on each database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from fastapi.testclient import TestClient

from corral import inspect
from corral.engine import URL, Engine
from corral.ext.request_sessions import RequestReport
from examples.shop.app import create_app

SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"


def test_shop_migrates_serves_and_migrates_back(
    engine: Engine, db_url: URL, monkeypatch: pytest.MonkeyPatch
) -> None:
    """upgrade head creates the shop's tables; the API registers users, takes orders and
    returns a user with their orders in three requests of one or two SELECTs each;
    downgrade base drops the tables."""
    monkeypatch.chdir(SHOP.parents[1])  # the repository: env.py imports examples.shop.models
    config = Config(str(SHOP / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", db_url.render_as_string(hide_password=False))
    command.upgrade(config, "head")
    assert {"shop_user", "shop_order"} <= set(inspect(engine).get_table_names())

    reports: list[RequestReport] = []
    client = TestClient(create_app(engine, reports))
    ann = client.post("/users", json={"email": "ann@example.com", "name": "Ann"})
    assert ann.status_code == 201
    user_id = ann.json()["id"]
    duplicate = client.post("/users", json={"email": "ann@example.com", "name": "Other"})
    assert duplicate.status_code == 409
    for cents in (1250, 399):
        response = client.post(f"/users/{user_id}/orders", json={"total_cents": cents})
        assert response.status_code == 201
    assert client.post("/users/999/orders", json={"total_cents": 1}).status_code == 404
    body = client.get(f"/users/{user_id}").json()
    assert body["name"] == "Ann"
    assert [o["total_cents"] for o in body["orders"]] == [1250, 399]
    assert reports[-1].route == "GET /users/{user_id}"
    assert reports[-1].stats.lazy_load_total == 0

    command.downgrade(config, "base")
    assert not {"shop_user", "shop_order"} & set(inspect(engine).get_table_names())
