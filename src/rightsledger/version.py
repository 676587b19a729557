"""The package version, in one place (read by the CLI, the gateway and audit receipts)."""

__version__ = "0.1.0"
