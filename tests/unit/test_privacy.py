"""Pseudonymisation keys and where the salt comes from."""

from __future__ import annotations

from pathlib import Path

import pytest

from citizen_metrics import settings
from citizen_metrics.ingest import pseudonymise
from citizen_metrics.ingest.pseudonymise import (
    MissingSaltError,
    Pseudonymiser,
    SaltElsewhereError,
    load_salt,
    quarantine_value,
)
from citizen_metrics.settings import Settings


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
    monkeypatch.setattr(pseudonymise, "DEFAULT_SALT", tmp_path / "none" / "salt")
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


@pytest.mark.parametrize(("value", "shown"), [
    # What cannot be personal is shown as typed.
    ("150", "150"), ("-3", "-3"), ("34,5", "34,5"), ("٣٤", "٣٤"), ("?", "?"), ("F?", "F?"),
    ("050910199", "050910199"), ("05999", "05999"), ("ATL-EXP3-017", "ATL-EXP3-017"),
    ("maybe", "maybe"),  # a value of the column's closed list (here, by the test's list)
    # What could be is masked, saying what kind of value it was.
    ("0612345678", "[masqué : un numéro de téléphone, ou un long nombre]"),
    ("+212 6 12 34 56 78", "[masqué : un numéro de téléphone, ou un long nombre]"),
    ("612345678", "[masqué : un numéro de téléphone, ou un long nombre]"),  # 9 digits, not 05…
    ("Fatima Zahra Bennani", "[masqué : texte de 3 mots]"),
    ("AB123456", "[masqué : texte de 1 mot]"),  # an identity card number
    ("123456", "[masqué : 6 caractères]"),
    ("=HYPERLINK(\"http://evil.example\",\"click\")", "[masqué : texte de 1 mot]"),
    (None, None),
])
def test_quarantine_shows_only_values_that_cannot_be_personal(value, shown) -> None:
    assert quarantine_value(value, frozenset({"maybe"}), region_code="05") == shown


def test_salt_is_private_from_its_first_byte(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    import os

    monkeypatch.delenv("PIPELINE_SALT", raising=False)
    monkeypatch.delenv("PIPELINE_ENV", raising=False)
    monkeypatch.setenv("PIPELINE_SALT_FILE", str(tmp_path / "work" / "salt"))
    monkeypatch.setattr(pseudonymise, "DEFAULT_SALT", tmp_path / "none" / "salt")
    created: list[int] = []
    real_open = os.open

    def spying_open(path, flags, mode=0o777, *args, **kwargs):
        if str(path).endswith("salt") and flags & os.O_CREAT:
            created.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", spying_open)
    load_salt(Settings.from_env())
    assert created == [0o600]  # created with its final mode, never wider
    assert (tmp_path / "work").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "work" / "salt").stat().st_mode & 0o777 == 0o600


def test_warehouse_and_its_folder_are_private(tmp_path: Path) -> None:
    from citizen_metrics.build.warehouse import connect

    with connect(tmp_path / "work" / "warehouse.duckdb") as con:
        con.execute("create table t as select 1 as x")
    assert (tmp_path / "work").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "work" / "warehouse.duckdb").stat().st_mode & 0o777 == 0o600


def test_a_new_warehouse_is_private_from_its_first_byte(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Created 0600 by DuckDB itself (never created wider, then restricted)."""
    import os

    from citizen_metrics.build.warehouse import connect

    previous = os.umask(0o022)  # the usual mask: files 0644 unless told otherwise
    try:
        restricted: list[Path] = []
        monkeypatch.setattr(Path, "chmod", lambda path, mode: restricted.append(path))
        with connect(tmp_path / "work" / "warehouse.duckdb") as con:
            con.execute("create table t as select 1 as x")
        assert (tmp_path / "work" / "warehouse.duckdb").stat().st_mode & 0o777 == 0o600
        assert restricted == []
        assert os.umask(0o022) == 0o022  # the run's mask is given back after the creation
    finally:
        os.umask(previous)


def test_the_salt_follows_the_work_folder(monkeypatch: pytest.MonkeyPatch,
                                         tmp_path: Path) -> None:
    monkeypatch.delenv("PIPELINE_SALT_FILE", raising=False)
    monkeypatch.setenv("PIPELINE_WORK_DIR", str(tmp_path / "work"))
    assert Settings.from_env().salt_file == tmp_path / "work" / "pseudonymisation.salt"
    monkeypatch.setenv("PIPELINE_SALT_FILE", str(tmp_path / "secrets" / "salt"))
    assert Settings.from_env().salt_file == tmp_path / "secrets" / "salt"


def test_a_moved_work_folder_without_its_salt_is_refused(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """The old work folder still holds a salt, the new one has none: inventing one would
    change every pseudonymisation key, so the night stops and says what to copy where."""
    old = tmp_path / "old_work" / "pseudonymisation.salt"
    old.parent.mkdir()
    old.write_text("the-salt-of-every-earlier-night\n")
    monkeypatch.setattr(pseudonymise, "DEFAULT_SALT", old)
    monkeypatch.delenv("PIPELINE_SALT", raising=False)
    monkeypatch.delenv("PIPELINE_ENV", raising=False)
    monkeypatch.delenv("PIPELINE_SALT_FILE", raising=False)
    monkeypatch.setenv("PIPELINE_WORK_DIR", str(tmp_path / "new_work"))
    with pytest.raises(SaltElsewhereError, match="Copiez ce fichier"):
        load_salt(Settings.from_env())
    assert not (tmp_path / "new_work" / "pseudonymisation.salt").exists()
    # Once copied, the night goes on with the same salt.
    (tmp_path / "new_work").mkdir()
    (tmp_path / "new_work" / "pseudonymisation.salt").write_text(old.read_text())
    assert load_salt(Settings.from_env()) == b"the-salt-of-every-earlier-night"
