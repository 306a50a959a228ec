"""Start-up leaves the loaded models out of the garbage collector's full passes."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient


def test_objects_alive_after_startup_are_frozen(client: TestClient) -> None:
    # The models' long-lived objects (hundreds of thousands) sit in the permanent generation,
    # so a full collection during a request does not walk them.
    assert gc.get_freeze_count() > 100_000
    assert client.get("/healthz").status_code == 200
