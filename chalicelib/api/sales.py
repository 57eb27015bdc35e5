"""Placeholder blueprint: its owner replaces this module."""

from __future__ import annotations

from chalice import Blueprint

sales = Blueprint(__name__)
