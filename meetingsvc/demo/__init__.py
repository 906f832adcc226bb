"""Demo content for a fictional province: its committee, two meetings, and their PDFs.

Plain Python with no Flask or database import, so seeding, tests and benchmarks
can all draw on the same realistic data.
"""
