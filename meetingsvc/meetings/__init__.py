"""Meetings, invitations and the agenda."""
