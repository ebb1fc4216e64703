"""corral, used as its documentation shows: a declarative model, Sessions, select, get."""

from __future__ import annotations

import corral
from corral.cli.benchmark.database import Target
from corral.cli.benchmark.session_orm import SessionOrm
from corral.cli.benchmark.workloads import Implementation


def build(target: Target) -> Implementation:
    return SessionOrm(corral, target.corral_url, target.async_url)
