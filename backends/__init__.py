"""Providers that compute physics: built-in calculators and wrappers of external programs."""
