"""Written consultation of a body's members between sessions (xin ý kiến bằng văn bản)."""
