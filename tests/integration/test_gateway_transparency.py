"""The gateway serves the signals crawlers read for its publisher (robots.txt, TDMRep, ai.txt, RSL,
headers on each work) and the registry-wide observatory (JSON, and a page checked in Chromium)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx
from lxml import etree
from PIL import Image
from protego import Protego
from web3 import Web3

from rightsledger import Mode, RightsLedger, Rule, Terms, Use, hash_bytes
from rightsledger.merkle import MerkleTree

from ..gateway_support import funded_account, isolated_gateway
from .test_gateway_web_page import CHROMIUM, HERE, browser  # noqa: F401 - the fixture

SITE = "https://archive.example"
OPEN = Terms(rules={u: Rule(mode=Mode.ALLOW) for u in (Use.TDM, Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING)})
# RSL's `ai-train` covers both AI training uses: a fee shows only when both are licensable.
AI_USES = (Use.AI_TRAINING, Use.AI_GENERATIVE_TRAINING)
PAID = Terms(rules={u: Rule(mode=Mode.LICENCE, fee="0.01 ether") for u in AI_USES})


def test_the_gateway_serves_its_publishers_signals_and_headers_that_parsers_read(
    anvil_url: str, w3: Web3, tmp_path: Path
) -> None:
    holder = funded_account(w3)
    home = tmp_path / "home"
    with isolated_gateway(w3, anvil_url, home, signals_holder=holder.address) as gateway:
        archive = RightsLedger(w3, gateway.deployment, holder)
        open_work = hash_bytes(os.urandom(32))
        closed_work = hash_bytes(os.urandom(32))
        paid_work = hash_bytes(os.urandom(32))
        archive.register(open_work, terms=OPEN)
        archive.register(closed_work)
        archive.register(paid_work, terms=PAID)
        with httpx.Client(base_url=gateway.url, timeout=60) as http:
            robots = http.get("/robots.txt")
            assert robots.status_code == 200 and robots.headers["content-type"].startswith("text/plain")
            parser = Protego.parse(robots.text)
            assert parser.can_fetch(f"{SITE}/works/{open_work}", "GPTBot")
            assert not parser.can_fetch(f"{SITE}/works/{closed_work}", "GPTBot")
            assert parser.can_fetch(f"{SITE}/works/{closed_work}", "Mozilla")
            rules = {r["location"].rstrip("$"): r for r in http.get("/.well-known/tdmrep.json").json()}
            assert rules[f"/works/{open_work}"]["tdm-reservation"] == 0
            assert rules[f"/works/{closed_work}"]["tdm-reservation"] == 1
            assert "Disallow: /works/" + closed_work in http.get("/ai.txt").text
            rsl = http.get("/rsl.xml")
            assert rsl.status_code == 200
            document = etree.fromstring(rsl.content)
            amounts = [a.text for a in document.iter("{*}amount")]
            assert "0.01" in amounts  # the licence fee of the paid work, in ether
            work = http.get(f"/works/{closed_work}")
            assert work.status_code == 200 and work.headers["tdm-reservation"] == "1"
            assert "train-ai=n" in work.headers["content-usage"]
            assert http.get(f"/works/{open_work}").headers["tdm-reservation"] == "0"
            assert work.headers["link"] == f'<{gateway.url}/rsl.xml>; rel="license"; type="application/rsl+xml"'
            head = http.head(f"/works/{closed_work}")  # a crawler reads the signals without the body
            assert head.status_code == 200 and head.content == b""
            assert head.headers["tdm-reservation"] == "1" and head.headers["link"] == work.headers["link"]
            assert http.head(f"/works/{hash_bytes(os.urandom(32))}").status_code == 404


def test_a_gateway_without_a_publisher_says_how_to_configure_signals(gateway_url: str) -> None:
    answer = httpx.get(f"{gateway_url}/robots.txt", timeout=30)
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "signals-not-configured"


def test_the_observatory_counts_what_the_chain_holds_and_draws_it_in_the_browser(
    browser: None,  # noqa: F811 - the fixture imported above
    anvil_url: str,
    w3: Web3,
    tmp_path: Path,
) -> None:
    artist, trainer = funded_account(w3), funded_account(w3)
    with isolated_gateway(w3, anvil_url, tmp_path / "home") as gateway:
        holder = RightsLedger(w3, gateway.deployment, artist)
        buyer = RightsLedger(w3, gateway.deployment, trainer)
        works = [hash_bytes(os.urandom(32)) for _ in range(4)]
        holder.register_batch(works[:2], terms=PAID)
        holder.register(works[2], terms=OPEN)
        holder.register(works[3])
        buyer.licensing.buy(works[0], Use.AI_TRAINING)
        buyer.datasets.declare(MerkleTree.of(works), Use.AI_TRAINING)
        buyer.datasets.contribute(10**15)
        data = httpx.get(f"{gateway.url}/observatory.json", timeout=60).json()
        assert data["registrations"]["works"] == 4
        assert data["aiTraining"]["openToTraining"] == 3 and data["aiTraining"]["share"] == 0.75
        assert data["licences"]["count"] == 1 and data["licences"]["income"] == 10**16
        assert data["datasets"] == {"declared": 1, "items": 4, "byDay": data["datasets"]["byDay"]}
        assert data["removals"] == {"requested": 0, "acknowledged": 0} and data["violations"] == 0
        assert int(data["levy"]["collected"]) == 10**15 and int(data["levy"]["paid"]) == 0
        shot = tmp_path / "observatory.png"
        run = subprocess.run(
            ["node", str(HERE / "browser" / "observatory.mjs"), gateway.url, str(shot)],
            capture_output=True, text=True, timeout=120, env={**os.environ, "CHROMIUM": CHROMIUM},
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["problems"] == []
    assert seen["tiles"]["tile-works"] == "4" and seen["tiles"]["tile-licences"] == "1"
    assert seen["tiles"]["tile-income"] == "0.01 ETH" and seen["ring"] == "75%"
    assert seen["tiles"]["tile-levy"] == "0.001 ETH / 0 ETH"
    assert seen["bars"]["chart-registrations"] == len(data["registrations"]["byDay"]) >= 1
    assert all(h > 0 for h in seen["barHeights"]) and seen["visible"]
    # The screenshot shows the charts: the bars' colour is on the page, over a sizeable area.
    image = Image.open(shot).convert("RGB")
    bar_pixels = sum(count for count, colour in image.getcolors(1 << 24) if colour == (0x2F, 0x6F, 0x9F))
    assert image.width >= 1000 and bar_pixels > 2_000

