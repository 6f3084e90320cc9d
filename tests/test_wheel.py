"""The built wheel: it fails loudly without npm, and it ships the HTTP layer inside the package.

Each test builds from a copy of the repository's tracked files (``git ls-files``) (not ignored)
with pip and the hatchling of this virtual environment (no build isolation: no download).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "api" / "static" / "vendor"


def _copy_sources(target: Path, *, vendor: bool) -> Path:
    """The files of the repository git does not ignore (the build's input), with or without the web
    scripts an earlier build fetched into api/static/vendor/."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    if vendor:
        shutil.copytree(VENDOR, target / "api" / "static" / "vendor")
    return target


def _build(source: Path, out: Path, path: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    return subprocess.run(
        [*command, "--wheel-dir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": path},
        check=False,
    )


def test_a_build_without_npm_fails_and_says_why(tmp_path: Path) -> None:
    source = _copy_sources(tmp_path / "src", vendor=False)
    empty = tmp_path / "bin"
    empty.mkdir()
    assert shutil.which("npm", path=str(empty)) is None
    done = _build(source, tmp_path / "dist", str(empty))
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "npm is not on PATH" in said
    for package in ("@zazuko/yasgui", "cytoscape", "swagger-ui-dist"):
        assert package in said
    assert "Install Node.js with npm" in said
    assert not list((tmp_path / "dist").glob("*.whl"))  # no wheel with blank pages


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert (VENDOR / "swagger-ui-bundle.js").is_file(), "run scripts/setup (fetches web scripts)"
    tmp = tmp_path_factory.mktemp("wheel")
    source = _copy_sources(tmp / "src", vendor=True)
    done = _build(source, tmp / "dist", os.environ["PATH"])
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = (tmp / "dist").glob("supplychain_kg-*.whl")
    return built


def test_the_wheel_has_no_top_level_api_and_carries_the_web_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"supplychain_kg", f"{wheel.name.split('-py')[0]}.dist-info"}, tops
    for name in (
        "supplychain_kg/api/__init__.py",
        "supplychain_kg/api/docs_pages.py",
        "supplychain_kg/api/static/explorer/main.js",
        "supplychain_kg/api/static/vendor/yasgui.min.js",
        "supplychain_kg/api/static/vendor/cytoscape.min.js",
        "supplychain_kg/api/static/vendor/swagger-ui-bundle.js",
        "supplychain_kg/api/static/vendor/favicon-32x32.png",
        "supplychain_kg/api/static/vendor/swagger-ui.LICENSE",
        "supplychain_kg/graph/ontology.ttl",
    ):
        assert name in names, name
    assert not [name for name in names if "__pycache__" in name]


def test_the_installed_wheel_serves_from_inside_the_package(wheel: Path, tmp_path: Path) -> None:
    """Installed in a fresh virtual environment (its dependencies lent by this one): no
    top-level ``api`` in site-packages, and the CLI and the app come from the package."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", str(wheel)],
        check=True,
        timeout=300,
    )
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    assert not (site / "api").exists()
    assert (site / "supplychain_kg" / "api" / "__init__.py").is_file()
    # the dependencies (fastapi, pyoxigraph, ...) of this environment, not its own packages:
    # a path line in a .pth file does not run the .pth files of the folder it names
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    check = """
import importlib.util, sys
assert importlib.util.find_spec("api") is None, importlib.util.find_spec("api")
import supplychain_kg.api as api
from supplychain_kg.api.docs_pages import docs_assets_available
from supplychain_kg.api.editor import assets_available
from supplychain_kg.cli.serve import http_layer
assert api.__file__.startswith(sys.prefix), api.__file__
assert http_layer() is api
assert docs_assets_available() and assets_available()
print("ok")
"""
    done = subprocess.run(
        [str(python), "-c", check], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.stdout.strip() == "ok", done.stderr
    stats = subprocess.run(
        [str(venv / "bin" / "skg"), "--memory", "-q", "stats"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert stats.returncode == 0, stats.stderr
    assert "triples" in stats.stdout
