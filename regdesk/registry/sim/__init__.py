"""The registry simulator: a real HTTP(S) server that speaks the contract, with injectable faults.

``regdesk registry-sim`` runs it in the foreground; the demo and the tests start it in a
background thread with ``start_simulator`` (or ``running_simulator``), which returns a
``SimulatorHandle`` with its URL, its token, the request log, and ways to inject faults.

The parts, one module each: ``faults`` (the fault model), ``app`` (the registry's behaviour),
``portal`` (the portal's applications), ``server`` (HTTP/1.1 over asyncio and h11, with TLS),
``handle`` (the background thread), ``request_log`` (what tests read and wait on) and ``replies``.
The registry client never imports this package (tests/test_layering.py).
"""

from __future__ import annotations

from regdesk.registry.population import CASES, sample_cases
from regdesk.registry.sim.app import VERSION, SimulatorApp
from regdesk.registry.sim.faults import GARBAGE_KINDS, Fault, FaultKind, Faults
from regdesk.registry.sim.handle import SimulatorHandle, running_simulator, start_simulator
from regdesk.registry.sim.request_log import LoggedRequest
from regdesk.registry.sim.server import server_tls

__all__ = [
    "CASES",
    "GARBAGE_KINDS",
    "VERSION",
    "Fault",
    "FaultKind",
    "Faults",
    "LoggedRequest",
    "SimulatorApp",
    "SimulatorHandle",
    "running_simulator",
    "sample_cases",
    "server_tls",
    "start_simulator",
]
