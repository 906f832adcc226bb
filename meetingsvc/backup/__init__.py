"""Backups that restore: a consistent copy of the database, the stored files, the PKI and the
signed audit checkpoints, made while the service runs, checked by hash, restored into an
empty instance (``flask backup create|verify|restore``)."""
