"""Users, roles, bodies, memberships and signing in."""
