"""Shared test constants (a plain module: conftest.py files are fixtures only, and share one module name)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
