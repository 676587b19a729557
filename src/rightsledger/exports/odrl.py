"""An ODRL 2.2 policy (JSON-LD) from one work's record.

The policy is an `Offer` from the holder (a did:pkh) for the work (its RFC 6920 sha-256 URI):
one permission per use the terms allow, one prohibition per use they deny (every use has one
or the other, since a use without a rule is denied). Time windows and the record's expiry are
`dateTime` constraints; attribution, share-alike, fees and revenue shares are duties. Text and
data mining is the TDMRep action `tdm:mine`; uses ODRL has no action for are terms of this
project's profile (`rl:`). See docs/provenance-and-exports.md for the table.
"""

from __future__ import annotations

from typing import Any

from ..disclosure import RIGHTSLEDGER_NS
from ..vocabulary import Mode, Use
from .jsonld import ODRL_CONTEXT_URL
from .record import Access, ExportRecord, iso_datetime

TDMREP_NS = "http://www.w3.org/ns/tdmrep#"
TDMREP_PROFILE = "http://www.w3.org/ns/tdmrep"
RIGHTSLEDGER_PROFILE = "https://w3id.org/rightsledger/odrl-profile"

ACTIONS: dict[Use, str] = {
    Use.COMMERCIAL: "rl:commercialUse",
    Use.PROMOTION: "rl:promote",
    Use.DERIVATIVE: "derive",
    Use.TDM: "tdm:mine",
    Use.AI_TRAINING: "rl:aiTraining",
    Use.AI_GENERATIVE_TRAINING: "rl:aiGenerativeTraining",
    Use.AI_INFERENCE: "rl:aiInference",
}
"""Each use's ODRL action (compact IRIs; `derive` is ODRL's own)."""

CONTEXT: list[Any] = [ODRL_CONTEXT_URL, {"tdm": TDMREP_NS, "rl": RIGHTSLEDGER_NS}]
"""The ODRL context defines `dct` (Dublin Core terms), used for the work's ISCC identifier."""


def target(record: ExportRecord) -> str | dict[str, str]:
    """The rule's asset: the work's sha-256 URI; with its ISCC as a `dct:identifier` when it has one."""
    if record.iscc is None:
        return record.content_uri
    return {"uid": record.content_uri, "dct:identifier": record.iscc}


def _datetime(value: Any) -> dict[str, str]:
    return {"@value": iso_datetime(value), "@type": "xsd:dateTime"}


def time_constraints(record: ExportRecord, use: Use) -> list[dict[str, Any]]:
    rule = record.terms.rule(use)
    out: list[dict[str, Any]] = []
    if rule.start is not None:
        out.append({"leftOperand": "dateTime", "operator": "gteq", "rightOperand": _datetime(rule.start)})
    if rule.end is not None:
        out.append({"leftOperand": "dateTime", "operator": "lt", "rightOperand": _datetime(rule.end)})
    if record.terms.expires is not None:
        out.append({"leftOperand": "dateTime", "operator": "lt", "rightOperand": _datetime(record.terms.expires)})
    return out


def duties(record: ExportRecord, use: Use) -> list[dict[str, Any]]:
    rule = record.terms.rule(use)
    out: list[dict[str, Any]] = []
    if rule.mode is Mode.LICENCE:
        out.append({"action": "obtainConsent"})
        if rule.fee:
            out.append(
                {
                    "action": "compensate",
                    "refinement": [
                        {
                            "leftOperand": "payAmount",
                            "operator": "eq",
                            "rightOperand": {"@value": str(rule.fee), "@type": "xsd:integer"},
                            "unit": {"@id": "rl:wei"},
                        }
                    ],
                }
            )
    if rule.attribution:
        out.append({"action": "attribute"})
    if rule.share_alike:
        out.append({"action": "cc:ShareAlike"})
    if rule.revenue_share_bps:
        out.append(
            {
                "action": "compensate",
                "refinement": [
                    {
                        "leftOperand": "percentage",
                        "operator": "eq",
                        "rightOperand": {"@value": f"{rule.revenue_share_bps / 100:g}", "@type": "xsd:decimal"},
                    }
                ],
            }
        )
    return out


def odrl_policy(record: ExportRecord) -> dict[str, Any]:
    """The record's terms as an ODRL 2.2 Offer in JSON-LD (compact form, ODRL context)."""
    permissions: list[dict[str, Any]] = []
    prohibitions: list[dict[str, Any]] = []
    for use in Use:
        state = record.access(use)
        base: dict[str, Any] = {"target": target(record), "action": ACTIONS[use]}
        if state.access is Access.DENIED:
            prohibitions.append(base)
            continue
        permission = dict(base)
        constraints = time_constraints(record, use)
        if constraints:
            permission["constraint"] = constraints
        rule_duties = duties(record, use)
        if rule_duties:
            permission["duty"] = rule_duties
        permissions.append(permission)
    policy: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Offer",
        "uid": record.policy_uid,
        "profile": [TDMREP_PROFILE, RIGHTSLEDGER_PROFILE],
        "assigner": record.holder_did,
    }
    if permissions:
        policy["permission"] = permissions
    if prohibitions:
        policy["prohibition"] = prohibitions
    return policy
