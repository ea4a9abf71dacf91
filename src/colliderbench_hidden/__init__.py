"""Hidden reference yields of the colliderbench tasks.

This package is deliberately separate from ``colliderbench`` so that the sandbox can hide exactly this
directory from agents. Nothing inside a workspace or sandbox may read it.
"""
