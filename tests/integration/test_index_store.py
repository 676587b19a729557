"""The index's SQL layer itself: migrations (a pre-migration SQLite file is adopted with its rows),
the writers' lock on PostgreSQL, and bad targets as one clear error line."""

from __future__ import annotations

import sqlite3
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text

from rightsledger import RightsLedger, hash_bytes
from rightsledger.errors import ConfigError
from rightsledger.manifests import Item, write_manifest
from rightsledger.merkle import MerkleTree
from rightsledger.vocabulary import Use
from rightsledger.workflows import index_store
from rightsledger.workflows.identity_index import CodesIndex
from rightsledger.workflows.indexer import Indexer

from ..pg_support import PostgresServer, index_rows

# The schemas the index files had before they had migrations, verbatim.
LEGACY_EVENTS = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx TEXT NOT NULL, contract TEXT NOT NULL,
    name TEXT NOT NULL, content_hash TEXT, dataset_id INTEGER, args TEXT NOT NULL,
    PRIMARY KEY (block, log_index));
CREATE INDEX IF NOT EXISTS events_by_hash ON events (content_hash, block);
CREATE INDEX IF NOT EXISTS events_by_dataset ON events (dataset_id, block);
CREATE TABLE IF NOT EXISTS datasets (
    dataset_id INTEGER PRIMARY KEY, block INTEGER NOT NULL, declarer TEXT NOT NULL, root TEXT NOT NULL,
    use TEXT NOT NULL, item_count INTEGER NOT NULL, manifest_uri TEXT NOT NULL, manifest_status TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_items (
    dataset_id INTEGER NOT NULL, content_hash TEXT NOT NULL, block INTEGER NOT NULL,
    PRIMARY KEY (content_hash, dataset_id));
"""
LEGACY_CODES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codes (
    id INTEGER PRIMARY KEY, content_hash TEXT NOT NULL UNIQUE, header INTEGER NOT NULL,
    body TEXT NOT NULL, media TEXT NOT NULL, registration_id INTEGER NOT NULL, block INTEGER NOT NULL);
"""
TABLES = ("meta", "blocks", "events", "datasets", "dataset_items")


def _declare(client: RightsLedger, blobs: list[bytes], folder: Path, name: str) -> int:
    hashes = [hash_bytes(b) for b in blobs]
    tree = MerkleTree.of(hashes)
    manifest, _ = write_manifest([Item(None, h) for h in hashes], tree, Use.AI_TRAINING, folder, name)
    return client.datasets.declare(tree, Use.AI_TRAINING, manifest.resolve().as_uri()).dataset_id


def test_the_head_revision_is_the_migrations_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(index_store.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == index_store.HEAD


def test_a_pre_migration_sqlite_index_is_adopted_with_its_rows_and_resumes(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path
) -> None:
    first = _declare(bob, [b"old poem", b"old essay"], tmp_path, "old")
    fresh = tmp_path / "fresh.sqlite"
    index = Indexer(alice, fresh)
    index.sync()
    cursor = index.cursor
    index.close()
    # The file an earlier version wrote: the same rows, its own schema, no alembic_version.
    legacy = tmp_path / "legacy.sqlite"
    with sqlite3.connect(legacy) as raw:
        raw.executescript(LEGACY_EVENTS)
        raw.execute("ATTACH DATABASE ? AS fresh", (str(fresh),))
        for table in TABLES:
            raw.execute(f"INSERT INTO main.{table} SELECT * FROM fresh.{table}")
    assert index_rows(legacy, "SELECT name FROM sqlite_master WHERE name = 'alembic_version'") == []
    second = _declare(bob, [b"new poem"], tmp_path, "new")

    index = Indexer(alice, legacy)
    assert index.cursor == cursor  # adopted: nothing re-read
    assert index_rows(legacy, "SELECT version_num FROM alembic_version") == [(index_store.HEAD,)]
    assert index_rows(legacy, "SELECT name FROM sqlite_master WHERE name = 'dataset_items_by_block'") != []
    result = index.sync()
    assert result.from_block == cursor + 1 and result.events > 0
    assert [h.dataset_id for h in index.datasets_containing(hash_bytes(b"old poem"))] == [first]
    assert [h.dataset_id for h in index.datasets_containing(hash_bytes(b"new poem"))] == [second]
    index.close()
    index = Indexer(alice, legacy)  # at the head now: opened as it is
    assert index.counts()["datasets"] == 2
    index.close()


def test_a_pre_migration_codes_file_is_adopted_with_its_rows(alice: RightsLedger, tmp_path: Path) -> None:
    legacy = tmp_path / "codes-31337.sqlite"
    digest = hash_bytes(b"coded work")
    with sqlite3.connect(legacy) as raw:
        raw.executescript(LEGACY_CODES)
        raw.execute("INSERT INTO meta VALUES ('registry', ?), ('next_block', ?)", (alice.works.address, "7"))
        raw.execute("INSERT INTO codes (content_hash, header, body, media, registration_id, block) "
                    "VALUES (?, 1, '12345', 'image', 1, 5)", (digest,))
    with CodesIndex(alice, legacy) as codes:
        assert len(codes) == 1 and codes.next_block == 7
    assert index_rows(legacy, "SELECT version_num FROM alembic_version") == [(index_store.HEAD,)]
    assert index_rows(legacy, "SELECT content_hash, body FROM codes") == [(digest, "12345")]


def test_two_writers_of_one_postgresql_index_wait_for_each_other(
    alice: RightsLedger, bob: RightsLedger, tmp_path: Path, postgres: PostgresServer
) -> None:
    """Two followers of the same database, syncing block by block at once, write what one would."""
    for name in ("a", "b", "c"):
        _declare(bob, [name.encode(), b"shared"], tmp_path, name)
    reference = Indexer(alice, tmp_path / "reference.sqlite")
    reference.sync()
    url = postgres.database()
    writers = [Indexer(alice, url, range_size=1) for _ in range(2)]
    errors: list[BaseException] = []

    def run(index: Indexer) -> None:
        try:
            index.sync()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert writers[0].counts() == reference.counts()
    assert index_rows(url, "SELECT COUNT(*) FROM events") == [(reference.counts()["events"],)]
    hits = writers[1].datasets_containing(hash_bytes(b"shared"))
    assert [h.dataset_id for h in hits] == [h.dataset_id for h in reference.datasets_containing(hash_bytes(b"shared"))]
    reference.close()


def test_an_index_of_another_deployment_is_refused(
    alice: RightsLedger, postgres: PostgresServer, index_target: str | Path
) -> None:
    Indexer(alice, index_target).close()
    engine = index_store.open_engine(index_target)
    with engine.begin() as conn:
        index_store.set_meta(conn, "identity", '{"chainId": 1, "contracts": {}}')
    engine.dispose()
    with pytest.raises(ConfigError) as info:
        Indexer(alice, index_target)
    hint = "--index-url" if "://" in str(index_target) else "--db"
    assert "mirrors another chain or deployment" in str(info.value) and hint in str(info.value)


def test_bad_index_targets_are_one_clear_error(
    alice: RightsLedger, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli
) -> None:
    cases = {
        str(tmp_path): "is a folder",
        "mysql://user@127.0.0.1/db": "neither postgresql://",
        "postgresql://nobody:secret@127.0.0.1:1/none": "cannot open the index postgresql://nobody:***@127.0.0.1:1/none",
    }
    for target, message in cases.items():
        with pytest.raises(ConfigError) as info:
            Indexer(alice, target)
        assert message in str(info.value) and "\n" not in str(info.value) and "secret" not in str(info.value)
    code, _out, err = cli("--index-url", "postgresql://nobody:secret@127.0.0.1:1/none", "index")
    assert code == 1 and err.startswith("rightsledger: error: cannot open the index") and "Traceback" not in err
    assert "secret" not in err
    monkeypatch.setitem(sys.modules, "psycopg", None)  # the postgres extra is not installed
    with pytest.raises(ConfigError) as info:
        Indexer(alice, "postgresql://postgres@127.0.0.1:2/none")
    assert str(info.value) == index_store.POSTGRES_MISSING
    assert "pip install rightsledger[postgres]" in str(info.value)


def test_a_codes_index_of_another_chain_with_the_same_id_and_addresses_is_refused(
    alice: RightsLedger, index_target: str | Path
) -> None:
    """Every local anvil is chain 31337 with the same addresses: a second chain opening the first one's
    codes index (a shared --index-url) is refused, instead of answering with the other chain's works.
    A home chain rebuilt onto a new genesis (the record lists the old one) starts its codes over."""
    digest = hash_bytes(b"coded work of the first chain")
    with CodesIndex(alice, index_target) as codes:
        codes.sync()
    with index_store.open_engine(index_target).begin() as conn:
        conn.execute(text("INSERT INTO codes (content_hash, header, body, media, registration_id, block) "
                          "VALUES (:h, 1, '12345', 'image', 1, 5)"), {"h": digest})  # fmt: skip
    deployment = alice.deployment
    assert deployment.genesis is not None
    other = RightsLedger(alice.w3, replace(deployment, genesis="0x" + "11" * 32), alice.account)
    with pytest.raises(ConfigError, match="mirrors another chain"):
        CodesIndex(other, index_target)
    assert index_rows(index_target, "SELECT content_hash FROM codes") == [(digest,)]
    rebuilt = replace(deployment, genesis="0x" + "22" * 32, previous_genesis=(deployment.genesis,))
    with CodesIndex(RightsLedger(alice.w3, rebuilt, alice.account), index_target) as codes:
        assert len(codes) == 0 and codes.next_block == deployment.block
