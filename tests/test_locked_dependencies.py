"""The lock (requirements/*.txt, made by `make lock`) and pyproject.toml agree, and the
environment the tests run in holds exactly the locked versions: what passed here is what
a new clone, CI and the Docker image install."""
from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from maatwerk.config import REPO_ROOT

LOCKS = REPO_ROOT / "requirements"
# put there by `python -m venv` and `make venv` themselves: the installer and the package
NOT_LOCKED = {"pip", "setuptools", "maatwerk"}  # setuptools: venv's own before Python 3.12


def declared() -> dict[str, list[Requirement]]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    runtime = [Requirement(r) for r in project["dependencies"]]
    dev = [Requirement(r) for r in project["optional-dependencies"]["dev"]]
    return {"runtime": runtime, "dev": runtime + dev}


def locked(path: Path) -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) of each pinned package in a lock file."""
    pins: dict[str, tuple[str, int]] = {}
    text = path.read_text()
    for entry in re.split(r"\n(?=\S)", text):
        first = entry.split("\\", 1)[0].split(";", 1)[0].strip()
        if not first or first.startswith("#"):
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s]+)", first)
        assert match, f"{path.name}: not an exact pin: {first!r}"
        pins[canonicalize_name(match.group(1))] = (match.group(2),
                                                   entry.count("--hash=sha256:"))
    return pins


@pytest.mark.parametrize("kind", ["runtime", "dev"])
def test_every_declared_dependency_is_locked_within_its_range(kind: str) -> None:
    pins = locked(LOCKS / f"{kind}.txt")
    for requirement in declared()[kind]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in requirements/{kind}.txt: run make lock"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"requirements/{kind}.txt has {name}=={version}, outside {requirement}: "
            "run make lock")
        assert hashes >= 1


@pytest.mark.parametrize("kind", ["runtime", "dev"])
def test_the_lock_names_versions_and_hashes_only(kind: str) -> None:
    text = (LOCKS / f"{kind}.txt").read_text()
    for line in text.splitlines():
        stripped = line.strip()
        assert not stripped.startswith(("-i", "--index-url", "--extra-index-url", "-f",
                                        "--find-links", "-e", "--editable")), line
        assert "file:" not in stripped and not stripped.startswith("/"), line
    assert all(hashes >= 1 for _, hashes in locked(LOCKS / f"{kind}.txt").values())


def test_the_image_runs_what_the_tests_ran() -> None:
    runtime, dev = locked(LOCKS / "runtime.txt"), locked(LOCKS / "dev.txt")
    different = {name: (pin[0], dev.get(name, ("missing",))[0])
                 for name, pin in runtime.items() if dev.get(name, ("",))[0] != pin[0]}
    assert not different, f"runtime.txt and dev.txt differ (runtime, dev): {different}"


def test_this_environment_holds_exactly_the_lock() -> None:
    """`pip freeze` equals the lock: nothing missing, no other version, nothing extra."""
    pins = {name: version for name, (version, _) in locked(LOCKS / "dev.txt").items()}
    installed = {canonicalize_name(d.metadata["Name"]): d.version
                 for d in metadata.distributions()}
    extra = set(installed) - set(pins) - NOT_LOCKED
    wrong = {name: (version, installed.get(name)) for name, version in pins.items()
             if installed.get(name) != version}
    assert not wrong, f"locked vs installed: {wrong}; run make venv (or make clean first)"
    assert not extra, f"installed but not locked: {sorted(extra)}; run make clean && make test"
