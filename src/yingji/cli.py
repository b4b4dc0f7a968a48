"""The `yingji` command.

yingji serve      web server and task worker together (development / demo)
yingji prod       production server (gunicorn) and worker, as deployed; used by the benchmarks
yingji worker     the task worker alone
yingji demo       load the demo city (idempotent)
yingji check      what is wrong with this deployment, in plain words
yingji <other>    any Django management command (migrate, createsuperuser, ...)
"""

import contextlib
import os
import signal
import subprocess
import sys


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
    import django

    django.setup()


def _port(args: list[str]) -> str:
    return args[0] if args else os.environ.get("PORT", "8000")


def _run_together(web: list[str], env: dict | None = None) -> int:
    """Run the web server and a worker; stop both when either stops or on Ctrl+C."""
    env = {**os.environ, **(env or {})}
    # A SIGTERM (systemd, timeout, kill) must also stop the children: turn it into SystemExit so `finally` runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    worker = subprocess.Popen([sys.executable, "-m", "yingji.cli", "worker"], env=env)
    server = subprocess.Popen(web, env=env)
    try:
        while True:
            for proc in (server, worker):
                code = proc.poll()
                if code is not None:
                    return code
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(timeout=1)
    except KeyboardInterrupt:
        return 0
    finally:
        for proc in (server, worker):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in (server, worker):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def serve(args: list[str]) -> int:
    port = _port(args)
    host = os.environ.get("HOST", "127.0.0.1")
    print(f"Yingji at http://{host}:{port}/ (web server and task worker; Ctrl+C stops both)", flush=True)
    web = [
        sys.executable,
        "-m",
        "django",
        "runserver",
        f"{host}:{port}",
        "--noreload",
        "--settings=yingji.settings",
    ]
    return _run_together(web)


def prod(args: list[str]) -> int:
    """Production mode on this machine: static files collected, migrations applied, gunicorn + worker."""
    port = _port(args)
    host = os.environ.get("HOST", "127.0.0.1")
    env = {"YINGJI_PRODUCTION": "true", "DEBUG": "false"}
    os.environ.update(env)
    _django()
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    call_command("migrate", "--noinput", verbosity=0)
    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    web = [
        sys.executable,
        "-m",
        "gunicorn",
        "yingji.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        workers,
        "--access-logfile",
        "-" if os.environ.get("ACCESS_LOG") else "/dev/null",
    ]
    print(
        f"Yingji (production mode) at http://{host}:{port}/ with {workers} web workers and a task worker",
        flush=True,
    )
    return _run_together(web, env)


def worker(args: list[str]) -> int:
    _django()
    from yingji.core import worker as task_worker

    task_worker.run(batch="--batch" in args)
    return 0


def manage(args: list[str]) -> int:
    _django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["yingji", *args])
    return 0


COMMANDS = {"serve": serve, "prod": prod, "worker": worker}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    if command in COMMANDS:
        return COMMANDS[command](rest)
    if command == "check":
        return manage(["check", "--deploy", *rest])
    return manage(argv)


if __name__ == "__main__":
    sys.exit(main())
