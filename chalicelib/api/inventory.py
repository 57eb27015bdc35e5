"""Placeholder blueprint: its owner replaces this module."""

from __future__ import annotations

from chalice import Blueprint

inventory = Blueprint(__name__)
