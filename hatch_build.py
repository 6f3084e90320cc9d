"""Build hook: fetch the web pages' third-party scripts and styles from the npm registry.

- YASGUI (the SPARQL query editor on ``GET /sparql``);
- Cytoscape.js (the network view of the explorer on ``GET /``);
- Swagger UI (the API documentation on ``GET /docs``, with its favicons).

They are not committed: at build time (``pip install .``, ``pip install -e .``, ``python -m
build``) ``npm pack`` downloads each pinned package and its built files (with its licence) are
copied into ``api/static/vendor/``, which the wheel includes. Without npm, or when the registry
cannot be reached, the build fails and says what is missing and how to get it: a package
whose pages come up blank is never built.

The wheel puts the HTTP layer inside the package (``api/`` -> ``supplychain_kg/api``, see
``pyproject.toml``): nothing named ``api`` lands at the top of site-packages.
Run ``python hatch_build.py`` to fetch the files into a source checkout by hand.
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
    NpmAsset(
        "swagger-ui-dist@5.32.0",
        files={
            "package/swagger-ui-bundle.js": "swagger-ui-bundle.js",
            "package/swagger-ui.css": "swagger-ui.css",
            "package/favicon-32x32.png": "favicon-32x32.png",
            "package/favicon-16x16.png": "favicon-16x16.png",
        },
        notices={
            "package/LICENSE": "swagger-ui.LICENSE",
            "package/NOTICE": "swagger-ui.NOTICE",
            "package/package.json": "swagger-ui.package.json",
        },
        without="the API documentation on /docs is blank",
    ),
)


class AssetsMissingError(RuntimeError):
    """The web pages' scripts could not be fetched: the build stops."""


def _npm_pack(npm: str, asset: NpmAsset, folder: str) -> Path:
    try:
        out = subprocess.run(
            [npm, "pack", asset.package, "--silent", "--pack-destination", folder],
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.CalledProcessError as exc:
        said = (exc.stderr or "").strip().splitlines()[-3:]
        raise AssetsMissingError(
            f"`npm pack {asset.package}` failed (exit {exc.returncode}): {' / '.join(said)}"
        ) from None
    except (OSError, subprocess.SubprocessError) as exc:
        raise AssetsMissingError(f"`npm pack {asset.package}` failed: {exc}") from None
    return Path(folder) / out.stdout.strip().splitlines()[-1]


def fetch_asset(asset: NpmAsset, target: Path) -> None:
    """Put one package's built files into ``target`` (a no-op when they are there).

    Raises :class:`AssetsMissingError` when npm is missing or the package cannot be fetched.
    """
    if asset.present(target):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise AssetsMissingError(f"npm is not on PATH, so {asset.package} cannot be fetched")
    with tempfile.TemporaryDirectory() as tmp:
        tarball = _npm_pack(npm, asset, tmp)
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for member_name, name in asset.files.items():
                try:
                    member = archive.extractfile(member_name)
                except KeyError:
                    member = None
                if member is None:
                    raise AssetsMissingError(f"{asset.package} has no {member_name}")
                (target / name).write_bytes(member.read())
            for member_name, name in asset.notices.items():
                try:
                    member = archive.extractfile(member_name)
                except KeyError:
                    continue
                if member is not None:
                    (target / name).write_bytes(member.read())


def fetch_assets(target: Path) -> None:
    """Fetch every package's files into ``target``; one error naming all that are missing."""
    problems = []
    for asset in ASSETS:
        try:
            fetch_asset(asset, target)
        except AssetsMissingError as exc:
            problems.append(f"  - {exc} ({asset.without})")
    if problems:
        raise AssetsMissingError(
            "cannot build supplychain-kg: the web pages' scripts could not be fetched from the "
            "npm registry:\n"
            + "\n".join(problems)
            + "\nInstall Node.js with npm (Debian: apt-get install nodejs npm; elsewhere: "
            "https://nodejs.org/), make sure the npm registry can be reached, and build again. "
            f"The files go to {target}."
        )


class EditorAssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        target = Path(self.root) / "api" / "static" / "vendor"
        fetch_assets(target)
        # (``api/``, vendor folder included, is mapped to ``supplychain_kg/api`` by the
        # force-include table of pyproject.toml, which takes git-ignored files too)


def main() -> int:
    try:
        fetch_assets(Path(__file__).parent / "api" / "static" / "vendor")
    except AssetsMissingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
