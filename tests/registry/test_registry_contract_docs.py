"""The contract's documents name every path and error code the client and simulator use."""

from __future__ import annotations

from pathlib import Path

from regdesk.registry import contract

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_openapi_and_the_guide_cover_the_contract() -> None:
    openapi = (DOCS / "registry-openapi.yaml").read_text(encoding="utf-8")
    guide = (DOCS / "registry-api.md").read_text(encoding="utf-8")
    assert openapi.startswith("openapi: 3.1")
    paths = [v for k, v in vars(contract).items() if k.isupper() and str(v).startswith("/v1/")]
    assert len(paths) >= 8
    for path in paths:
        assert f"{path}:" in openapi, path
        assert path in guide, path
    codes = [v for k, v in vars(contract).items() if k.startswith("E_")]
    for code in codes:
        assert code in openapi and code in guide, code
    for header in (contract.REQUEST_ID, contract.IDEMPOTENCY_KEY, contract.REPLAYED):
        assert header in openapi and header in guide, header
