"""Tests of the console's routes that need no server."""
