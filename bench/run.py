"""Benchmark runner: `make bench`, or `.venv/bin/python bench/run.py [name ...]` (names as in bench/bench_<name>.py).

Sets up a production server of its own on a fresh PostgreSQL database with the demo data, runs the benchmarks
against it, writes bench/results/<name>.json and prints a summary; the server stops and the database is dropped
at the end, also on failure or Ctrl+C. Some benchmarks make databases of their own beside it: million and ledger
(PostgreSQL), search (a SQLite file and a PostgreSQL database; `.venv/bin/python bench/bench_search.py` also runs alone, without
the server), nearest (the same; `.venv/bin/python bench/bench_nearest.py` runs alone too). See bench/README.md.
"""

import contextlib
import datetime
import importlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "results"
YINGJI = [sys.executable, "-m", "yingji.cli"]
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}


class BenchError(Exception):
    """A plain-words reason the run cannot go on."""


@dataclass
class Server:
    host: str
    port: int
    env: dict
    log_path: Path
    workers: int
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def pg_connect(dbname: str = "postgres"):
    import psycopg

    try:
        return psycopg.connect(dbname=dbname, connect_timeout=5, autocommit=True, **PG)
    except psycopg.OperationalError as exc:
        raise BenchError(
            f"PostgreSQL is not reachable at {PG['host']}:{PG['port']} as user {PG['user']} "
            f"(the benchmarks need it):\n  {str(exc).strip()}"
        ) from exc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_step(args: list[str], env: dict, what: str) -> None:
    started = time.monotonic()
    proc = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise BenchError(
            f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    print(f"  {what}: {time.monotonic() - started:.1f} s", flush=True)


def healthz_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return None


def start_server(env: dict, tmp: Path) -> tuple[subprocess.Popen, Server]:
    """`yingji prod` in a process group of its own, its output in tmp/server.log."""
    port = free_port()
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*YINGJI, "prod", str(port)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    workers = int(env.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
    return proc, Server("127.0.0.1", port, env, log_path, workers)


def wait_healthy(proc: subprocess.Popen, server: Server, timeout: float = 120) -> None:
    """Until /healthz answers 200: migrations, collectstatic, gunicorn and the first worker heartbeat."""
    deadline, status = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log = server.log_path.read_text(errors="replace")[-3000:]
            raise BenchError(f"`yingji prod` exited with {proc.returncode}:\n{log}")
        status = healthz_status(server.url)
        if status == 200:
            return
        time.sleep(0.5)
    log = server.log_path.read_text(errors="replace")[-3000:]
    raise BenchError(f"/healthz did not answer 200 within {timeout:g} s (last: {status}):\n{log}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def git(*args: str) -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    return ""


def machine_info(pg_version: str, server: Server) -> dict:
    import django
    import gunicorn

    cpu = ""
    with contextlib.suppress(OSError):
        cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M).group(1)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "postgresql": pg_version,
        "gunicorn_workers": server.workers,
    }


def discover(names: list[str]) -> list[str]:
    found = sorted(p.stem.removeprefix("bench_") for p in BENCH_DIR.glob("bench_*.py"))
    unknown = [n for n in names if n not in found]
    if unknown:
        raise BenchError(f"No such benchmark: {', '.join(unknown)} (there are: {', '.join(found)})")
    return names or found


def print_summary(name: str, result: dict) -> None:
    rows = result.get("rows", [])
    print(f"\n== {name} ==")
    for note in result.get("notes", []):
        print(f"  note: {note}")
    if not rows:
        return
    columns = list(rows[0])
    widths = [max(len(str(c)), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print("  " + "  ".join(str(c).rjust(w) for c, w in zip(columns, widths, strict=True)))
    for row in rows:
        print("  " + "  ".join(str(row.get(c, "")).rjust(w) for c, w in zip(columns, widths, strict=True)))


def server_problems(log_path: Path) -> list[str]:
    """Tracebacks and error lines the server wrote during the run."""
    with contextlib.suppress(OSError):
        text = log_path.read_text(errors="replace")
        return [
            line
            for line in text.splitlines()
            if re.search(r"Traceback|Error|\[CRITICAL\]|WORKER TIMEOUT", line)
        ]
    return []


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(BENCH_DIR))
    names = discover(argv)
    RESULTS.mkdir(exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    admin = pg_connect()
    pg_version = admin.execute("SHOW server_version").fetchone()[0]
    dbname = f"yingji_bench_{secrets.token_hex(4)}"
    tmp = Path(tempfile.mkdtemp(prefix="yingji-bench-"))
    proc, failed, keep_tmp = None, [], False
    try:
        admin.execute(f'CREATE DATABASE "{dbname}"')
        print(f"Database {dbname} on PostgreSQL {pg_version}; data directory {tmp}", flush=True)
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{dbname}",
            "YINGJI_DATA_DIR": str(tmp),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("ACCESS_LOG", None)
        run_step([*YINGJI, "migrate", "--noinput"], env, "yingji migrate")
        run_step([*YINGJI, "demo"], env, "yingji demo")
        started = time.monotonic()
        proc, server = start_server(env, tmp)
        wait_healthy(proc, server)
        print(
            f"  yingji prod: /healthz 200 after {time.monotonic() - started:.1f} s at {server.url}",
            flush=True,
        )
        machine = machine_info(pg_version, server)
        commit, dirty = git("rev-parse", "HEAD"), bool(git("status", "--porcelain"))

        for name in names:
            print(f"\nRunning {name} ...", flush=True)
            module = importlib.import_module(f"bench_{name}")
            started, before = time.monotonic(), [round(x, 2) for x in os.getloadavg()]
            try:
                result = module.run(server)
            except Exception:  # noqa: BLE001 - report and go on with the next benchmark
                failed.append(name)
                print(f"  {name} FAILED:\n{traceback.format_exc()}", flush=True)
                continue
            record = {
                "benchmark": name,
                "timestamp": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
                "git_commit": commit,
                "git_dirty": dirty,
                "machine": machine,
                "seconds": round(time.monotonic() - started, 1),
                "loadavg_before": before,
                "loadavg_after": [round(x, 2) for x in os.getloadavg()],
                **result,
            }
            (RESULTS / f"{name}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
            print_summary(name, result)
            print(f"  load average before {before}, after {record['loadavg_after']} (1, 5, 15 min)")
            print(f"  -> {(RESULTS / f'{name}.json').relative_to(ROOT)}", flush=True)

        problems = server_problems(server.log_path)
        if problems:
            print(f"\nThe server reported {len(problems)} error line(s); the first ones:")
            print("\n".join(f"  {line}" for line in problems[:20]))
            print(f"Full server output: {server.log_path} (kept)")
            keep_tmp = True
    except BenchError as exc:
        print(f"\n{exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted.", file=sys.stderr)
        return 130
    finally:
        if proc is not None:
            stop_server(proc)
        with contextlib.suppress(Exception):
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        admin.close()
        if not keep_tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except BenchError as exc:
        print(exc, file=sys.stderr)
        sys.exit(2)
