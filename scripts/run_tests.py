"""The whole test suite: lint, types of the rules package, migrations check, pytest on SQLite and on PostgreSQL.

On a developer's machine a missing PostgreSQL server or Chromium is reported as SKIPPED
at the end; under CI (CI=true) a missing service fails the run.
"""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")

results: list[tuple[str, str]] = []


def step(name: str, cmd: list[str], env: dict | None = None) -> bool:
    print(f"\n=== {name}: {' '.join(cmd)}", flush=True)
    code = subprocess.call(cmd, cwd=ROOT, env={**os.environ, **(env or {})})
    results.append((name, "passed" if code == 0 else f"FAILED (exit {code})"))
    return code == 0


def skip(name: str, reason: str) -> None:
    results.append((name, f"{'FAILED' if CI else 'SKIPPED'}: {reason}"))


def postgres_reachable() -> str | None:
    try:
        import psycopg

        with psycopg.connect(PG_URL.replace("postgres://", "postgresql://", 1), connect_timeout=3):
            return None
    except Exception as exc:  # noqa: BLE001
        return f"no PostgreSQL at {PG_URL} ({type(exc).__name__})"


def main() -> int:
    step("ruff", [str(BIN / "ruff"), "check", "."])
    step("mypy (rules)", [str(BIN / "mypy")])
    step(
        "migrations",
        [str(BIN / "yingji"), "makemigrations", "--check", "--dry-run"],
        {"YINGJI_DATA_DIR": "/tmp/yingji-migrations-check"},
    )

    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    pytest = [str(BIN / "python"), "-m", "pytest", "-q", "-rs"]
    sqlite_env = {"DATABASE_URL": ""}
    if not browser:
        skip("browser tests", "Chromium is not installed (apt install chromium)")
        if not CI:
            sqlite_env["YINGJI_SKIP_E2E"] = "1"
    step("pytest on SQLite", pytest, sqlite_env)

    reason = postgres_reachable()
    if reason:
        skip("pytest on PostgreSQL", reason)
    else:
        name = f"yingji_{uuid.uuid4().hex[:8]}"  # pytest-django creates and drops test_<name>
        base = PG_URL.rsplit("/", 1)[0]
        step("pytest on PostgreSQL", [*pytest, "-m", "not e2e"], {"DATABASE_URL": f"{base}/{name}"})

    print("\n=== summary")
    for name, outcome in results:
        print(f"  {name:<22} {outcome}")
    failed = [r for r in results if not r[1].startswith(("passed", "SKIPPED"))]
    if any(r[1].startswith("SKIPPED") for r in results):
        print("  Some parts were skipped for want of a service; CI (CI=true) would fail on them.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
