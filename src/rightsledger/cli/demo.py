"""`rightsledger demo`: the whole foundation in one run on the local chain.

Starts the chain (or uses the running one), deploys if needed, registers the sample works
the project ships under different terms, checks every use of each plus an unregistered
file, and prints work x use -> answer (reason), then the gas each registration cost.
Re-running is safe: works registered by an earlier run are reused, and their gas is read
back from the receipts of the transactions that registered them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from web3 import Web3

from ..chain.connection import connect_web3
from ..chain.deploy import deploy
from ..chain.deployments import Deployment, WrongChainError, find_deployment, home_dir, verify_deployment
from ..chain.local import DEFAULT_PORT, LocalChain, dev_account
from ..disclosure import Disclosure
from ..errors import ConfigError, ContractRevert
from ..exports import ExportRecord, odrl_policy
from ..hashing import hash_bytes, hash_file
from ..manifests import collect, write_manifest
from ..merkle import MerkleTree
from ..sdk.client import RightsLedger
from ..sdk.trail import Stage
from ..terms import Rule, Terms
from ..text import render_table
from ..units import format_wei
from ..vocabulary import ContentHash, Mode, Reason, Status, Use
from ..workflows.audit import buy_licences, run_audit
from ..workflows.bulk import hash_items
from ..workflows.indexer import open_index
from .chain import print_start_notes
from .context import Context
from .demo_travel import observatory_scene, summary_scene, travel_scene
from .options import port_arg
from .render import render_trail

SHORT_REASON = {
    Reason.ALLOWED_BY_TERMS: "yes",
    Reason.ALLOWED_BY_LICENCE: "yes, licensed",
    Reason.DENIED: "no",
    Reason.LICENCE_REQUIRED: "with licence",
    Reason.OUTSIDE_WINDOW: "not now",
    Reason.EXPIRED: "expired",
    Reason.DISPUTED: "disputed",
    Reason.OPTED_OUT: "opted out",
    Reason.UNREGISTERED: "unknown",
}
USE_HEADERS = {
    Use.COMMERCIAL: "commercial",
    Use.PROMOTION: "promotion",
    Use.DERIVATIVE: "derivative",
    Use.TDM: "tdm",
    Use.AI_TRAINING: "ai-training",
    Use.AI_GENERATIVE_TRAINING: "ai-gen-train",
    Use.AI_INFERENCE: "ai-inference",
}


def samples_dir() -> Path:
    return Path(str(resources.files("rightsledger") / "samples"))


@dataclass(frozen=True)
class Sample:
    title: str
    files: tuple[str, ...]
    story: str
    terms: Terms


def demo_samples(now: datetime) -> list[Sample]:
    day = timedelta(days=1)
    return [
        Sample(
            "Harbour at Dawn",
            ("harbour-at-dawn.svg",),
            "open for promotion during a 30-day campaign; commercial use only from next month",
            Terms(
                rules={
                    Use.PROMOTION: Rule(mode=Mode.ALLOW, start=now - day, end=now + 30 * day, attribution=True),
                    Use.COMMERCIAL: Rule(mode=Mode.LICENCE, fee=5 * 10**16, start=now + 30 * day),
                }
            ),
        ),
        Sample(
            "Lullaby for the North Sea",
            ("lullaby-for-the-north-sea.txt",),
            "opted in to AI training for a fee; text and data mining allowed; derivatives for 20% of their income",
            Terms(
                rules={
                    Use.AI_TRAINING: Rule(mode=Mode.LICENCE, fee=10**16),
                    Use.DERIVATIVE: Rule(mode=Mode.ALLOW, attribution=True, revenue_share_bps=2000),
                    Use.AI_GENERATIVE_TRAINING: Rule(mode=Mode.LICENCE, fee=2 * 10**16),
                    Use.TDM: Rule(mode=Mode.ALLOW),
                    Use.PROMOTION: Rule(mode=Mode.ALLOW, attribution=True),
                }
            ),
        ),
        Sample(
            "Grandmother's Kitchen",
            ("grandmothers-kitchen.txt",),
            "all rights reserved: every use denied",
            Terms(),
        ),
        Sample(
            "Festival poster 2025",
            ("festival-poster-2025.svg",),
            "was open for commercial use and promotion; the terms expired yesterday",
            Terms(
                rules={Use.COMMERCIAL: Rule(mode=Mode.ALLOW), Use.PROMOTION: Rule(mode=Mode.ALLOW)}, expires=now - day
            ),
        ),
        Sample(
            "Herbarium (collection)",
            tuple(f"herbarium/plate-0{i}.svg" for i in range(1, 6)),
            "a collection of five plates in one batch under CC BY; plate 5 is disputed by a registrar",
            Terms(
                rules={
                    u: Rule(mode=Mode.ALLOW, attribution=True)
                    for u in (Use.COMMERCIAL, Use.PROMOTION, Use.DERIVATIVE, Use.TDM)
                }
            ),
        ),
    ]


def connect_local(home: Path, port: int | None) -> RightsLedger:
    """Start the local chain unless it runs, deploy unless deployed there; the admin's client."""
    chain = LocalChain.at(home, port)
    started = chain.start()
    print(f"local chain {'started' if started else 'running'} at {chain.url}")
    print_start_notes(chain)
    w3 = connect_web3(chain.url)
    admin = dev_account(0)
    deployment = find_deployment(w3.eth.chain_id, home)
    if deployment is None or not _deployed_here(w3, deployment):
        deployment = deploy(w3, admin, home=home)
        print(f"deployed WorkRegistry at {deployment.work_registry} (block {deployment.block})")
    else:
        print(f"using WorkRegistry at {deployment.work_registry}")
    return RightsLedger(w3, deployment, admin, home=home)


