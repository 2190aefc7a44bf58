"""Nothing outside the repository is read through a link; reads never block (checker/safeio.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker import engine, safeio

MANIFEST = b"schema_version: 1\n"


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    return repo


def test_a_manifest_below_a_folder_symlink_leading_outside_the_repository_is_not_read(tmp_path: Path) -> None:
    repo, outside = _repo(tmp_path), tmp_path / "outside"
    outside.mkdir()
    (outside / "ai-production.yaml").write_bytes(MANIFEST)
    (repo / "models").symlink_to(outside)
    got = engine.read_bytes(repo / "models" / "ai-production.yaml", engine.Options())
    assert isinstance(got, engine.LoadProblem) and "outside the repository" in got.message


def test_a_link_on_the_way_to_the_repository_is_the_operators(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "ai-production.yaml").write_bytes(MANIFEST)
    (tmp_path / "via").symlink_to(repo)
    assert engine.read_bytes(tmp_path / "via" / "ai-production.yaml", engine.Options()) == MANIFEST


def test_a_nested_repository_reached_through_a_link_does_not_vouch_for_itself(tmp_path: Path) -> None:
    repo, other = _repo(tmp_path), tmp_path / "other"
    (other / ".git").mkdir(parents=True)
    (other / "ai-production.yaml").write_bytes(MANIFEST)
    (repo / "vendor").symlink_to(other)
    assert safeio.repository_of(repo / "vendor" / "ai-production.yaml") == repo


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_by_the_descriptor_without_blocking(tmp_path: Path, monkeypatch) -> None:
    repo = _repo(tmp_path)
    fifo = repo / "ai-production.yaml"
    os.mkfifo(fifo)
    flags = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, f, *a: flags.append(f) or real_open(p, f, *a))
    got = engine.read_bytes(fifo, engine.Options())
    assert isinstance(got, engine.LoadProblem) and "not a regular file" in got.message
    assert flags and flags[0] & os.O_NONBLOCK
