"""Documents, their versions, stored files and upload checks."""
