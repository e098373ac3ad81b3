"""Contracts: JSON Schemas generated from the feeds' row models, their compatibility rules,
and the validation connectors run before producing.

``compatibility`` is pure logic over JSON Schema documents (the registry API builds on it);
``generate`` writes ``contracts/`` and checks it for drift.
"""
