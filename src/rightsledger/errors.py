"""One root exception, with a branch per kind of failure. Every message says what to do next."""

from __future__ import annotations

from typing import Any


class RightsLedgerError(Exception):
    """Root of every error the SDK raises on purpose.

    `code` is a stable, machine-readable name for the failure (the gateway returns it as
    `error.code`); each branch has a default and a raise site may name it more precisely.
    """

    code = "error"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class ConfigError(RightsLedgerError):
    """The SDK is not set up to do this: no deployment, no key, a missing tool."""

    code = "not-configured"


class ChainError(RightsLedgerError):
    """The node could not be reached or answered something unusable."""

    code = "chain-unavailable"


class ValidationError(RightsLedgerError, ValueError):
    """An input is malformed: a hash, a use, a terms file, an address."""

    code = "invalid-input"


class NotFoundError(RightsLedgerError, LookupError):
    """A thing that was asked for does not exist (a file, a work, a policy)."""

    code = "not-found"


class ContractRevert(RightsLedgerError):
    """A contract refused the call. `error` is the decoded custom error's name, `args` its arguments."""

    code = "contract-revert"

    def __init__(self, error: str, args: dict[str, Any], message: str) -> None:
        super().__init__(message)
        self.error = error
        self.args_by_name = args

    @property
    def message(self) -> str:
        return str(self)


class RelayError(RightsLedgerError):
    """A signed request cannot be relayed: `code` says why (expired, replayed, forged, not allowed)."""

    code = "relay-rejected"


class SimilarWorkError(RightsLedgerError):
    """A work to register is a near copy (by content code) of a work another holder registered.
    `matches` lists them: {"file", "contentHash", "iscc", "distance", "holder"} each."""

    code = "similar-work"

    def __init__(self, message: str, matches: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.matches = matches
