// The libpq client; see PostgresPool.swift.
