"""Preparing requests for users to sign: the calldata, their next nonce, gas and deadline, and the
EIP-712 document a wallet signs. The signed request then goes to the works endpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path

from ...identity import content_header
from ...workflows.identity_index import refuse_similar_code
from ..deps import GatewayState, RelayerDep, SettingsDep, StateDep
from ..schemas import (
    AddressStr,
    ErrorPublic,
    ForwardRequestBody,
    NoncePublic,
    PreparedRequest,
    PrepareRegister,
    PrepareRequest,
)
from .match import parse_code

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
def prepare(
    body: Annotated[PrepareRequest, Body()], relayer: RelayerDep, settings: SettingsDep, state: StateDep
) -> PreparedRequest:
    """The request is simulated as the signer first, so one that would fail (not the holder, already
    registered) is refused here with the decoded contract error. Preparing sends nothing: `terms`
    already stored are named by their policy id; new ones are carried in the request itself
    (`registerWithTerms`, `registerWithCodeAndTerms`, `setTerms`), so the signature covers the terms,
    and the signed request stores them in the transaction that uses them, at its own gas. An offer
    with a price is refused with 403 `offer-not-free`: the relayer never pays a price for anyone.
    For `prove-inclusion` the Merkle proof is read from the dataset's manifest unless given (404
    `manifest-unreadable` when this gateway cannot read it; 404 `not-in-dataset` when the manifest
    does not list the work).
    A registration with `iscc` records the work's content code (`registerWithCode`); one within the
    threshold of another holder's work is refused with 409 `similar-work` (`details`: the matches)
    unless `allowSimilar` is true."""
    builder = relayer.builder
    ttl = settings.relay_ttl
    if body.action == "register":
        terms = body.terms if body.terms is not None else body.policy_id
        code = _code_of(body, state)
        request = builder.register(
            body.sender, body.content_hash, terms=terms, holder=body.holder, metadata_uri=body.metadata_uri, ttl=ttl,
            code=code,
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


def _code_of(body: PrepareRegister, state: GatewayState) -> int | None:
    """The 80-bit on-chain code (header << 64 | body) of the registration's `iscc`, or None; refuses a
    near copy of another holder's work unless `allowSimilar`."""
    if body.iscc is None:
        return None
    iscc, media, bits = parse_code(body.iscc)
    if not body.allow_similar:
        with state.codes_index() as index:
            refuse_similar_code(index, media, bits, body.holder or body.sender, body.content_hash)
    return (content_header(iscc).packed << 64) | bits


@router.get("/nonces/{address}", response_model=NoncePublic, responses={422: {"model": ErrorPublic}})
def next_nonce(address: Annotated[AddressStr, Path()], relayer: RelayerDep) -> NoncePublic:
    return NoncePublic(address=address, nonce=relayer.next_nonce(address))