def _deployed_here(w3: Web3, deployment: Deployment) -> bool:
    """Whether the home's record is a current deployment on this very chain (else the demo deploys)."""
    if "LicenceManager" not in deployment.contracts or "ProvenanceLog" not in deployment.contracts:
        return False
    try:
        verify_deployment(w3, deployment)
    except WrongChainError:
        return False
    return True


DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


def run_demo(*, home: Path, port: int | None = None) -> int:
    client = connect_local(home, port)
    artist = client.with_account(dev_account(1))
    base = samples_dir()
    now = datetime.fromtimestamp(client.w3.eth.get_block("latest")["timestamp"], tz=UTC)
    gas_rows: list[tuple[str, str, str, str, str]] = []
    rows: list[tuple[str, list[ContentHash]]] = []

    print("\nregistering the sample works (holder: dev account 1, the artist)")
    for sample in demo_samples(now):
        paths = [base / f for f in sample.files]
        hashes = [hash_file(p) for p in paths]
        if all(client.is_registered(h) for h in hashes):
            note = "registered in an earlier run"
        elif any(client.is_registered(h) for h in hashes):
            raise ConfigError(
                f"{sample.title}: only some files are registered; "
                f"use a fresh chain (rightsledger chain stop; rm -r {home})"
            )
        else:
            if len(paths) == 1:
                artist.register(paths[0], terms=sample.terms, metadata_uri=f"demo:{sample.files[0]}")
            else:
                artist.register_batch(paths, terms=sample.terms, metadata_uri="demo:herbarium/")
            note = "registered now"
        work = client.work(hashes[0])
        receipt = client.registration_receipt(work.registration_id)
        gas = int(receipt["gasUsed"])
        kind = "single" if len(paths) == 1 else f"batch of {len(paths)}"
        gas_rows.append((sample.title, kind, f"{gas:,}", f"{gas // len(paths):,}", note))
        print(f"  {sample.title}: {sample.story}")
        rows.append((sample.title, hashes))

    # A registrar (dev account 0 holds REGISTRAR_ROLE) contests plate 5's claim.
    plate5 = rows[-1][1][-1]
    if client.work(plate5).status is not Status.DISPUTED:
        client.mark(plate5, Status.DISPUTED, "demo:claim-contested-by-another-archive")

    unregistered = hash_file(base / "unregistered-sketch.svg")
    table: list[list[str]] = []
    for title, hashes in [*rows, ("Unregistered sketch", [unregistered])]:
        answers = {use: client.check_many(hashes, use) for use in Use}
        for index in range(len(hashes)):
            label = title if len(hashes) == 1 else f"{title.split(' (')[0]} plate {index + 1}"
            table.append([label, *(_cell(answers[use][index].reason) for use in Use)])

    print(f"\nwork x use -> answer (checked at block {client.w3.eth.block_number}, now = {now:%Y-%m-%d %H:%M} UTC)\n")
    print(render_table(table, ["work", *USE_HEADERS.values()]))
    print(
        "\nreasons: yes = allowed-by-terms; with licence = licence-required (buyable); no: <reason> names the"
        " reason code\n(see README, 'Checks'). A use with no rule is denied;"
        " an unregistered work is unknown, not denied."
    )
    print("\ngas per registration (from the receipts)\n")
    print(render_table([list(r) for r in gas_rows], ["work", "kind", "gas", "gas per work", ""]))
    licensing_scene(client, lullaby=rows[1][1][0], kitchen=rows[2][1][0])
    dataset_id = trainer_scene(client, home, base)
    _show_provenance(client, artist, rows[1][1][0])
    travel_scene(client, home)
    summary_scene(client, home, dataset_id, home / "demo-audit.jsonl")
    observatory_scene(client, home)
    print(hints(client, home, base))
    return 0


