"""ATENSI Desktop engine: domain rules, storage, services, reports and sync; never imports Qt."""

__version__ = "0.1.0"
