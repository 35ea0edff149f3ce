"""`make run`'s processes: the web server and one Celery worker with beat embedded.

Ctrl-C (SIGINT to the terminal's process group) or SIGTERM stops them all within
``STOP_GRACE`` seconds (default 8): each is asked to stop (SIGTERM), and whatever still runs
after the grace period is killed. A task cut short this way is not lost: tasks are
acknowledged late, so the broker hands it to the next worker, and every job is idempotent."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> int:
    host, port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    grace = float(os.environ.get("STOP_GRACE", "8"))
    var = Path(os.environ.get("VAR_DIR", ROOT / "var"))
    var.mkdir(parents=True, exist_ok=True)
    print(f"启动 Celery worker + beat,日志:{var / 'celery-worker.log'}", flush=True)  # noqa: T201
    children = [
        subprocess.Popen(  # noqa: S603
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "--beat",
                "--loglevel=INFO",
                "--concurrency=2",
                f"--logfile={var / 'celery-worker.log'}",
                "--pidfile=",
            ],
            cwd=ROOT,
        ),
        subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "runserver", "--noreload", f"{host}:{port}"], cwd=ROOT
        ),
    ]
    stopping = False

    def stop(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(c.poll() is None for c in children):
        time.sleep(0.2)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()  # a task it was running goes back to the broker (acks_late)
            child.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
