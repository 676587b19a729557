"""Gas per licence purchase, offer redemption, grant, derivative registration and withdrawal
on a real anvil. Writes bench/results/licences.json."""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import fresh_chain, write_result

from rightsledger import Mode, RightsLedger, Rule, Terms, Use
from rightsledger.chain import dev_account


def gas(client: RightsLedger, transaction: str) -> int:
    return int(client.w3.eth.get_transaction_receipt(transaction)["gasUsed"])  # type: ignore[arg-type]


def main() -> None:
    for_sale = Terms(
        rules={
            Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16),
            Use.DERIVATIVE: Rule(mode=Mode.ALLOW, revenue_share_bps=1500),
        }
    )
    with fresh_chain() as admin:
        holder = admin.with_account(dev_account(1))
        buyers = [admin.with_account(dev_account(i)) for i in (2, 3, 4)]
        policy = admin.ensure_policy(for_sale)
        works = [holder.register(os.urandom(32), terms=policy, metadata_uri="ipfs://example").content_hashes[0]
                 for _ in range(3)]  # fmt: skip

        first = buyers[0].licensing.buy(works[0], Use.AI_TRAINING)
        later = buyers[1].licensing.buy(works[0], Use.AI_TRAINING)
        for_other = buyers[2].licensing.buy(works[1], Use.AI_TRAINING, licensee=buyers[0].address)

        now = datetime.fromtimestamp(int(admin.w3.eth.get_block("latest")["timestamp"]), tz=UTC)
        single = holder.licensing.offer(works[2], Use.TDM, price=10**15, valid_until=now + timedelta(days=365))
        capped = holder.licensing.offer(
            works[2], Use.PROMOTION, price=0, valid_until=now + timedelta(days=30), max_redemptions=10
        )
        redeemed = buyers[0].licensing.redeem(single)
        capped_first = buyers[1].licensing.redeem(capped)
        capped_second = buyers[2].licensing.redeem(capped)
        granted = holder.licensing.grant(works[2], Use.COMMERCIAL, buyers[0].address, until=now + timedelta(days=90))

        resale = Terms(rules={Use.COMMERCIAL: Rule(mode=Mode.LICENCE, fee=10**16)})
        one_parent = buyers[1].licensing.register_derivative(os.urandom(32), [works[0]], terms=resale)
        two_parents = buyers[1].licensing.register_derivative(os.urandom(32), works[:2], terms=resale)
        derivative_sale = buyers[2].licensing.buy(two_parents.content_hash, Use.COMMERCIAL)

        holder.licensing.withdraw()
        withdraw_tx = admin.w3.eth.get_block("latest")["transactions"][-1]
        withdraw_gas = int(admin.w3.eth.get_transaction_receipt(withdraw_tx)["gasUsed"])  # type: ignore[arg-type]

        result = {
            "buy_first_licence_of_deployment_and_holder": gas(admin, first.transaction),
            "buy_licence_typical": gas(admin, later.transaction),
            "buy_licence_for_another_licensee": gas(admin, for_other.transaction),
            "buy_licence_of_derivative_two_parents": gas(admin, derivative_sale.transaction),
            "redeem_single_use_offer_paid": gas(admin, redeemed.transaction),
            "redeem_capped_offer_first": gas(admin, capped_first.transaction),
            "redeem_capped_offer_second": gas(admin, capped_second.transaction),
            "grant_licence": gas(admin, granted.transaction),
            "register_derivative_one_parent": one_parent.registration.gas_used,
            "register_derivative_two_parents": two_parents.registration.gas_used,
            "withdraw": withdraw_gas,
        }
    path = write_result("licences", result)
    width = max(len(k) for k in result)
    for name, value in result.items():
        print(f"{name.replace('_', ' '):<{width}}  {value:>9,} gas")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
