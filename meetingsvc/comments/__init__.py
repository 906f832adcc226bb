"""Comments on drafts (góp ý dự thảo): delegates comment on agenda items before a session."""
