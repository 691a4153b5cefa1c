"""seqzoo plugin package (see plugin.py for what it registers)."""
