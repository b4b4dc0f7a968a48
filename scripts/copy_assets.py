"""Copy the pinned front-end libraries from node_modules into src/yingji/static/vendor/.

Run after `npm ci` (Makefile target `assets`):

    python scripts/copy_assets.py

The app never loads anything from a CDN: every file a page needs is served from /static/. This script
is the only way files get into static/vendor/, which is generated (and gitignored): it is pruned of
anything the list below does not name, so running it twice gives the same tree.

`sourceMappingURL` comments are stripped from the copied .js/.css: the .map files are not copied, and
the manifest storage used in production (whitenoise) refuses to collect a file that refers to a
missing one.

Standard library only. Exits non-zero with a message when node_modules is missing, out of date with
package.json, or lacks a file.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "src" / "yingji" / "static" / "vendor"

# (file or glob under node_modules, destination folder under static/vendor, destination name or None
# to keep the file's own name). A glob must match at least one file.
FILES: list[tuple[str, str, str | None]] = [
    ("bootstrap/dist/css/bootstrap.min.css", "bootstrap", None),
    ("bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap", None),
    ("bootstrap/LICENSE", "bootstrap", "LICENSE.txt"),
    ("@popperjs/core/LICENSE.md", "bootstrap", "LICENSE-popper.txt"),  # Popper is inside the bundle
    ("htmx.org/dist/htmx.min.js", "htmx", None),
    ("htmx.org/LICENSE", "htmx", "LICENSE.txt"),
    ("leaflet/dist/leaflet.js", "leaflet", None),
    ("leaflet/dist/leaflet.css", "leaflet", None),
    ("leaflet/dist/images/*.png", "leaflet/images", None),  # leaflet.css refers to images/*.png
    ("leaflet/LICENSE", "leaflet", "LICENSE.txt"),
    ("echarts/dist/echarts.min.js", "echarts", None),
    ("echarts/LICENSE", "echarts", "LICENSE.txt"),
    ("echarts/NOTICE", "echarts", "NOTICE.txt"),
    ("zrender/LICENSE", "echarts", "LICENSE-zrender.txt"),  # zrender is inside echarts.min.js
    # drf-spectacular's SWAGGER_UI_DIST points at /static/vendor/swagger-ui.
    ("swagger-ui-dist/swagger-ui.css", "swagger-ui", None),
    ("swagger-ui-dist/swagger-ui-bundle.js", "swagger-ui", None),
    ("swagger-ui-dist/swagger-ui-standalone-preset.js", "swagger-ui", None),
    ("swagger-ui-dist/favicon-32x32.png", "swagger-ui", None),
    ("swagger-ui-dist/LICENSE", "swagger-ui", "LICENSE.txt"),
    ("swagger-ui-dist/NOTICE", "swagger-ui", "NOTICE.txt"),
    ("swagger-ui-dist/swagger-ui-bundle.js.LICENSE.txt", "swagger-ui", None),
    ("swagger-ui-dist/swagger-ui-standalone-preset.js.LICENSE.txt", "swagger-ui", None),
]

# `//# sourceMappingURL=...` (or the old `//@` form) on a line of its own, and `/*# sourceMappingURL=... */`.
_LINE_COMMENT = re.compile(rb"^[ \t]*//[#@][ \t]*sourceMappingURL=[^\r\n]*(?:\r?\n)?", re.MULTILINE)
_BLOCK_COMMENT = re.compile(rb"[ \t]*/\*[#@][ \t]*sourceMappingURL=[^*]*\*/[ \t]*(?:\r?\n)?")


class AssetError(Exception):
    pass


def strip_source_maps(data: bytes) -> bytes:
    data = _LINE_COMMENT.sub(b"", data)
    return _BLOCK_COMMENT.sub(b"", data)


def check_versions() -> None:
    """Fail when node_modules holds other versions than package.json pins (forgotten `npm ci`)."""
    wanted = json.loads((ROOT / "package.json").read_text(encoding="utf-8")).get("dependencies", {})
    stale = []
    for name, version in sorted(wanted.items()):
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.is_file():
            stale.append(f"  {name}: not installed (package.json pins {version})")
            continue
        installed = json.loads(manifest.read_text(encoding="utf-8")).get("version")
        if installed != version:
            stale.append(f"  {name}: {installed} installed, package.json pins {version}")
    if stale:
        raise AssetError("node_modules does not match package.json:\n" + "\n".join(stale) + "\nRun `npm ci`.")


def planned_copies() -> dict[Path, Path]:
    """Destination -> source for every file in FILES; raises AssetError naming every missing file."""
    plan: dict[Path, Path] = {}
    missing = []
    for pattern, folder, name in FILES:
        sources = sorted(NODE_MODULES.glob(pattern)) if "*" in pattern else [NODE_MODULES / pattern]
        sources = [s for s in sources if s.is_file()]
        if not sources:
            missing.append(f"  node_modules/{pattern}")
            continue
        for source in sources:
            plan[VENDOR / folder / (name or source.name)] = source
    if missing:
        raise AssetError(
            "these files are not in node_modules (was a library upgraded and its layout changed?):\n"
            + "\n".join(missing)
        )
    return plan


def copy(plan: dict[Path, Path]) -> tuple[int, int]:
    written = unchanged = 0
    for dest, source in sorted(plan.items()):
        data = source.read_bytes()
        if dest.suffix in (".js", ".css"):
            data = strip_source_maps(data)
        if dest.is_file() and dest.read_bytes() == data:
            unchanged += 1
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(dest)
        written += 1
    return written, unchanged


def prune(keep: set[Path]) -> int:
    """Remove from static/vendor/ whatever FILES does not name (the folder is generated)."""
    removed = 0
    for path in sorted(VENDOR.rglob("*"), reverse=True):  # children before their folders
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path not in keep:
            path.unlink()
            removed += 1
    return removed


def main() -> int:
    if not (NODE_MODULES.is_dir() and (ROOT / "package.json").is_file()):
        print(
            f"copy_assets: {NODE_MODULES} is missing. Run `npm ci` in {ROOT} first (make assets does both).",
            file=sys.stderr,
        )
        return 1
    try:
        check_versions()
        plan = planned_copies()
    except AssetError as exc:
        print(f"copy_assets: {exc}", file=sys.stderr)
        return 1
    if VENDOR.exists() and not VENDOR.is_dir():
        print(f"copy_assets: {VENDOR} exists and is not a folder.", file=sys.stderr)
        return 1
    VENDOR.mkdir(parents=True, exist_ok=True)
    written, unchanged = copy(plan)
    removed = prune(set(plan))
    print(
        f"copy_assets: {len(plan)} files in {VENDOR.relative_to(ROOT)} "
        f"({written} written, {unchanged} unchanged, {removed} stale removed)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
