"""Preparing requests for users to sign: the calldata, their next nonce, gas and deadline, and the
EIP-712 document a wallet signs. The signed request then goes to the works endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from ..deps import RelayerDep, SettingsDep
from ..schemas import AddressStr, ErrorPublic, ForwardRequestBody, NoncePublic, PreparedRequest, PrepareRequest

FEATURE = "relay"
router = APIRouter(prefix="/relay", tags=["relay"])


@router.post(
    "/prepare",
    response_model=PreparedRequest,
    responses={403: {"model": ErrorPublic}, 409: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary=(
        "a forward request to sign, for register / set-terms / opt-out / redeem-offer (free offers only) / "
        "prove-inclusion / request-removal"
    ),
)
def prepare(body: Annotated[PrepareRequest, Body()], relayer: RelayerDep, settings: SettingsDep) -> PreparedRequest:
    """The request is simulated as the signer first, so one that would fail (not the holder, already
    registered) is refused here with the decoded contract error. Terms given as `terms` are stored as
    a policy by the relayer (policy creation is permissionless). An offer with a price is refused
    with 403 `offer-not-free`: the relayer never pays a price for anyone. For `prove-inclusion` the
    Merkle proof is read from the dataset's manifest unless given (404 `manifest-unreadable` when
    this gateway cannot read it; 404 `not-in-dataset` when the manifest does not list the work)."""
    builder = relayer.builder
    ttl = settings.relay_ttl
    if body.action == "register":
        terms = body.terms if body.terms is not None else body.policy_id
        request = builder.register(
            body.sender, body.content_hash, terms=terms, holder=body.holder, metadata_uri=body.metadata_uri, ttl=ttl
        )
    elif body.action == "set-terms":
        terms = body.terms if body.terms is not None else (body.policy_id or 0)
        request = builder.set_terms(body.sender, body.content_hash, terms, ttl=ttl)
    elif body.action == "opt-out":
        request = builder.set_opt_out(body.sender, body.content_hash, body.uses, ttl=ttl)
    elif body.action == "redeem-offer":
        request = builder.redeem_offer(body.sender, body.offer.to_sdk(), licensee=body.licensee, ttl=ttl)
    elif body.action == "prove-inclusion":
        request = builder.prove_inclusion(body.sender, body.dataset_id, body.content_hash, proof=body.proof, ttl=ttl)
    else:
        request = builder.request_removal(body.sender, body.dataset_id, body.content_hash, note=body.note, ttl=ttl)
    return PreparedRequest(
        action=body.action,
        request=ForwardRequestBody.from_sdk(request),
        typed_data=request.typed_data(builder.chain_id, builder.forwarder_address),
        chain_id=builder.chain_id,
        forwarder=builder.forwarder_address,
    )


@router.get("/nonces/{address}", response_model=NoncePublic, responses={422: {"model": ErrorPublic}})
def next_nonce(address: Annotated[AddressStr, Path()], relayer: RelayerDep) -> NoncePublic:
    return NoncePublic(address=address, nonce=relayer.next_nonce(address))
