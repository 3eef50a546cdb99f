"""Terminology: the glossary's exchange formats."""
