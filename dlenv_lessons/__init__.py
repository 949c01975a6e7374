"""dlenv's lessons: one package per lesson, run with `dlenv run LESSON`.

This package imports nothing: `dlenv lessons` lists the lessons without importing any framework.
"""
