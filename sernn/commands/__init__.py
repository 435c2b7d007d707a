"""The ``sernn`` subcommands that are not benchmarks: ``analyze`` and ``report`` (thin wrappers)."""
