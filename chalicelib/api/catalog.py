"""Placeholder blueprint: its owner replaces this module."""

from __future__ import annotations

from chalice import Blueprint

catalog = Blueprint(__name__)
