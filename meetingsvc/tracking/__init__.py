"""Delivery events, the delegates' portal and the secretariat's dashboard."""
