"""Fixtures of the kernel's tests: the fault tests' servers (tests/reform_portal/fault_servers.py)."""

from .fault_servers import fault_servers, faults  # noqa: F401 - fixtures, started only by tests that ask
