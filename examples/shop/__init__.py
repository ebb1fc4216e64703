"""A small FastAPI service on corral: users and their orders, with an Alembic migration.

Run it: ``alembic -c examples/shop/alembic.ini upgrade head`` then
``uvicorn examples.shop.app:app`` (``SHOP_DATABASE_URL`` names the database, default
``sqlite:///shop.db``). The tests (tests/integration/test_example_shop.py) migrate it up
and down on each database and call it through FastAPI's test client.
"""
