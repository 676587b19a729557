"""Checks: may this use be made of this work (or of these 10,000 works) now, by this licensee?"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from ...errors import ValidationError
from ...identity.chance import possible
from ...records import CheckResult
from ...sdk.client import RightsLedger
from ...sdk.near_copies import CodeQuery
from ...terms import ChainTime
from ...vocabulary import Reason, Use
from ...workflows.identity_index import CodesIndex, check_member_match
from ..deps import ClientDep, SettingsDep, StateDep
from ..errors import GatewayError
from ..schemas import (
    AddressStr,
    CheckItem,
    CheckManyRequest,
    CheckPublic,
    ChecksPublic,
    CodeCheckItem,
    ContentHashStr,
    ErrorPublic,
)
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
def check_many(body: CheckManyRequest, client: ClientDep, settings: SettingsDep, state: StateDep) -> Response:
    asked = len(body.hashes) + len(body.iscc)
    if asked > settings.max_batch:
        raise GatewayError(
            413, "batch-too-large", f"{asked:,} hashes and codes; at most {settings.max_batch:,} per request"
        )
    if not asked:
        raise ValidationError("give `hashes`, `iscc` codes, or both: at least one item to check")
    if body.iscc:
        with state.codes_index() as index:
            return _with_codes(body, client, index)
    results = client.check_many(body.hashes, body.use, licensee=body.licensee, at=body.at)
    return checks_response(body, results)


# Each reason's tail of a result object, rendered once: the answer to 10,000 hashes is written as
# text here rather than through 10,000 response models (FastAPI skips the response model when
# given a Response; tests compare this text with ChecksPublic, which still documents it).
_RESULT_TAIL = {r: f',"allowed":{"true" if r.allows else "false"},"reason":"{r.value}"}}' for r in Reason}


def checks_response(body: CheckManyRequest, results: list[CheckResult]) -> Response:
    allowed = sum(1 for r in results if r.allowed)
    counts = {"use": body.use.value, "licensee": body.licensee, "count": len(results), "allowedCount": allowed}
    head = json.dumps(counts)
    items = ",".join(f'{{"contentHash":"{r.content_hash}"{_RESULT_TAIL[r.reason]}' for r in results)
    return Response(content=f'{head[:-1]},"results":[{items}],"codeResults":[]}}', media_type="application/json")


def _with_codes(body: CheckManyRequest, client: RightsLedger, index: CodesIndex) -> Response:
    """Hashes and codes: each code answers as its nearest registered work within the distance (the
    same block as the hashes, and only works registered by it), like `rightsledger check` answers a near copy."""
    codes = [parse_code(code) for code in body.iscc]
    block = client.block_number
    index.sync()
    # Each distinct code queried once; the holders of all matches read in one round trip.
    distinct = list(dict.fromkeys((media, bits) for _iscc, media, bits in codes))
    answered = index.matches_many([CodeQuery(media, bits) for media, bits in distinct], body.max_distance,
                                  until_block=block, members=True)
    first = {key: (found[0] if found else None) for key, found in zip(distinct, answered, strict=True)}
    nearest = [first[(media, bits)] for _iscc, media, bits in codes]
    works = [m.content_hash for m in nearest if m is not None and m.decisive and m.collection_id is None]
    results = client.check_many([*body.hashes, *works], body.use, licensee=body.licensee, at=body.at, block=block)
    items = [CheckItem(content_hash=r.content_hash, allowed=r.allowed, reason=r.reason)
             for r in results[: len(body.hashes)]]
    answers = iter(results[len(body.hashes):])
    code_items = []
    for (iscc, _media, _bits), match in zip(codes, nearest, strict=True):
        if match is None:
            code_items.append(CodeCheckItem(iscc=iscc, content_hash=None, allowed=False, reason=Reason.UNREGISTERED,
                                            near_copy_of=None, distance=None,
                                            note="no registered work within the distance of this code"))
            continue
        if not match.decisive:  # as likely chance as a copy at this registry's size (identity.chance)
            code_items.append(CodeCheckItem(iscc=iscc, content_hash=None, allowed=False, reason=Reason.UNREGISTERED,
                                            near_copy_of=None, distance=match.distance,
                                            note=possible(match.content_hash, match.distance, match.chance),
                                            possible_near_copy_of=match.content_hash,
                                            chance=float(f"{match.chance:.2g}")))
            continue
        if match.collection_id is None:
            r = next(answers)
            of = match.content_hash
        else:
            r = check_member_match(client, match, body.use, licensee=body.licensee, at=body.at)
            of = f"{match.content_hash} in collection {match.collection_id}"
        code_items.append(CodeCheckItem(iscc=iscc, content_hash=r.content_hash, allowed=r.allowed, reason=r.reason,
                                        near_copy_of=match.content_hash, distance=match.distance,
                                        note=f"near copy of {of}, distance {match.distance}",
                                        collection=match.collection_id))
    answer = ChecksPublic(
        use=body.use,
        licensee=body.licensee,
        count=len(items) + len(code_items),
        allowed_count=sum(1 for i in items if i.allowed) + sum(1 for c in code_items if c.allowed),
        results=items,
        code_results=code_items,
    )
    return Response(content=answer.model_dump_json(by_alias=True), media_type="application/json")