def hints(client: RightsLedger, home: Path, base: Path) -> str:
    """What to try next, with the flags that reach this demo's chain and home when they are not the defaults."""
    url = str(getattr(client.w3.provider, "endpoint_uri", DEFAULT_URL))
    port = url.rsplit(":", 1)[-1]
    elsewhere = url != DEFAULT_URL
    own_home = home.resolve() != home_dir(None).resolve()
    rl = "rightsledger"
    if elsewhere or own_home:
        rl += f" --home {home}"
    if elsewhere:
        rl += f" --rpc-url {url}"
    serve = f"{rl} serve --local-chain{f' --chain-port {port}' if elsewhere else ''} --dev-keys"
    if not own_home:  # `make serve` uses the default home
        serve = f"{'make serve PORT=' + port if elsewhere else 'make serve'}  (or: {serve})"
    return (
        f"\ntry: {rl} check {base / 'lullaby-for-the-north-sea.txt'} --use ai-training"
        f"\n     {rl} terms show {base / 'harbour-at-dawn.svg'}"
        f"\n     {rl} chain stop   (the chain keeps running until then; its state is saved)"
        f"\n\nthe creators' web page and the HTTP API: {serve},"
        " then open http://127.0.0.1:8000/"
    )


def trainer_scene(client: RightsLedger, home: Path, base: Path) -> int:
    """The trainer of the licensing scene audits the samples for AI training, buys what the audit
    says it needs (within a cap), declares the samples as a dataset; the artist finds two works
    in it and proves them: one was licensed then (no violation), one was not (a violation).
    Re-runnable: a dataset or proof made by an earlier run is reported, not repeated."""
    trainer = client.with_account(dev_account(2))
    artist = client.with_account(dev_account(1))
    print("\ndatasets (dev account 2 audits and declares what it trains on; the artist checks)\n")
    result = run_audit(trainer, base, Use.AI_TRAINING, licensee=trainer.address, out=home / "demo-audit.jsonl",
                       progress=False, keep_rows=True)  # fmt: skip
    summary = result.summary
    print(render_table([[a, str(summary[a])] for a in ("cleared", "needs-licence", "denied", "unregistered",
                                                          "disputed")], ["audit answer", "works"]))  # fmt: skip
    print(f"  report {result.report.name if result.report else ''}: receipt for chain {result.receipt['chainId']}, "
          f"block {result.receipt['block']}")  # fmt: skip
    bought = buy_licences(trainer, result, Use.AI_TRAINING, cap=10**17)
    print(f"  licences to buy (cap 0.1 ETH): {len(bought.bought)} bought for {format_wei(bought.spent)}")

    items = collect(base)
    hash_items(items)
    tree = MerkleTree.of(dict.fromkeys(str(i.content_hash) for i in items))
    manifest, _ = write_manifest(items, tree, Use.AI_TRAINING, home / "datasets", "demo-samples")
    datasets = trainer.datasets
    declared = datasets.registry.events.DatasetDeclared().get_logs(
        from_block=client.deployment.block, argument_filters={"root": tree.root}
    )
    if declared:
        dataset_id = int(declared[0]["args"]["datasetId"])
        print(f"  the trainer declared the samples as dataset {dataset_id} in an earlier run")
    else:
        dataset_id = datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri()).dataset_id
        print(f"  the trainer declares the samples as dataset {dataset_id} (root {tree.root[:18]}...)")

    with open_index(artist, home / f"index-{client.chain_id}.sqlite") as index:
        index.sync()
        for name in ("lullaby-for-the-north-sea.txt", "harbour-at-dawn.svg"):
            digest = hash_file(base / name)
            found = ", ".join(f"dataset {h.dataset_id} ({h.use})" for h in index.datasets_containing(digest))
            print(f"  the artist asks `rightsledger datasets {name}`: {found}")
            status = artist.datasets.item_status(dataset_id, digest)
            if not status.proven:
                proof = artist.datasets.prove(dataset_id, digest, tree=tree)
                print(f"    proves inclusion: at declaration the answer was {proof.reason.value}")
                if proof.violation:
                    artist.datasets.request_removal(dataset_id, digest, "demo: please remove this work")
                    trainer.datasets.acknowledge_removal(dataset_id, digest, "demo: removed from the next version")
                status = artist.datasets.item_status(dataset_id, digest)
            print(f"    {name} in dataset {dataset_id}: {status.describe()}")
    return dataset_id


