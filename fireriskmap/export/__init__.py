"""Exports: PDF, HTML, Excel, PNG (issue 6)."""
