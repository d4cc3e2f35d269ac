"""Database and warehouse clients for core/sql: one module per engine, each optional."""
