"""Domain rules and value objects (NIK, NIP, wilayah codes, names); no SQLAlchemy, no Qt."""
