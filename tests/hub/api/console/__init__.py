"""Tests of the web console: unit tests of its pure parts, browser tests against a real hub api."""
