"""One root exception, with a branch per kind of failure. Every message says what to do next."""

from __future__ import annotations

from typing import Any


class RightsLedgerError(Exception):
    """Root of every error the SDK raises on purpose."""


class ConfigError(RightsLedgerError):
    """The SDK is not set up to do this: no deployment, no key, a missing tool."""


class ChainError(RightsLedgerError):
    """The node could not be reached or answered something unusable."""


class ValidationError(RightsLedgerError, ValueError):
    """An input is malformed: a hash, a use, a terms file, an address."""


class NotFoundError(RightsLedgerError, LookupError):
    """A thing that was asked for does not exist (a file, a work, a policy)."""


class ContractRevert(RightsLedgerError):
    """A contract refused the call. `error` is the decoded custom error's name, `args` its arguments."""

    def __init__(self, error: str, args: dict[str, Any], message: str) -> None:
        super().__init__(message)
        self.error = error
        self.args_by_name = args

    @property
    def message(self) -> str:
        return str(self)
