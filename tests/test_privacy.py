"""Pseudonymisation keys and where the salt comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import settings
from pipeline.privacy import MissingSaltError, Pseudonymiser, load_salt
from pipeline.settings import Settings


def test_keys_are_stable_per_salt_and_purpose() -> None:
    one, other = Pseudonymiser(b"s1"), Pseudonymiser(b"s2")
    assert one.key("participant", "fatima|612345678") == one.key(
        "participant", "fatima|612345678")
    assert one.key("participant", "x") != other.key("participant", "x")
    assert one.key("participant", "x") != one.key("submission", "x")
    assert one.key("participant", "") is None and one.key("participant", None) is None
    assert "fatima" not in one.key("participant", "fatima|612345678")


def test_salt_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPELINE_SALT", "from-env")
    assert load_salt(Settings.from_env()) == b"from-env"


def test_local_salt_is_generated_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PIPELINE_SALT", raising=False)
    monkeypatch.delenv("PIPELINE_ENV", raising=False)
    monkeypatch.setenv("PIPELINE_SALT_FILE", str(tmp_path / "salt"))
    first = load_salt(Settings.from_env())
    assert len(first) == 64 and load_salt(Settings.from_env()) == first
    assert (tmp_path / "salt").stat().st_mode & 0o077 == 0


def test_production_refuses_a_missing_salt(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PIPELINE_SALT", raising=False)
    monkeypatch.setenv("PIPELINE_ENV", "production")
    monkeypatch.setenv("PIPELINE_SALT_FILE", str(tmp_path / "missing"))
    with pytest.raises(MissingSaltError):
        load_salt(Settings.from_env())
    assert not (tmp_path / "missing").exists()


def test_default_salt_file_is_git_ignored() -> None:
    ignored = (settings.REPO_ROOT / ".gitignore").read_text()
    assert settings.DEFAULT_SALT_FILE.startswith("data/work/") and "data/work/" in ignored
