"""The shop's HTTP API (FastAPI), one corral Session per request.

No ``from __future__ import annotations`` here: FastAPI reads the endpoints' annotations at
runtime, and ``db``, the dependency, is local to ``create_app``. (It is written into each
signature, ``Annotated[Session, db]``: a type alias cannot be local to a function.)
"""

import os
from typing import Annotated

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict

from corral import create_engine, select
from corral.engine import Engine
from corral.ext.fastapi import session_depends
from corral.ext.request_sessions import RequestReport, RequestSessions
from corral.orm import Session, raiseload, selectinload
from examples.shop.models import Order, User


class NewUser(BaseModel):
    email: str
    name: str


class NewOrder(BaseModel):
    total_cents: int


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    total_cents: int


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    email: str
    name: str
    orders: list[OrderOut]


def create_app(engine: Engine, reports: list[RequestReport] | None = None) -> FastAPI:
    """The API on ``engine``; each request's report is appended to ``reports`` if given."""
    sessions = RequestSessions(engine, on_request=None if reports is None else reports.append)
    db = session_depends(sessions)
    api = FastAPI(title="corral shop")

    @api.post("/users", status_code=201)
    def create_user(new: NewUser, session: Annotated[Session, db]) -> dict[str, int]:
        if session.scalar(select(User.id).where(User.email == new.email)) is not None:
            raise HTTPException(status_code=409, detail=f"{new.email} is registered already")
        user = User(email=new.email, name=new.name)
        session.add(user)
        session.flush()
        return {"id": user.id}

    @api.post("/users/{user_id}/orders", status_code=201)
    def place_order(user_id: int, new: NewOrder, session: Annotated[Session, db]) -> dict[str, int]:
        if session.get(User, user_id) is None:
            raise HTTPException(status_code=404, detail=f"no user {user_id}")
        order = Order(user_id=user_id, total_cents=new.total_cents)
        session.add(order)
        session.flush()
        return {"id": order.id}

    @api.get("/users/{user_id}")
    def get_user(user_id: int, session: Annotated[Session, db]) -> UserOut:
        user = session.scalars(
            select(User)
            .where(User.id == user_id)
            .options(selectinload(User.orders), raiseload("*"))
        ).one_or_none()
        if user is None:
            raise HTTPException(status_code=404, detail=f"no user {user_id}")
        return UserOut.model_validate(user)

    return api


def _app_from_environment() -> FastAPI:
    return create_app(create_engine(os.environ.get("SHOP_DATABASE_URL", "sqlite:///shop.db")))


def __getattr__(name: str) -> FastAPI:
    """``examples.shop.app:app`` for a server (uvicorn), made on first access."""
    if name == "app":
        return _app_from_environment()
    raise AttributeError(name)
