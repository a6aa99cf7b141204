"""The screens behind the main window's navigation."""
