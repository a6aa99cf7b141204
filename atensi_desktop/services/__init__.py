"""Use cases: each opens one unit of work, validates with the domain rules and returns frozen DTOs."""