ARRANGEMENT = b"Choral arrangement of 'Lullaby for the North Sea', for four voices (demo derivative)\n"
ADAPTATION = b"Screenplay adapted from 'Grandmother's Kitchen' (demo derivative, refused)\n"
ARRANGEMENT_TERMS = Terms(rules={Use.COMMERCIAL: Rule(mode=Mode.LICENCE, fee=5 * 10**16)})


def licensing_scene(client: RightsLedger, *, lullaby: ContentHash, kitchen: ContentHash) -> None:
    """An AI trainer is refused, buys a licence and is allowed; a derivative is refused and another
    registered, whose licence income is split with its parent; the artist withdraws. Re-runnable:
    what an earlier run did (a licence bought, the arrangement registered) is reported, not repeated."""
    artist = client.with_account(dev_account(1))
    trainer = client.with_account(dev_account(2))
    composer = client.with_account(dev_account(3))
    print("\nlicensing (dev account 2 trains AI models and broadcasts; dev account 3 is a composer)\n")

    before = trainer.check(lullaby, Use.AI_TRAINING, licensee=trainer.address)
    print(f"  trainer asks to train on the lullaby: {_answer(before.reason)}")
    held = [
        lic for lic in trainer.licensing.licences(licensee=trainer.address, item=lullaby) if lic.use is Use.AI_TRAINING
    ]
    if before.reason is Reason.LICENCE_REQUIRED:
        bought = trainer.licensing.buy(lullaby, Use.AI_TRAINING)
        receipt = client.w3.eth.get_transaction_receipt(bought.transaction)  # type: ignore[arg-type]
        print(
            f"  trainer buys an ai-training licence for {format_wei(bought.price)}: licence #{bought.licence_id}, "
            f"{'no end' if bought.valid_until is None else f'until {bought.valid_until:%Y-%m-%d}'} "
            f"({int(receipt['gasUsed']):,} gas)"
        )
    elif held:
        print(f"  (the trainer holds licence #{held[0].licence_id}, bought in an earlier run)")
    after = trainer.check(lullaby, Use.AI_TRAINING, licensee=trainer.address)
    print(f"  trainer asks again: {_answer(after.reason)}")

    try:
        composer.licensing.register_derivative(ADAPTATION, [kitchen])
        print("  the screenplay of Grandmother's Kitchen was registered (unexpected: its terms deny derivatives)")
    except ContractRevert as refused:
        reason = refused.args_by_name.get("reason")
        print(
            f"  composer registers a screenplay of Grandmother's Kitchen: refused ({refused.error}, "
            f"{Reason.from_code(int(reason)) if isinstance(reason, int) else reason})"
        )

    if composer.is_registered(ARRANGEMENT):
        arrangement = hash_bytes(ARRANGEMENT)
        print("  composer's choral arrangement of the lullaby: registered in an earlier run")
    else:
        done = composer.licensing.register_derivative(ARRANGEMENT, [lullaby], terms=ARRANGEMENT_TERMS)
        arrangement = done.content_hash
        print(
            f"  composer registers a choral arrangement derived from the lullaby: accepted "
            f"({done.registration.gas_used:,} gas); the lullaby takes "
            f"{done.parents[0].revenue_share_bps / 100:g}% of its licence income"
        )
    licensed = trainer.check(arrangement, Use.COMMERCIAL, licensee=trainer.address).allowed
    if not licensed:
        artist_before = artist.licensing.earnings().earned
        composer_before = composer.licensing.earnings().earned
        sale = trainer.licensing.buy(arrangement, Use.COMMERCIAL)
        to_artist = artist.licensing.earnings().earned - artist_before
        to_composer = composer.licensing.earnings().earned - composer_before
        print(
            f"  broadcaster buys a commercial licence of the arrangement for {format_wei(sale.price)}: "
            f"{format_wei(to_artist)} to the lullaby's holder, {format_wei(to_composer)} to the composer "
            f"(sum {format_wei(to_artist + to_composer)}, to the wei)"
        )
    else:
        print("  (the broadcaster holds a commercial licence of the arrangement from an earlier run)")

    earnings = artist.licensing.earnings()
    if earnings.withdrawable:
        amount = artist.licensing.withdraw()
        print(f"  artist withdraws {format_wei(amount)}; earned from licences so far: {format_wei(earnings.earned)}")
    else:
        print(f"  artist has nothing new to withdraw; earned from licences so far: {format_wei(earnings.earned)}")
    composer_earnings = composer.licensing.earnings()
    print(f"  composer may withdraw {format_wei(composer_earnings.withdrawable)}")


