"""The application layer: the only caller of the gateway and the ledger.

``package`` evaluates and applies one package; ``worker`` is the worker's use case (one SQS
batch of events and work items); ``scope`` walks policy scope to repositories to packages;
``outcomes`` types what became of each write. The Lambda handlers and the CLI are thin
adapters over these; the engine (``ca_lifecycle.engine``) stays pure beneath them.
"""
