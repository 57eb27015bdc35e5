"""Placeholder blueprint: its owner replaces this module."""

from __future__ import annotations

from chalice import Blueprint

docs = Blueprint(__name__)
