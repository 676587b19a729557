"""A near match that chance alone could explain at the registry's size is not decisive
(identity.chance): `check` and `audit` name it as a possible near copy but answer the item as
unregistered (never cleared, never allowed by the other work's terms), `find` marks it, and a
registration is not refused for it. A registry of ten million works is emulated with the
operator's limit ($RIGHTSLEDGER_CHANCE_LIMIT): at 1e-20 expected chance matches, no match of a
64-bit code decides among the session's works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from rightsledger.hashing import hash_file
from rightsledger.identity.chance import LIMIT_VARIABLE

from .test_cli_identity import resized_copy


@pytest.fixture
def strict(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(LIMIT_VARIABLE, "1e-20")


def test_check_names_a_possible_near_copy_but_answers_it_as_unregistered(cli, tmp_path: Path, strict) -> None:
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--allow", "tdm")[0] == 0
    digest = hash_file(work)
    code, out, err = cli("check", str(copy), "--use", "tdm", "--json")
    assert code == 3, err  # not allowed: the work's allowance is as unproven as a denial would be
    (answer,) = json.loads(out)
    assert answer["allowed"] is False and answer["possibleNearCopyOf"] == digest and "nearCopyOf" not in answer
    assert answer["reason"].startswith(f"unregistered (possible near copy of {digest}, distance {answer['distance']}: "
                                       "not decisive, about ")
    assert answer["chance"] > 1e-20
    code, out, _ = cli("find", str(copy), "--json")
    (match,) = [m for m in json.loads(out)[0]["matches"] if m["contentHash"] == digest]
    assert match["decisive"] is False and match["chance"] > 0
    code, out, _ = cli("find", str(copy))
    assert "not decisive" in out


def test_audit_never_clears_a_possible_near_copy(cli, tmp_path: Path, strict) -> None:
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work), "--allow", "ai-training")[0] == 0
    report = tmp_path / "audit.jsonl"
    code, out, err = cli("audit", str(copy.parent), "--use", "ai-training", "--out", str(report),
                         "--include-unregistered-as-cleared", "--quiet", "--json")
    assert code == 3, err
    summary = json.loads(out)["summary"]
    assert summary["cleared"] == 0 and summary["unregistered"] == 1
    head, row = (json.loads(line) for line in report.read_text().splitlines()[:2])
    assert head["receipt"]["chanceLimit"] == 1e-20
    assert row["answer"] == "unregistered" and row["possibleNearCopyOf"] == hash_file(work)
    assert row["reason"].startswith("unregistered (possible near copy of ")


def test_a_registration_is_not_refused_for_a_match_chance_could_explain(cli, tmp_path: Path, strict) -> None:
    work, copy = resized_copy(tmp_path)
    assert cli("--dev-account", "1", "register", str(work))[0] == 0
    code, out, err = cli("--dev-account", "2", "register", str(copy))
    assert code == 0 and hash_file(copy) in out, err
    assert f"warning: {copy} is a possible near copy of {hash_file(work)} (distance " in err
    assert "not decisive at this registry's size" in err and "Traceback" not in err


def test_a_bad_limit_is_one_clear_error(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "w.png"
    Image.new("RGB", (64, 64), (200, 10, 10)).save(work)
    monkeypatch.setenv(LIMIT_VARIABLE, "sometimes")
    code, _, err = cli("find", str(work))
    assert code != 0 and f"{LIMIT_VARIABLE}='sometimes'" in err and "Traceback" not in err
