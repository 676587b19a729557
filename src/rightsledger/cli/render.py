"""Output shared by the commands: JSON on stdout, and the JSON and text forms of works,
terms, licences and provenance trails."""

from __future__ import annotations

import json
from typing import Any

from ..records import Licence, Work
from ..terms import Terms
from ..text import render_table
from ..units import format_wei
from ..vocabulary import Use


def print_json(data: Any, *, ensure_ascii: bool = True) -> None:
    print(json.dumps(data, indent=2, default=str, ensure_ascii=ensure_ascii))


def work_json(work: Work) -> dict[str, Any]:
    return {
        "contentHash": work.content_hash,
        "holder": work.holder,
        "registrant": work.registrant,
        "registeredAt": work.registered_at.isoformat(),
        "registrationId": work.registration_id,
        "status": work.status.value,
        "metadataURI": work.metadata_uri,
        "policyId": work.policy_id,
        "optedOut": [u.value for u in work.opted_out],
        "terms": work.terms.to_json_dict(),
    }


def describe_terms(terms: Terms) -> list[tuple[str, str]]:
    rows = [(use.value, terms.rule(use).describe()) for use in Use]
    rows.append(("expires", terms.expires.strftime("%Y-%m-%d %H:%M UTC") if terms.expires else "never"))
    return rows


def licence_json(licence: Licence) -> dict[str, Any]:
    return {
        "licenceId": licence.licence_id,
        "contentHash": licence.content_hash,
        "use": licence.use.value,
        "licensee": licence.licensee,
        "source": licence.source.value,
        "validFrom": licence.valid_from.isoformat(),
        "validUntil": licence.valid_until.isoformat() if licence.valid_until else None,
        "payer": licence.payer,
        "price": str(licence.price),
        "transaction": licence.transaction,
    }


def describe_licence(licence: Licence) -> str:
    until = f"until {licence.valid_until:%Y-%m-%d %H:%M UTC}" if licence.valid_until else "with no end"
    paid = f"; paid {format_wei(licence.price)}" if licence.price else ""
    return (
        f"licence #{licence.licence_id} ({licence.source.value}): {licence.use.value} of {licence.content_hash} "
        f"for {licence.licensee}, {until}{paid}"
    )


def render_trail(entries: list[Any]) -> str:
    rows = [
        (
            e.timestamp.strftime("%Y-%m-%d %H:%M:%S"),
            str(e.block),
            e.stage,
            f"{e.actor[:10]}…",
            f"{e.transaction[:12]}…",
            e.summary(),
        )
        for e in entries
    ]
    return render_table(rows, ("time (UTC)", "block", "stage", "actor", "transaction", "details"))
