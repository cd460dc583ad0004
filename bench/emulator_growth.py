"""The emulator's own CPU per login, at the start and after 5,000 logins.

The emulator runs in its own process, as in every other section; distinct users log in over
HTTP, each as a site and a browser would make it work: the server API enrolls the user's number,
then track, the client API's SMS challenge, the outbox read for that number (the phone), the
client API's verify and the server API's validate. The CPU time of the emulator's process
(``/proc``) per login is measured over batches of logins at the start, then after 5,000 more.
"""

from __future__ import annotations

import itertools
import statistics
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests

from tests.load import harness

THREADS = 4


class Driver:
    def __init__(self, emulator: harness.Emulator) -> None:
        self.url = emulator.url
        self.base = emulator.base_url
        self.auth = (harness.EMULATOR_SECRET_KEY, "")
        self.local = threading.local()

    @property
    def http(self) -> requests.Session:
        session = getattr(self.local, "http", None)
        if session is None:
            session = self.local.http = requests.Session()
            session.trust_env = False
        return session

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        reply = self.http.request(method, url, timeout=30, **kwargs)
        reply.raise_for_status()
        return reply.json()

    def login(self, index: int) -> None:
        user_id, phone = f"growth{index}", f"+6422{index:07d}"
        body = {"verificationMethod": "SMS", "phoneNumber": phone}
        self.call("POST", f"{self.base}/users/{user_id}/authenticators", json=body, auth=self.auth)
        body = {"phoneNumber": phone, "username": user_id, "ipAddress": "127.0.0.1"}
        tracked = self.call(
            "POST", f"{self.base}/users/{user_id}/actions/signIn", json=body, auth=self.auth
        )
        bearer = {"Authorization": f"Bearer {tracked['token']}"}
        self.call("POST", f"{self.base}/client/challenge/sms", json={}, headers=bearer)
        messages = self.call("GET", f"{self.url}/_emulator/outbox", params={"to": phone})
        code = {"verificationCode": messages[-1]["code"]}
        verified = self.call("POST", f"{self.base}/client/verify/sms", json=code, headers=bearer)
        body = {"token": verified["accessToken"], "userId": user_id, "action": "signIn"}
        validated = self.call("POST", f"{self.base}/validate", json=body, auth=self.auth)
        if validated.get("isValid") is not True:
            raise RuntimeError(f"login {index} not valid: {validated}")


def measure(logins: int = 5000, batches: int = 3, batch: int = 150) -> dict[str, Any]:
    with harness.emulator() as emulator, ThreadPoolExecutor(THREADS) as pool:
        driver = Driver(emulator)
        pid = emulator.process.pid
        numbers = itertools.count()

        def run(count: int) -> float:
            """Emulator CPU ms per login over ``count`` logins."""
            before = harness.cpu_seconds(pid)
            list(pool.map(driver.login, [next(numbers) for _ in range(count)]))
            return (harness.cpu_seconds(pid) - before) / count * 1000

        run(THREADS * 5)  # connections, first requests
        start = [run(batch) for _ in range(batches)]
        run(logins)
        end = [run(batch) for _ in range(batches)]
    return {
        "logins": logins,
        "batches": batches,
        "batch": batch,
        "threads": THREADS,
        "start_ms": start,
        "after_ms": end,
        "ratio": statistics.median(end) / statistics.median(start),
    }