def _answer(reason: Reason) -> str:
    return f"{'yes' if reason.allows else 'no'} ({reason.value})"


def _show_provenance(client: RightsLedger, artist: RightsLedger, digest: ContentHash) -> None:
    """The lullaby's trail, AI-disclosure label and ODRL policy. Stages and the label are added
    once: a re-run finds them and only reads."""
    if not any(e.stage == Stage.CREATED.value for e in client.trail(digest)):
        notes = b"Lullaby for the North Sea: written 2024 by the artist; first sung in Den Helder."
        artist.record_stage(digest, Stage.CREATED, details_uri="demo:lullaby-creation-notes.txt", details=notes)
    if client.disclosure(digest) is None:
        artist.disclose(digest, Disclosure.create("ai-assisted-ideation", ["ideation"], "a brainstorming chatbot"))
    print("\nprovenance trail of Lullaby for the North Sea\n")
    print(render_trail(client.trail(digest)))
    label = client.disclosure(digest)
    if label is not None:
        print(f"\nAI disclosure: {label.to_text()}")
        print(f"  {label.describe()}")
        print(f"  IPTC digital source type: {label.iptc_digital_source_type}")
    print("\nits terms as an ODRL 2.2 policy (JSON-LD; `rightsledger export odrl FILE`)\n")
    print(json.dumps(odrl_policy(ExportRecord.read(client, digest, iscc=True)), indent=2))


def _cell(reason: Reason) -> str:
    """Allowed and buyable answers in a word; refusals as `no: <reason code>`."""
    if reason.allows or reason is Reason.LICENCE_REQUIRED:
        return SHORT_REASON[reason]
    return f"no: {reason.value}"


def cmd_demo(ctx: Context) -> int:
    return run_demo(home=ctx.home, port=ctx.args.port)


def add_parsers(sub: Any) -> None:
    demo = sub.add_parser("demo", help="start the local chain, deploy, register sample works, print the answers")
    demo.add_argument(
        "--port", type=port_arg, default=None, help="the local chain's port (default: where it last ran, else 8545)"
    )
    demo.set_defaults(func=cmd_demo)
