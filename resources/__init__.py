"""Data files installed with the package (reference lists, translations, icons, forms, fonts)."""
