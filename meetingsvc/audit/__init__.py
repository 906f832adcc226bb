"""The append-only audit log, hash-chained so that an edit or a deletion shows."""
