"""Checks: may this use be made of this work (or of these 10,000 works) now, by this licensee?"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ...errors import ValidationError
from ...terms import ChainTime
from ...vocabulary import Reason, Use
from ...workflows.identity_index import CodesIndex, WorkMatch
from ..deps import ClientDep, SettingsDep
from ..errors import GatewayError
from ..schemas import AddressStr, CheckItem, CheckManyRequest, CheckPublic, ChecksPublic, ContentHashStr, ErrorPublic
from .match import parse_code

FEATURE = "checks"
router = APIRouter(prefix="/checks", tags=["checks"])


@router.get(
    "/{content_hash}",
    response_model=CheckPublic,
    responses={422: {"model": ErrorPublic}},
    summary="check one work (unregistered works answer `unregistered`, not an error)",
)
def check_one(
    content_hash: Annotated[ContentHashStr, Path()],
    use: Annotated[Use, Query(description="the use asked about")],
    client: ClientDep,
    licensee: Annotated[AddressStr | None, Query()] = None,
    at: Annotated[ChainTime | None, Query(description="ISO 8601 or seconds; default: the latest block")] = None,
) -> CheckPublic:
    return CheckPublic.from_result(client.check(content_hash, use, licensee=licensee, at=at))


@router.post(
    "",
    response_model=ChecksPublic,
    responses={413: {"model": ErrorPublic}, 422: {"model": ErrorPublic}},
    summary="check many works at once (up to 10,000 hashes or ISCC codes), all answered as of one block",
)
def check_many(body: CheckManyRequest, client: ClientDep, settings: SettingsDep) -> ChecksPublic:
    asked = len(body.hashes) + len(body.iscc)
    if asked > settings.max_batch:
        raise GatewayError(
            413, "batch-too-large", f"{asked:,} hashes and codes; at most {settings.max_batch:,} per request"
        )
    if not asked:
        raise ValidationError("give `hashes`, `iscc` codes, or both: at least one item to check")
    codes = [parse_code(code) for code in body.iscc]
    nearest: list[WorkMatch | None] = []
    if codes:
        with CodesIndex(client) as index:
            index.sync()
            for _iscc, media, bits in codes:
                found = index.matches(media, bits, body.max_distance)
                nearest.append(found[0] if found else None)
    works = [m.content_hash for m in nearest if m is not None]
    results = client.check_many([*body.hashes, *works], body.use, licensee=body.licensee, at=body.at)
    items = [CheckItem(content_hash=r.content_hash, allowed=r.allowed, reason=r.reason)
             for r in results[: len(body.hashes)]]
    answers = iter(results[len(body.hashes):])
    for (iscc, _media, _bits), match in zip(codes, nearest, strict=True):
        if match is None:
            items.append(CheckItem(content_hash=None, allowed=False, reason=Reason.UNREGISTERED, iscc=iscc,
                                   note="no registered work within the distance of this code"))
            continue
        r = next(answers)
        items.append(CheckItem(content_hash=r.content_hash, allowed=r.allowed, reason=r.reason, iscc=iscc,
                               near_copy_of=match.content_hash, distance=match.distance,
                               note=f"near copy of {match.content_hash}, distance {match.distance}"))
    return ChecksPublic(
        use=body.use,
        licensee=body.licensee,
        count=len(items),
        allowed_count=sum(1 for i in items if i.allowed),
        results=items,
    )
