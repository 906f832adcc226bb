"""Packets: compose, personalise, sign, issue jobs, issued copies."""
