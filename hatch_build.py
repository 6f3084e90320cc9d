"""Build hook: fetch the web pages' third-party scripts and styles from the npm registry.

- YASGUI (the SPARQL query editor on ``GET /sparql``);
- Cytoscape.js (the network view of the explorer on ``GET /``).

They are not committed: at build time (``pip install .``, ``pip install -e .``, ``python -m
build``) ``npm pack`` downloads each pinned package and its built files (with its licence) are
copied into ``api/static/vendor/``, which the wheel includes. Without npm (or offline) the build
still succeeds with a warning: the editor falls back to a plain textarea, and the explorer
lists search results, evidence and paths without drawing the network.
Run ``python hatch_build.py`` to fetch them into a source checkout by hand.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a plain script: `python hatch_build.py`
    BuildHookInterface = object  # type: ignore[misc,assignment]


class NpmAsset(NamedTuple):
    """A pinned npm package and the files taken from its tarball (member -> vendor name).

    (A NamedTuple, not a dataclass: hatchling loads this file without registering it as a
    module, which dataclasses need.)
    """

    package: str
    files: dict[str, str]
    notices: dict[str, str]
    without: str

    def present(self, target: Path) -> bool:
        return all((target / name).is_file() for name in self.files.values())


ASSETS = (
    NpmAsset(
        "@zazuko/yasgui@4.6.2",
        files={
            "package/build/yasgui.min.js": "yasgui.min.js",
            "package/build/yasgui.min.css": "yasgui.min.css",
        },
        notices={"package/LICENSE": "LICENSE", "package/package.json": "package.json"},
        without="the SPARQL editor falls back to a textarea",
    ),
    NpmAsset(
        "cytoscape@3.34.4",
        files={"package/dist/cytoscape.min.js": "cytoscape.min.js"},
        notices={
            "package/LICENSE": "cytoscape.LICENSE",
            "package/package.json": "cytoscape.package.json",
        },
        without="the explorer cannot draw the network",
    ),
)


def _npm_pack(npm: str, asset: NpmAsset, folder: str) -> Path | None:
    try:
        out = subprocess.run(
            [npm, "pack", asset.package, "--silent", "--pack-destination", folder],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"warning: npm pack {asset.package} failed ({exc}); {asset.without}", file=sys.stderr)
        return None
    return Path(folder) / out.stdout.strip().splitlines()[-1]


def fetch_asset(asset: NpmAsset, target: Path) -> bool:
    """Put one package's built files into ``target``; False (with a warning) if impossible."""
    if asset.present(target):
        return True
    npm = shutil.which("npm")
    if npm is None:
        print(
            f"warning: npm not found; {asset.package} not fetched ({asset.without})",
            file=sys.stderr,
        )
        return False
    with tempfile.TemporaryDirectory() as tmp:
        tarball = _npm_pack(npm, asset, tmp)
        if tarball is None:
            return False
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for member_name, name in asset.files.items():
                member = archive.extractfile(member_name)
                if member is None:
                    return False
                (target / name).write_bytes(member.read())
            for member_name, name in asset.notices.items():
                try:
                    member = archive.extractfile(member_name)
                except KeyError:
                    continue
                if member is not None:
                    (target / name).write_bytes(member.read())
    return True


def fetch_assets(target: Path) -> bool:
    """Fetch every package's files into ``target``; True when all are there."""
    results = [fetch_asset(asset, target) for asset in ASSETS]
    return all(results)


class EditorAssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        target = Path(self.root) / "api" / "static" / "vendor"
        fetch_assets(target)
        if version != "editable" and target.is_dir():
            for path in target.iterdir():
                build_data["force_include"][str(path)] = f"api/static/vendor/{path.name}"


if __name__ == "__main__":
    sys.exit(0 if fetch_assets(Path(__file__).parent / "api" / "static" / "vendor") else 1)
