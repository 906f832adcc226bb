"""Finding meetings, documents and people by a few words, with or without diacritics."""
