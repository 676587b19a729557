"""About this gateway: chain, contracts, relayer, features, limits, the vocabulary of uses."""

from __future__ import annotations

from fastapi import APIRouter

from ...version import __version__
from ...vocabulary import Use
from ..deps import StateDep
from ..schemas import IndexStatusPublic, InfoPublic, LimitsPublic, UsePublic

FEATURE = "info"
router = APIRouter(prefix="/info", tags=["info"])

USE_TEXT = {
    Use.COMMERCIAL: "commercial use (selling it, or using it in something sold)",
    Use.PROMOTION: "promotion (showing it to promote the work, the artist or an event)",
    Use.DERIVATIVE: "derivative works (adaptations, remixes, translations)",
    Use.TDM: "text and data mining",
    Use.AI_TRAINING: "training AI models",
    Use.AI_GENERATIVE_TRAINING: "training generative AI models (that make new images, text, music)",
    Use.AI_INFERENCE: "feeding it to an AI model as input (inference, retrieval)",
}


@router.get("", response_model=InfoPublic, summary="chain, contracts, relayer, features and limits")
def info(state: StateDep) -> InfoPublic:
    s = state.settings
    head = state.ledger.block_number
    index = None
    if state.following and state.follower is not None:
        status = state.follower.status
        index = IndexStatusPublic(
            block=status.block,
            head=head,
            lag=max(0, head - status.block),
            confirmations=status.confirmations,
            error=status.error,
        )
    elif state.following:  # another worker follows: the index's own cursor
        with state.index() as reader:
            block = reader.cursor
        confirmations = s.index_confirmations
        index = IndexStatusPublic(block=block, head=head, lag=max(0, head - block), confirmations=confirmations)
    return InfoPublic(
        name="rightsledger",
        version=__version__,
        chain_id=state.ledger.chain_id,
        block=head,
        contracts=state.ledger.deployment.contracts,
        relayer=state.relayer.address if state.relayer else None,
        dev_keys=state.dev_keys,
        features=state.features,
        limits=LimitsPublic(
            max_body_bytes=s.max_body_bytes,
            max_batch=s.max_batch,
            rate_limit=s.rate_limit,
            rate_burst=s.rate_burst,
            relay_max_gas=s.relay_max_gas,
        ),
        uses=[UsePublic(use=u, plain=USE_TEXT[u]) for u in Use],
        index=index,
    )
