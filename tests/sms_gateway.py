"""An SMS gateway for tests that run a real worker in another process: every accepted message
is a JSON line in the file ``$SMS_GATEWAY_FILE``. Like a gateway that supports idempotency keys,
it delivers a key once (a retry under a key it has seen is acknowledged, not delivered again).
``$SMS_GATEWAY_HANG_AT=N`` makes it hang after recording the N-th delivery, before answering —
a lost acknowledgement, the moment a test kills the dispatcher (``$SMS_GATEWAY_HANG_SECONDS``:
for how long; by default for good)."""

import fcntl
import json
import os
import time
from pathlib import Path

from core.notifications import SmsBackend


def deliveries(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class FileGateway(SmsBackend):
    def send(self, *, phone: str, text: str, idempotency_key: str = "") -> None:
        path = Path(os.environ["SMS_GATEWAY_FILE"])
        with open(path, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            handle.seek(0)
            seen = [json.loads(line) for line in handle.read().splitlines() if line.strip()]
            if idempotency_key and any(d["key"] == idempotency_key for d in seen):
                return
            handle.write(json.dumps({"key": idempotency_key, "phone": phone, "text": text}) + "\n")
            handle.flush()
            count = len(seen) + 1
        if count == int(os.environ.get("SMS_GATEWAY_HANG_AT", "0") or 0):
            # the acknowledgement never comes (or, with $SMS_GATEWAY_HANG_SECONDS, comes late)
            time.sleep(float(os.environ.get("SMS_GATEWAY_HANG_SECONDS", "600")))
