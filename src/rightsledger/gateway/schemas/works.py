"""Works and their terms, as the gateway returns them."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from ...client import Work
from ...terms import Terms, format_wei
from ...vocabulary import Status, Use
from .common import Schema


class RulePublic(Schema):
    use: Use
    mode: str
    plain: str = Field(description="the rule in plain words")
    opted_out: bool = Field(description="the holder opted this use out: no open use, no new licences")
    start: datetime | None
    end: datetime | None
    fee_wei: str = Field(description="licence fee in wei (decimal string)")
    fee: str = Field(description="the fee for people, e.g. 0.01 ETH")
    attribution: bool
    share_alike: bool
    revenue_share_bps: int


class TermsPublic(Schema):
    policy_id: int
    expires: datetime | None
    rules: list[RulePublic] = Field(description="one per use, in the vocabulary's order")

    @classmethod
    def build(cls, policy_id: int, terms: Terms, opted_out: tuple[Use, ...] = ()) -> TermsPublic:
        rules = []
        for use in Use:
            rule = terms.rule(use)
            plain = rule.describe()
            if use in opted_out:
                plain = f"opted out by the holder (the terms say: {plain})"
            rules.append(
                RulePublic(
                    use=use,
                    mode=rule.mode.value,
                    plain=plain,
                    opted_out=use in opted_out,
                    start=rule.start,
                    end=rule.end,
                    fee_wei=str(rule.fee),
                    fee=format_wei(rule.fee),
                    attribution=rule.attribution,
                    share_alike=rule.share_alike,
                    revenue_share_bps=rule.revenue_share_bps,
                )
            )
        return cls(policy_id=policy_id, expires=terms.expires, rules=rules)


STATUS_TEXT = {
    Status.UNVERIFIED: "not yet verified by a registrar",
    Status.VERIFIED: "verified by a registrar (a collective management organisation or heritage institution)",
    Status.DISPUTED: "disputed: a registrar contests this registration; every use is suspended",
}


class WorkPublic(Schema):
    content_hash: str
    holder: str
    registrant: str
    registered_at: datetime
    registration_id: int
    status: Status
    status_plain: str
    metadata_uri: str
    opted_out: list[Use]
    terms: TermsPublic

    @classmethod
    def from_work(cls, work: Work) -> WorkPublic:
        return cls(
            content_hash=work.content_hash,
            holder=work.holder,
            registrant=work.registrant,
            registered_at=work.registered_at,
            registration_id=work.registration_id,
            status=work.status,
            status_plain=STATUS_TEXT[work.status],
            metadata_uri=work.metadata_uri,
            opted_out=list(work.opted_out),
            terms=TermsPublic.build(work.policy_id, work.terms, work.opted_out),
        )
