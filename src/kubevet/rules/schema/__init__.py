"""Schema rules: objects validated as the API server validates them (kubevet.schema)."""
