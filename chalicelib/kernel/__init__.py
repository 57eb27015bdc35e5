"""The shared kernel: ids, money, errors, validation, i18n, API conventions, ports, settings and logs.

It imports no capability."""
