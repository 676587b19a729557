"""TDMRep (W3C TDM Reservation Protocol, final report 2024-05-10): the `tdm-reservation` and
`tdm-policy` values of a work, the same as HTTP header fields and HTML meta elements, a TDM
Policy (an ODRL Offer in the TDMRep profile), and `/.well-known/tdmrep.json` for a set of works.

TDMRep speaks of text and data mining only, which under the EU DSM Directive (art. 4) covers
AI training. So a work is left unreserved (`tdm-reservation: 0`) only when mining and both AI
training uses are open now; otherwise it is reserved (1), and where mining is possible under
conditions (a licence, a window, attribution) the `tdm-policy` URL, if given, names the policy.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ValidationError
from ..vocabulary import Use
from .odrl import CONTEXT, TDMREP_PROFILE, duties, target, time_constraints
from .record import Access, ExportRecord

MINING_USES = (Use.TDM, Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING)


@dataclass(frozen=True)
class TdmDeclaration:
    reservation: int
    policy: str | None = None

    def to_json_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tdm-reservation": self.reservation}
        if self.policy:
            out["tdm-policy"] = self.policy
        return out

    def http_headers(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.to_json_dict().items()}

    def html_meta(self) -> str:
        return "\n".join(
            f'<meta name="{k}" content="{html.escape(str(v), quote=True)}">' for k, v in self.to_json_dict().items()
        )


def tdm_declaration(record: ExportRecord, *, policy_url: str | None = None) -> TdmDeclaration:
    """The work's TDMRep values. `policy_url` is where the TDM policy (see `tdm_policy`) is served."""
    states = [record.access(u) for u in MINING_USES]
    if all(s.access is Access.OPEN for s in states):
        return TdmDeclaration(0)
    mining_possible = record.access(Use.TDM).access is not Access.DENIED
    return TdmDeclaration(1, policy_url if mining_possible and policy_url else None)


def tdm_policy(record: ExportRecord, *, uid: str | None = None, contact_url: str | None = None) -> dict[str, Any]:
    """The TDM Policy of the work: an ODRL Offer in the TDMRep profile with permission `tdm:mine`,
    its duties (`obtainConsent`, `compensate`, `attribute`) and `dateTime` constraints."""
    state = record.access(Use.TDM)
    if state.access is Access.DENIED:
        raise ValidationError(
            f"text and data mining of {record.content_hash} is not allowed ({state.reason}): "
            "there is no TDM policy to offer; declare tdm-reservation 1 alone",
            code="tdm-not-offered",
        )
    assigner: dict[str, Any] = {"uid": record.holder_did}
    if contact_url:
        assigner["vcard:hasURL"] = contact_url
    permission: dict[str, Any] = {"target": target(record), "action": "tdm:mine"}
    constraints = time_constraints(record, Use.TDM)
    if constraints:
        permission["constraint"] = constraints
    rule_duties = duties(record, Use.TDM)
    if rule_duties:
        permission["duty"] = rule_duties
    return {
        "@context": CONTEXT,
        "@type": "Offer",
        "profile": TDMREP_PROFILE,
        "uid": uid or f"{record.caip19}#tdm-policy",
        "assigner": assigner,
        "permission": [permission],
    }


def well_known(entries: Sequence[tuple[str, ExportRecord]], *, policy_url: str | None = None) -> list[dict[str, Any]]:
    """`/.well-known/tdmrep.json` for works served at the given paths: one rule per work, an
    exact-path pattern (`$` ends it). `policy_url` may contain `{hash}` for a per-work policy."""
    rules: list[dict[str, Any]] = []
    seen: set[str] = set()
    for location, record in entries:
        if not location.startswith("/"):
            raise ValidationError(f"location {location!r} must be a path on the server, starting with /")
        if location in seen:
            raise ValidationError(f"location {location} is listed twice")
        seen.add(location)
        url = policy_url.replace("{hash}", record.content_hash) if policy_url else None
        rule = {"location": _pattern(location), **tdm_declaration(record, policy_url=url).to_json_dict()}
        rules.append(rule)
    return rules


def _pattern(location: str) -> str:
    # "*" and "$" are special in TDMRep patterns: a literal one is percent-encoded.
    return location.replace("%", "%25").replace("*", "%2A").replace("$", "%24") + "$"
