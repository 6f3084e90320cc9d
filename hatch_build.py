"""Build hook: fetch the query editor's scripts and styles (YASGUI) from the npm registry.

They are not committed: at build time (``pip install .``, ``pip install -e .``, ``python -m
build``) ``npm pack`` downloads the pinned package and its two built files are copied into
``api/static/vendor/``, which the wheel includes. Without npm (or offline) the build still
succeeds with a warning, and the app serves a plain textarea editor instead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a plain script: `python hatch_build.py`
    BuildHookInterface = object  # type: ignore[misc,assignment]

PACKAGE = "@zazuko/yasgui@4.6.2"
FILES = ("yasgui.min.js", "yasgui.min.css")
LICENSE_FILES = ("package/LICENSE", "package/package.json")


def fetch_editor_assets(target: Path) -> bool:
    """Put YASGUI's built files into ``target``; return False (with a warning) if impossible."""
    if all((target / name).is_file() for name in FILES):
        return True
    npm = shutil.which("npm")
    if npm is None:
        print(f"warning: npm not found; {PACKAGE} not fetched (textarea editor)", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory() as tmp:
        try:
            out = subprocess.run(
                [npm, "pack", PACKAGE, "--silent", "--pack-destination", tmp],
                check=True,
                capture_output=True,
                text=True,
                timeout=300,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"warning: npm pack {PACKAGE} failed ({exc}); textarea editor", file=sys.stderr)
            return False
        tarball = Path(tmp) / out.stdout.strip().splitlines()[-1]
        target.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as archive:
            for name in FILES:
                member = archive.extractfile(f"package/build/{name}")
                if member is None:
                    return False
                (target / name).write_bytes(member.read())
            for name in LICENSE_FILES:
                try:
                    member = archive.extractfile(name)
                except KeyError:
                    continue
                if member is not None:
                    (target / Path(name).name).write_bytes(member.read())
    return True


class EditorAssetsHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        target = Path(self.root) / "api" / "static" / "vendor"
        if fetch_editor_assets(target) and version != "editable":
            for path in target.iterdir():
                build_data["force_include"][str(path)] = f"api/static/vendor/{path.name}"


if __name__ == "__main__":
    sys.exit(0 if fetch_editor_assets(Path(__file__).parent / "api" / "static" / "vendor") else 1)
