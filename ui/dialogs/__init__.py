"""Dialogs: ask the user, return plain data, call no I/O beyond their own service call."""
