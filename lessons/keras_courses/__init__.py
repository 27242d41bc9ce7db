"""Lessons: runnable scripts, listed and run by `glassnet lessons`."""
