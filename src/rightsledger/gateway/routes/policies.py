"""Policies: reusable terms. Reading is free. The relayer stores new terms only for a signed request
that uses them (prepare `register` or `set-terms` with `terms`, sign, send): never for an unsigned call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from ...terms import Terms
from ..deps import ClientDep, RelayerDep
from ..errors import GatewayError
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
    responses={409: {"model": ErrorPublic}, 422: {"model": ErrorPublic}, 503: {"model": ErrorPublic}},
    summary="the policy id of these terms, if stored (409 policy-not-stored otherwise)",
)
def find_policy(terms: Terms, relayer: RelayerDep) -> PolicyPublic:
    policy_id = 0 if not terms.rules and terms.expires is None else relayer.ledger.policies.find(terms)
    if policy_id is None:
        raise GatewayError(
            409,
            "policy-not-stored",
            "these terms are not stored yet; the relayer stores them with the signed request that uses them "
            "(prepare register or set-terms with these terms, sign, send)",
        )
    return PolicyPublic(policy_id=policy_id, terms=terms, plain=TermsPublic.build(policy_id, terms))
