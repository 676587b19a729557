"""Policies (reusable terms, by id)."""

from __future__ import annotations

from pydantic import Field

from ...terms import Terms
from .common import Schema
from .works import TermsPublic


class PolicyPublic(Schema):
    policy_id: int
    terms: Terms = Field(description="the terms in the terms-file form")
    plain: TermsPublic
