"""The AI-disclosure label of a work: level, phases, tools, compact text, IPTC digital source type."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import ClientDep
from ..schemas import ErrorPublic, LabelPublic
from .works import HashPath

FEATURE = "label"
router = APIRouter(prefix="/works", tags=["AI label"])


@router.get(
    "/{content_hash}/label",
    response_model=LabelPublic,
    responses={404: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary="the work's AI-disclosure label (disclosed: false when its holder set none)",
)
def get_label(content_hash: HashPath, client: ClientDep) -> LabelPublic:
    label = client.disclosure(content_hash)
    if label is None:
        client.work(content_hash)  # an unregistered work is 404 work-not-registered, not "no label"
    return LabelPublic.build(content_hash, label)
