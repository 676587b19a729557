"""The SDK: one module per contract, each a `ContractModule` on a shared `ChainContext`, composed by
the `RightsLedger` facade (sdk/client.py)."""
