"""Policies: reusable terms. Reading is free; creating one is permissionless and paid by the relayer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ...terms import Terms
from ..deps import ClientDep, RelayerDep
from ..schemas import ErrorPublic, PolicyPublic, TermsPublic

FEATURE = "policies"
router = APIRouter(prefix="/policies", tags=["policies"])


@router.get("/{policy_id}", response_model=PolicyPublic, responses={404: {"model": ErrorPublic}})
def get_policy(policy_id: Annotated[int, Path(ge=0, lt=2**32)], client: ClientDep) -> PolicyPublic:
    terms = client.policy(policy_id)
    return PolicyPublic(policy_id=policy_id, terms=terms, plain=TermsPublic.build(policy_id, terms))


@router.post(
    "",
    response_model=PolicyPublic,
    responses={422: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
    summary="the policy id of these terms (stored first if new; the relayer pays)",
)
def ensure_policy(terms: Terms, relayer: RelayerDep) -> PolicyPublic:
    policy_id = relayer.ledger.policies.ensure(terms)
    return PolicyPublic(policy_id=policy_id, terms=terms, plain=TermsPublic.build(policy_id, terms))
