"""Attendance: each delegate's answer to an invitation, reminders, the list and presence."""
